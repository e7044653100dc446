{#- Reading the landing files of one export entity: with tombstones.sql, the only
    engine-specific file access in the project. Every batch's file (CSV, Parquet or JSON lines) under
    <landing_dir>/<source>/<batch_id>/<entity>.<ext> is read as text, columns matched
    to the source's contract by name (case-insensitive), with lineage columns
    _batch_id, _source_file and _source_row (1-based data row; header is line 1).

    A file missing a required column fails the build with a message naming the
    file and column; a missing optional column is NULL; unknown columns are
    ignored and reported. No file at all gives an empty relation of the right shape.
    The result also says whether a row belongs to a purged person (is_suppressed). -#}

{% macro read_landing(source_name, table_name, suppressed_when='false') -%}
    {#- Calling source() records the lineage (dbt docs, Dagster source assets). -#}
    {%- set _lineage = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return('select 1 as placeholder') }}
    {%- endif -%}
    {%- set columns = landing_columns(source_name, table_name) -%}
    {%- set required = landing_columns(source_name, table_name, required_only=true) -%}
    {%- set files = adapter.dispatch('read_landing', 'recontact')(source_name, table_name, columns, required) -%}
    {{ return(without_suppressed_content(files, columns, suppressed_when)) }}
{%- endmacro %}


{#- Rows of persons purged earlier (`suppressed_when`, see tombstones.sql) keep only their
    ids (`id`, `*_id`, Lever's `contact`): every other value is NULL from the first relation on, so a re-delivered
    person's name, contact details or evaluation text never reach a table. -#}
{% macro without_suppressed_content(files_sql, columns, suppressed_when) -%}
    select
        {%- for column in columns %}
        {%- if column == 'id' or column == 'contact' or column.endswith('_id') %}
        {{ column }},
        {%- else %}
        case when is_suppressed then null else {{ column }} end as {{ column }},
        {%- endif %}
        {%- endfor %}
        _batch_id,
        _source_file,
        _source_row,
        is_suppressed
    from (
        select
            landed_files.*,
            coalesce({{ suppressed_when }}, false) as is_suppressed
        from (
            {{ files_sql }}
        ) as landed_files
    ) as flagged
{%- endmacro %}


{#- The contract columns of a landing entity, as its source YAML declares them. -#}
{% macro landing_columns(source_name, table_name, required_only=false) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- set columns = [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- if not required_only or (column.meta or {}).get('required') -%}
            {%- do columns.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not columns and not required_only -%}
        {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " declares no columns") }}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}


{% macro landing_file_glob(source_name, table_name, extension) -%}
    {{- (var('landing_dir') | string | trim).rstrip('/') -}}/{{ source_name }}/*/{{ table_name }}.{{ extension }}
{%- endmacro %}


{% macro sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}


{% macro duckdb__read_landing(source_name, table_name, columns, required) -%}
    {%- set readers = {
        'csv': "read_csv(%s, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')",
        'parquet': "read_parquet(%s)",
        'jsonl': "read_json(%s, format = 'newline_delimited')",
    } -%}
    {%- set listing -%}
        {%- for extension in readers -%}
            {% if not loop.first %} union all {% endif -%}
            select file, {{ sql_string(extension) }} as extension
            from glob({{ sql_string(landing_file_glob(source_name, table_name, extension)) }})
        {%- endfor %}
        order by file
    {%- endset -%}
    {%- set files = run_query(listing).rows -%}
    {%- set selects = [] -%}
    {%- for file_row in files -%}
        {%- set path = file_row[0] | replace('\\', '/') -%}
        {%- set reader = readers[file_row[1]] | format(sql_string(path)) -%}
        {%- set parts = path.split('/') -%}
        {%- set batch_id = parts[-2] -%}
        {%- set located = source_name ~ '/' ~ batch_id ~ '/' ~ parts[-1] -%}
        {%- set header = run_query('describe select * from ' ~ reader).columns[0].values() -%}
        {%- set by_key = {} -%}
        {%- for name in header -%}{%- do by_key.update({name | lower | trim: name}) -%}{%- endfor -%}
        {%- set missing_required = required | reject('in', by_key) | list -%}
        {%- if missing_required -%}
            {{ exceptions.raise_compiler_error("landing file " ~ located ~ " lacks required column(s) " ~ missing_required | join(', ') ~ "; the load of " ~ source_name ~ "." ~ table_name ~ " fails") }}
        {%- endif -%}
        {%- set unknown = by_key.keys() | reject('in', columns) | list -%}
        {%- if unknown -%}
            {{ log("landing file " ~ located ~ ": ignoring column(s) not in the contract: " ~ unknown | sort | join(', '), info=True) }}
        {%- endif -%}
        {%- set select_list = [] -%}
        {%- for column in columns -%}
            {%- if column in by_key -%}
                {%- do select_list.append("nullif(trim(cast(" ~ adapter.quote(by_key[column]) ~ " as varchar)), '') as " ~ column) -%}
            {%- else -%}
                {%- do select_list.append("cast(null as varchar) as " ~ column) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do selects.append(
            "select *"
            ~ ", " ~ sql_string(batch_id) ~ " as _batch_id"
            ~ ", " ~ sql_string(located) ~ " as _source_file"
            ~ ", row_number() over () as _source_row"
            ~ " from (select " ~ select_list | join(', ') ~ " from " ~ reader ~ ") as landed_file"
        ) -%}
    {%- endfor -%}
    {%- if selects -%}
        {{ selects | join('\nunion all\n') }}
    {%- else -%}
        {{ log("no landing files for " ~ source_name ~ "." ~ table_name ~ " under " ~ var('landing_dir'), info=True) }}
        select
        {%- for column in columns %}
            cast(null as varchar) as {{ column }},
        {%- endfor %}
            cast(null as varchar) as _batch_id,
            cast(null as varchar) as _source_file,
            cast(null as bigint) as _source_row
        where 1 = 0
    {%- endif -%}
{%- endmacro %}
