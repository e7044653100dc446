{#- Every source's staged jobs (int_<source>__jobs_conformed, with the columns
    of the canonical ones, docs/sources.md) as one relation, so the rules never depend on
    where a row came from. The sources are var recontact_sources. -#}
{%- for source_system in var('recontact_sources') %}
select * from {{ ref('int_' ~ source_system ~ '__jobs_conformed') }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
