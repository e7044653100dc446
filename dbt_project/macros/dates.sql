{#- Date arithmetic with the spec's semantics, dispatched per engine.
    Months are calendar months clamped to the month's end
    (2026-01-31 + 1 month = 2026-02-28), as DuckDB's interval and Spark's add_months do. -#}

{% macro add_months(date_expr, months_expr) -%}
    {{ return(adapter.dispatch('add_months', 'recontact')(date_expr, months_expr)) }}
{%- endmacro %}

{% macro default__add_months(date_expr, months_expr) -%}
    cast({{ date_expr }} + cast({{ months_expr }} as integer) * interval '1 month' as date)
{%- endmacro %}

{% macro duckdb__add_months(date_expr, months_expr) -%}
    cast({{ date_expr }} + to_months(cast({{ months_expr }} as integer)) as date)
{%- endmacro %}

{% macro spark__add_months(date_expr, months_expr) -%}
    add_months({{ date_expr }}, cast({{ months_expr }} as int))
{%- endmacro %}


{% macro add_days(date_expr, days_expr) -%}
    {{ return(adapter.dispatch('add_days', 'recontact')(date_expr, days_expr)) }}
{%- endmacro %}

{% macro default__add_days(date_expr, days_expr) -%}
    cast({{ date_expr }} + cast({{ days_expr }} as integer) * interval '1 day' as date)
{%- endmacro %}

{% macro duckdb__add_days(date_expr, days_expr) -%}
    cast({{ date_expr }} + to_days(cast({{ days_expr }} as integer)) as date)
{%- endmacro %}

{% macro spark__add_days(date_expr, days_expr) -%}
    date_add({{ date_expr }}, cast({{ days_expr }} as int))
{%- endmacro %}


{#- Whole days from start_date to end_date (end - start). -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'recontact')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro duckdb__days_between(start_date, end_date) -%}
    datediff('day', {{ start_date }}, {{ end_date }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}
