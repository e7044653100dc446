{#- Every source's quarantine (int_<source>__quarantine) as one relation: each landed row
    not used, with the candidate and application it refers to.
    The rules read it (int_persons_held), so every staging check gates the marts: when a
    quarantine list or a landing reconciliation fails an error-severity test, dbt skips
    every model after them and the last good marts stay as they were. -#}
{%- for source_system in var('recontact_sources') %}
-- depends_on: {{ ref('int_' ~ source_system ~ '__landing_reconciliation') }}
{%- endfor %}
{%- for source_system in var('recontact_sources') %}
select * from {{ ref('int_' ~ source_system ~ '__quarantine') }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
