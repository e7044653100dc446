{#- Every source's staged consent events (int_<source>__consent_events_conformed, with the columns
    of the canonical ones, docs/sources.md) as one relation, so the rules never depend on
    where a row came from. The sources are var recontact_sources. -#}
{%- for source_system in var('recontact_sources') %}
select * from {{ ref('int_' ~ source_system ~ '__consent_events_conformed') }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
