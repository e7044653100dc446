{#- Reading the landing files of one export entity: with tombstones.sql, the only
    engine-specific file access in the project. Every batch's file (CSV, Parquet or JSON lines) under
    <landing_dir>/<source>/<batch_id>/<entity>.<ext> is read as text, columns matched
    to the source's contract by name (case-insensitive), with lineage columns
    _batch_id, _source_file and _source_row (1-based data row; header is line 1).

    A file missing a required column fails the build with a message naming the
    file and column; an empty file (0 bytes) is logged and gives no rows; a missing optional column is NULL; unknown columns are
    ignored and reported. No file at all gives an empty relation of the right shape.
    The result also says whether a row belongs to a purged person (is_suppressed). -#}

{% macro read_landing(source_name, table_name, suppressed_when='false', batches=none) -%}
    {#- Calling source() records the lineage (dbt docs, Dagster source assets). -#}
    {%- set _lineage = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return('select 1 as placeholder') }}
    {%- endif -%}
    {%- set columns = landing_columns(source_name, table_name) -%}
    {%- set required = landing_columns(source_name, table_name, required_only=true) -%}
    {%- set files = adapter.dispatch('read_landing', 'recontact')(source_name, table_name, columns, required, batches) -%}
    {{ return(without_suppressed_content(files, columns, suppressed_when)) }}
{%- endmacro %}


{#- The batch ids that hold a file of this entity, sorted. -#}
{% macro landing_batches(source_name, table_name) -%}
    {{ return(adapter.dispatch('landing_batches', 'recontact')(source_name, table_name)) }}
{%- endmacro %}


{#- What an incremental base model (append-only events) reads this run:
      {'batches': none, 'appending': false}  every batch: first run, --full-refresh, or a
                                             late batch that sorts before a loaded one
                                             (first delivery wins by batch order, so the
                                             fates of loaded rows may change: recompute)
      {'batches': [...], 'appending': true}  only the batches not loaded yet, all sorting
                                             after every loaded one; [] when none is new
    The model's unique key is _batch_id (delete+insert): a recompute replaces every batch. -#}
{% macro landing_increment(source_name, table_name) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return({'batches': none, 'appending': false}) }}
    {%- endif -%}
    {%- set loaded = run_query('select distinct _batch_id from ' ~ this).columns[0].values() | list -%}
    {%- set new = landing_batches(source_name, table_name) | reject('in', loaded) | list -%}
    {%- set rewritten = (changed_batches(source_name, table_name) or []) | select('in', loaded) | list -%}
    {%- if rewritten -%}
        {{ log(source_name ~ "." ~ table_name ~ ": batch " ~ (rewritten | min) ~ " changed since it was read; recomputing every batch", info=True) }}
        {{ return({'batches': none, 'appending': false}) }}
    {%- endif -%}
    {%- if loaded and new and (new | min) <= (loaded | max) -%}
        {{ log(source_name ~ "." ~ table_name ~ ": batch " ~ (new | min) ~ " arrived after " ~ (loaded | max) ~ "; recomputing every batch", info=True) }}
        {{ return({'batches': none, 'appending': false}) }}
    {%- endif -%}
    {{ return({'batches': new, 'appending': true}) }}
{%- endmacro %}


{#- Rows of persons purged earlier (`suppressed_when`, see tombstones.sql) keep only their
    ids (`id`, `*_id`, Lever's `contact`): every other value is NULL from the first relation
    on, so a re-delivered person's name, contact details or evaluation text never reach a
    table, while the ids still tie the row's dependants to the purge. -#}
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


{#- Where a source's files are read from: the landing directory, or, for a source whose
    YAML says `meta: {landing_root: decoded}` (the Japanese ATS export, which
    orchestration/decode.py turns into UTF-8 CSVs before dbt runs), <state_dir>/decoded. -#}
{% macro landing_file_glob(source_name, table_name, extension) -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- if (node.source_meta or {}).get('landing_root') == 'decoded' -%}
        {%- set root = (var('state_dir') | string | trim).rstrip('/') ~ '/decoded' -%}
    {%- else -%}
        {%- set root = (var('landing_dir') | string | trim).rstrip('/') -%}
    {%- endif -%}
    {{- root -}}/{{ source_name }}/*/{{ table_name }}.{{ extension }}
{%- endmacro %}


{% macro sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}


{#- CSV: the dialect is fixed, never sniffed: no comment character (the sniffer would
    take a row starting with '#' for a comment and drop it) and no skipped lines. -#}
{% macro duckdb__landing_readers() -%}
    {{ return({
        'csv': "read_csv(%s, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', comment = '', skip = 0)",
        'parquet': "read_parquet(%s)",
        'jsonl': "read_json(%s, format = 'newline_delimited')",
    }) }}
{%- endmacro %}

{#- Every landing file of the entity as (path, extension), sorted by path. -#}
{% macro duckdb__landing_files(source_name, table_name) -%}
    {%- set listing -%}
        {%- for extension in duckdb__landing_readers() -%}
            {% if not loop.first %} union all {% endif -%}
            select filename as file, {{ sql_string(extension) }} as extension, size
            from read_blob({{ sql_string(landing_file_glob(source_name, table_name, extension)) }})
        {%- endfor %}
        order by file
    {%- endset -%}
    {{ return(run_query(listing).rows) }}
{%- endmacro %}

{% macro duckdb__landing_batches(source_name, table_name) -%}
    {%- set batches = [] -%}
    {%- for file_row in duckdb__landing_files(source_name, table_name) -%}
        {%- do batches.append((file_row[0] | replace('\\', '/')).split('/')[-2]) -%}
    {%- endfor -%}
    {{ return(batches | unique | sort) }}
{%- endmacro %}

{% macro duckdb__read_landing(source_name, table_name, columns, required, batches=none) -%}
    {%- set readers = duckdb__landing_readers() -%}
    {%- set selects = [] -%}
    {%- for file_row in duckdb__landing_files(source_name, table_name) -%}
        {%- set path = file_row[0] | replace('\\', '/') -%}
        {%- set reader = readers[file_row[1]] | format(sql_string(path)) -%}
        {%- set parts = path.split('/') -%}
        {%- set batch_id = parts[-2] -%}
        {%- if batches is none or batch_id in batches -%}
        {%- set located = source_name ~ '/' ~ batch_id ~ '/' ~ parts[-1] -%}
        {%- if file_row[2] == 0 -%}
            {{ log("landing file " ~ located ~ " is empty (0 bytes): no rows", info=True) }}
            {%- continue -%}
        {%- endif -%}
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
        {%- endif -%}
    {%- endfor -%}
    {%- if selects -%}
        {{ selects | join('\nunion all\n') }}
    {%- else -%}
        {%- if batches is none -%}
            {{ log("no landing files for " ~ source_name ~ "." ~ table_name ~ " under " ~ var('landing_dir'), info=True) }}
        {%- else -%}
            {{ log(source_name ~ "." ~ table_name ~ ": no new batch", info=True) }}
        {%- endif %}
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
