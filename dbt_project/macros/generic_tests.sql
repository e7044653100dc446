{#- Generic tests of our own (no dbt hub here, so no dbt_utils). -#}

{#- Rows where a boolean SQL expression is not true. -#}
{% test assert_expression(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}

{#- Rows of the model where the expression is true: for "no row may ..." checks
    that read better stated positively, e.g. a warning on unmapped values. -#}
{% test no_rows_where(model, condition) %}
select *
from {{ model }}
where {{ condition }}
{% endtest %}

{#- A combination of columns is unique. Two steps, for the large marts (46 M job-match
    rows at 1M candidates): the hashes of the combination that occur more than once (a
    group by on one integer, about twice as fast as on the columns), then the real
    combinations among those rows. A duplicate always has a repeated hash, so none is
    missed; a collision of two different combinations is dropped by the second step. -#}
{% test unique_combination(model, columns) %}
with

repeated_hashes as (
    select {{ combination_hash(columns) }} as combination_hash
    from {{ model }}
    group by {{ combination_hash(columns) }}
    having count(*) > 1
)

select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
where {{ combination_hash(columns) }} in (select combination_hash from repeated_hashes)
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- A 64-bit hash of several columns, for grouping only (never stored, never a key). -#}
{% macro combination_hash(columns) -%}
    {{ return(adapter.dispatch('combination_hash', 'recontact')(columns)) }}
{%- endmacro %}

{% macro default__combination_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro postgres__combination_hash(columns) -%}
    hashtextextended(row({{ columns | join(', ') }})::text, 0)
{%- endmacro %}

{% macro spark__combination_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}
