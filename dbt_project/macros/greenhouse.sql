{#- Greenhouse (Fivetran) specifics shared by the stg_greenhouse__* models
    (docs/source-greenhouse.md). -#}

{#- Fivetran keeps a row deleted in Greenhouse with `_fivetran_deleted = true`. A row is
    "deleted in Greenhouse" when a delivery of the same key at the same or a later version
    says so: older versions must not come back to life when the latest one is a deletion.
    Needs the CTE to carry is_fivetran_deleted. -#}
{% macro deleted_in_greenhouse(key_expr, version_column) -%}
    ({{ version_column }} <= max(case when is_fivetran_deleted then {{ version_column }} end)
        over (partition by {{ key_expr }}))
{%- endmacro %}

{#- Greenhouse's overall recommendation on a scorecard -> the 1-5 rating of the export
    contract (5 best). Greenhouse shows the five choices as a scale with "no decision"
    (mixed) in the middle. Anything else is NULL (and quarantined by the staging model). -#}
{% macro greenhouse_rating(recommendation_expr) -%}
    case {{ mapping_key(recommendation_expr) }}
        when 'definitely_not' then 1
        when 'no' then 2
        when 'no_decision' then 3
        when 'yes' then 4
        when 'strong_yes' then 5
    end
{%- endmacro %}
