{#- Purge tombstones (erasure/purge.py): a person purged once stays purged when a
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

{#- Spark reads both files through temporary views at run time. The listing also
    names the landing directory, so a state directory that does not exist yet means
    "no tombstones" rather than an error. -#}
{% macro spark__is_tombstoned(candidate_id_expr, source_system) -%}
    {%- set files = tombstone_files() -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- set state_dir = files.salt.rsplit('/', 1)[0] -%}
        {%- set listed = spark_list_files(
            [state_dir, (var('landing_dir') | string | trim).rstrip('/')],
            '{tombstones.csv,tombstone_salt}'
        ) -%}
        {%- for name in ['tombstones.csv', 'tombstone_salt'] -%}
            {%- for path in listed if path.endswith('/' ~ state_dir.rstrip('/').split('/')[-1] ~ '/' ~ name) -%}
                {%- if loop.first %}{% do present.append(path) %}{% endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if present | length == 2 -%}
        {%- set tombstones = spark_temporary_view('tombstones', "csv options (path " ~ sql_string(present[0]) ~ ", header 'true')") -%}
        {%- set salt = spark_temporary_view('tombstone_salt', "text options (path " ~ sql_string(present[1]) ~ ", wholetext 'true')") -%}
        ({{ candidate_id_expr }} is not null and sha2(concat(
            (select regexp_replace(value, '^[ \\t\\r\\n]+|[ \\t\\r\\n]+$', '') from {{ salt }}),
            '|', '{{ source_system }}', '|', {{ candidate_id_expr }}
        ), 256) in (
            select candidate_key_hash from {{ tombstones }} where source_system = '{{ source_system }}'
        ))
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#- PostgreSQL: the loader (loader/load.py) copies the tombstones and the salt
    into raw._tombstones and raw._tombstone_salt (schema raw is readable by the
    warehouse's owner only; the BI role has no access to it). -#}
{% macro postgres__is_tombstoned(candidate_id_expr, source_system) -%}
    ({{ candidate_id_expr }} is not null and encode(sha256(convert_to(
        (select salt from raw._tombstone_salt) || '|' || '{{ source_system }}' || '|' || {{ candidate_id_expr }},
        'UTF8'
    )), 'hex') in (
        select candidate_key_hash from raw._tombstones where source_system = '{{ source_system }}'
    ))
{%- endmacro %}

{#- For rows kept by application (stage events, evaluations, offers): the application
    belongs to a purged person, whose application rows were suppressed in the source's
    staging model of applications (its key column: key_column). -#}
{% macro is_suppressed_application(application_id_expr, applications_model, key_column='application_id') -%}
    {{ application_id_expr }} in (
        select suppressed.{{ key_column }}
        from {{ ref(applications_model) }} as suppressed
        where suppressed._fate = 'suppressed'
    )
{%- endmacro %}
