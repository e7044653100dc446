{#- Every source's staged rows of one entity, as one relation. Each source in var
    `recontact_sources` has stg_<source>__<entity> models with the columns of the
    canonical ones (docs/sources.md), so the rules never depend on where a row came from. -#}
{% macro union_sources(entity) -%}
    {%- for source_system in var('recontact_sources') %}
    select * from {{ ref(source_entity_model(source_system, entity)) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- TRANSITIONAL (layout refactor, one source at a time): the model of a source's entity. -#}
{% macro source_entity_model(source_system, entity) -%}
    {%- if source_system not in ['canonical', 'greenhouse', 'japanese_ats'] -%}
        {{ return('stg_' ~ source_system ~ '__' ~ entity) }}
    {%- elif entity in ['quarantine', 'landing_reconciliation'] -%}
        {{ return('int_' ~ source_system ~ '__' ~ entity) }}
    {%- else -%}
        {{ return('int_' ~ source_system ~ '__' ~ entity ~ '_conformed') }}
    {%- endif -%}
{%- endmacro %}
