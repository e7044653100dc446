{#- Every source's staged rows of one entity, as one relation. Each source in var
    `recontact_sources` has stg_<source>__<entity> models with the columns of the
    canonical ones (docs/sources.md), so the rules never depend on where a row came from. -#}
{% macro union_sources(entity) -%}
    {%- for source_system in var('recontact_sources') %}
    select * from {{ ref('stg_' ~ source_system ~ '__' ~ entity) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
