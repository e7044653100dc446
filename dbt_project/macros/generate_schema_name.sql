{#- Schemas are part of the public contract (`marts.recontact_eligibility`), so a
    model's custom schema is used as written, without dbt's target-schema prefix. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
