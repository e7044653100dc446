{#- Purge tombstones (orchestration/purge.py): a person purged once stays purged when a
    later export delivers them again. <state_dir>/tombstones.csv holds
    sha256(salt || '|' || source_system || '|' || candidate_id) per purged person, the salt
    is the text of <state_dir>/tombstone_salt. The salt is read by the engine at run time,
    so it never appears in compiled SQL, logs or dbt artifacts. -#}

{#- A boolean SQL expression: is this candidate id one of a purged person's? -#}
{% macro is_tombstoned(candidate_id_expr, source_system) -%}
    {{ return(adapter.dispatch('is_tombstoned', 'recontact')(candidate_id_expr, source_system)) }}
{%- endmacro %}

{% macro tombstone_files() -%}
    {%- set state_dir = (var('state_dir') | string | trim).rstrip('/') -%}
    {{ return({'tombstones': state_dir ~ '/tombstones.csv', 'salt': state_dir ~ '/tombstone_salt'}) }}
{%- endmacro %}

{% macro duckdb__is_tombstoned(candidate_id_expr, source_system) -%}
    {%- set files = tombstone_files() -%}
    {%- set present = false -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select count(*) from glob(" ~ sql_string(files.tombstones) ~ ")"
            ~ " where exists (select 1 from glob(" ~ sql_string(files.salt) ~ "))"
        ).columns[0].values()[0] -%}
        {%- set present = found > 0 -%}
    {%- endif -%}
    {%- if present -%}
        ({{ candidate_id_expr }} is not null and sha256(
            (select trim(content, ' ' || chr(9) || chr(10) || chr(13)) from read_text({{ sql_string(files.salt) }}))
            || '|' || '{{ source_system }}' || '|' || {{ candidate_id_expr }}
        ) in (
            select candidate_key_hash
            from read_csv({{ sql_string(files.tombstones) }}, header = true, all_varchar = true)
            where source_system = '{{ source_system }}'
        ))
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#- For rows kept by application (stage events, evaluations, offers): the application
    belongs to a purged person, whose application rows were suppressed. A vendor whose
    base model of applications has another name or key (Greenhouse: base_greenhouse__application,
    key `id`) passes them. -#}
{% macro is_suppressed_application(application_id_expr, source_system='canonical',
                                   applications_model=none, key_column='application_id') -%}
    {{ application_id_expr }} in (
        select suppressed.{{ key_column }}
        from {{ ref(applications_model or 'base_' ~ source_system ~ '__applications') }} as suppressed
        where suppressed._fate = 'suppressed'
    )
{%- endmacro %}
