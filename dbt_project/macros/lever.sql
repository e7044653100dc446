{#- Readings of Lever's own vocabularies (docs/source-lever.md). -#}

{#- Lever offer status -> canonical offer status. Lever has no `declined`: an offer the
    candidate turned down is `denied`; Lever has no `rescinded` either. -#}
{% macro lever_offer_statuses() -%}
    {{ return({
        'draft': 'pending',
        'approval-sent': 'pending',
        'approved': 'pending',
        'sent': 'pending',
        'sent-manually': 'pending',
        'opened': 'pending',
        'denied': 'declined',
        'signed': 'accepted',
    }) }}
{%- endmacro %}

{#- A CASE mapping a Lever offer status column to the canonical status (NULL if unknown). -#}
{% macro lever_offer_status(status_expr) -%}
    case {{ status_expr }}
    {%- for lever_status, status in lever_offer_statuses().items() %}
        when '{{ lever_status }}' then '{{ status }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- The leading digits of a Lever score (`3 - Hire` -> '3'), '' when there are none. -#}
{% macro lever_score_digits(text_expr) -%}
    {{ return(adapter.dispatch('leading_digits', 'recontact')(text_expr)) }}
{%- endmacro %}

{% macro default__leading_digits(text_expr) -%}
    coalesce(substring({{ text_expr }} from '^\s*([0-9]+)'), '')
{%- endmacro %}

{% macro duckdb__leading_digits(text_expr) -%}
    regexp_extract({{ text_expr }}, '^\s*([0-9]+)', 1)
{%- endmacro %}

{% macro spark__leading_digits(text_expr) -%}
    regexp_extract({{ text_expr }}, '^\\s*([0-9]+)', 1)
{%- endmacro %}
