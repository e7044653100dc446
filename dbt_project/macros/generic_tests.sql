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

{#- A combination of columns is unique. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
