{#- Reading the landing files of one export entity: with tombstones.sql, the only
    engine-specific file access in the project. Every batch's file (CSV, Parquet or JSON lines) under
    <landing_dir>/<source>/<batch_id>/<entity>.<ext> is read as text, columns matched
    to the source's contract by name (case-insensitive), with lineage columns
    _batch_id, _source_file and _source_row (1-based data row; header is line 1).

    A file missing a required column fails the build with a message naming the
    file and column; a missing optional column is NULL; unknown columns are
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


{#- The entity's landing files, sorted by path, as the engine lists them: one dict per
    file with batch_id, file_name, extension and path (dispatched: <engine>__landing_files). -#}
{% macro landing_files(source_name, table_name) -%}
    {{ return(adapter.dispatch('landing_files', 'recontact')(source_name, table_name)) }}
{%- endmacro %}

{#- The batch ids that hold a file of this entity, sorted. -#}
{% macro landing_batches(source_name, table_name) -%}
    {{ return(landing_files(source_name, table_name) | map(attribute='batch_id') | unique | sort) }}
{%- endmacro %}

{#- A file as landing_files lists it; size in bytes when the engine's listing knows it (a 0-byte
    file has no header to read: it gives no rows). -#}
{% macro landed_file(path, batch_id, file_name, size=none) -%}
    {{ return({'path': path, 'batch_id': batch_id, 'file_name': file_name, 'extension': file_name.split('.')[-1], 'size': size}) }}
{%- endmacro %}


{#- What an incremental base model (append-only events) reads this run:
      {'batches': none, 'appending': false}  every batch: first run, --full-refresh, a
                                             batch gone from the landing (the table is
                                             emptied first), a rewritten batch, or a
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
    {%- set present = landing_batches(source_name, table_name) -%}
    {%- set new = present | reject('in', loaded) | list -%}
    {%- set vanished = loaded | reject('in', present) | list -%}
    {%- if vanished -%}
        {#- delete+insert replaces the slices of the batches it reads: the rows of a batch
            no longer in the landing would stay. Empty the table, then read every batch. -#}
        {{ log(source_name ~ "." ~ table_name ~ ": batch " ~ (vanished | min) ~ " is no longer in the landing; recomputing every batch", info=True) }}
        {%- do truncate_relation(this) -%}
        {{ return({'batches': none, 'appending': false}) }}
    {%- endif -%}
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
{% macro landing_root(source_name, table_name) -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- if (node.source_meta or {}).get('landing_root') == 'decoded' -%}
        {{ return((var('state_dir') | string | trim).rstrip('/') ~ '/decoded') }}
    {%- endif -%}
    {{ return((var('landing_dir') | string | trim).rstrip('/')) }}
{%- endmacro %}

{% macro landing_file_glob(source_name, table_name, extension) -%}
    {{- landing_root(source_name, table_name) -}}/{{ source_name }}/*/{{ table_name }}.{{ extension }}
{%- endmacro %}


{% macro sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}


{#- One landing file as a select of the contract's columns (text, trimmed, '' -> NULL)
    plus lineage, from its header (the column names as the file has them), shared by every
    engine's reader. Fails naming the file when a required column is missing; reports
    unknown columns. relation: what to select from; row_number: the data row's number. -#}
{% macro landed_file_select(source_name, table_name, columns, required, batch_id, file_name, header, relation, row_number) -%}
    {%- set located = source_name ~ '/' ~ batch_id ~ '/' ~ file_name -%}
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
            {%- do select_list.append("nullif(trim(cast(" ~ adapter.quote(by_key[column]) ~ " as " ~ dbt.type_string() ~ ")), '') as " ~ column) -%}
        {%- else -%}
            {%- do select_list.append("cast(null as " ~ dbt.type_string() ~ ") as " ~ column) -%}
        {%- endif -%}
    {%- endfor -%}
    select
        {{ select_list | join(', ') }},
        {{ sql_string(batch_id) }} as _batch_id,
        {{ sql_string(located) }} as _source_file,
        cast({{ row_number }} as bigint) as _source_row
    from {{ relation }} as landed_file
{%- endmacro %}


{#- No file (or no new batch): an empty relation of the right shape. -#}
{% macro no_landed_files(source_name, table_name, columns, batches) -%}
    {%- if batches is none -%}
        {{ log("no landing files for " ~ source_name ~ "." ~ table_name ~ " under " ~ landing_root(source_name, table_name), info=True) }}
    {%- else -%}
        {{ log(source_name ~ "." ~ table_name ~ ": no new batch", info=True) }}
    {%- endif %}
    select
    {%- for column in columns %}
        cast(null as {{ dbt.type_string() }}) as {{ column }},
    {%- endfor %}
        cast(null as {{ dbt.type_string() }}) as _batch_id,
        cast(null as {{ dbt.type_string() }}) as _source_file,
        cast(null as bigint) as _source_row
    where 1 = 0
{%- endmacro %}


{#- Every engine's reader: the selected batches' files, each as landed_file_select. -#}
{% macro read_landed_files(source_name, table_name, columns, required, batches, file_relation, row_number) -%}
    {%- set selects = [] -%}
    {%- for file in landing_files(source_name, table_name) -%}
        {%- if file.size == 0 -%}
            {{ log("landing file " ~ source_name ~ "/" ~ file.batch_id ~ "/" ~ file.file_name ~ " is empty (0 bytes): no rows", info=True) }}
        {%- elif batches is none or file.batch_id in batches -%}
            {%- set relation, header = file_relation(source_name, file) -%}
            {%- do selects.append(landed_file_select(
                source_name, table_name, columns, required, file.batch_id, file.file_name, header,
                relation, row_number
            )) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if selects -%}
        {{ return(selects | join('\nunion all\n')) }}
    {%- endif -%}
    {{ return(no_landed_files(source_name, table_name, columns, batches)) }}
{%- endmacro %}


{#- DuckDB reads the files itself: glob() lists them, read_csv/read_parquet/read_json read them. -#}
{#- CSV: the dialect is fixed, never sniffed: no comment character (the sniffer would
    take a row starting with '#' for a comment and drop it) and no skipped lines. -#}
{% macro duckdb__landing_readers() -%}
    {{ return({
        'csv': "read_csv(%s, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', comment = '', skip = 0)",
        'parquet': "read_parquet(%s)",
        'jsonl': "read_json(%s, format = 'newline_delimited')",
    }) }}
{%- endmacro %}

{% macro duckdb__landing_files(source_name, table_name) -%}
    {%- set listing -%}
        {%- for extension in duckdb__landing_readers() -%}
            {% if not loop.first %} union all {% endif -%}
            select filename as file, size
            from read_blob({{ sql_string(landing_file_glob(source_name, table_name, extension)) }})
        {%- endfor %}
        order by file
    {%- endset -%}
    {%- set files = [] -%}
    {%- for file_row in run_query(listing).rows -%}
        {%- set path = file_row[0] | replace('\\', '/') -%}
        {%- set parts = path.split('/') -%}
        {%- do files.append(landed_file(path, parts[-2], parts[-1], file_row[1])) -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}

{#- JSON lines are read with every field as text: DuckDB infers one JSON type per column,
    and a single value of another type (a number among strings) makes the whole column
    JSON-typed, every string keeping its quotes. The intake has already refused a line
    whose field holds an object or an array (intake.py, _check_json_lines). -#}
{% macro duckdb__landed_file_relation(source_name, file) -%}
    {%- set reader = duckdb__landing_readers()[file.extension] | format(sql_string(file.path)) -%}
    {%- set names = run_query('describe select * from ' ~ reader).columns[0].values() -%}
    {%- if file.extension == 'jsonl' -%}
        {%- set as_text = [] -%}
        {%- for name in names -%}
            {%- do as_text.append(sql_string(name) ~ ": 'VARCHAR'") -%}
        {%- endfor -%}
        {%- set reader = "read_json(" ~ sql_string(file.path) ~ ", format = 'newline_delimited', columns = {" ~ (as_text | join(', ')) ~ "})" -%}
    {%- endif -%}
    {{ return((reader, names)) }}
{%- endmacro %}

{% macro duckdb__read_landing(source_name, table_name, columns, required, batches=none) -%}
    {{ return(read_landed_files(
        source_name, table_name, columns, required, batches,
        duckdb__landed_file_relation, 'row_number() over ()'
    )) }}
{%- endmacro %}


{#- Spark reads the files itself, through temporary views of the dbt session: a binaryFile
    view lists them (their content is not read), one csv/parquet/json view per file reads
    it. The landing root must exist (an empty one is fine). Row numbers follow the
    file's order: a file's partitions come in order and monotonically_increasing_id grows
    with them. -#}
{% macro spark__landing_readers() -%}
    {{ return({
        'csv': "csv options (path %s, header 'true', multiLine 'true', sep ',', quote '\"', escape '\"')",
        'parquet': "parquet options (path %s)",
        'jsonl': "json options (path %s)",
    }) }}
{%- endmacro %}

{% macro spark__landing_files(source_name, table_name) -%}
    {%- set root = landing_root(source_name, table_name) -%}
    {#- <root>/*/* are the batch directories; the landing directory is there so that a
        missing or empty root lists nothing instead of failing. -#}
    {%- set listed = spark_list_files(
        [root ~ '/' ~ source_name ~ '/*', (var('landing_dir') | string | trim).rstrip('/')],
        table_name ~ '.{' ~ spark__landing_readers().keys() | join(',') ~ '}'
    ) -%}
    {%- set files = [] -%}
    {%- for path in listed -%}
        {%- set parts = path.split('/') -%}
        {%- if parts | length > 3 and parts[-3] == source_name -%}
            {%- do files.append(landed_file(path, parts[-2], parts[-1])) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}

{% macro spark__landed_file_relation(source_name, file) -%}
    {%- set view = spark_temporary_view(
        'landing_' ~ source_name ~ '_' ~ file.batch_id ~ '_' ~ file.file_name,
        spark__landing_readers()[file.extension] | format(sql_string(file.path))
    ) -%}
    {{ return((view, run_query('select * from ' ~ view ~ ' limit 0').column_names)) }}
{%- endmacro %}

{% macro spark__read_landing(source_name, table_name, columns, required, batches=none) -%}
    {{ return(read_landed_files(
        source_name, table_name, columns, required, batches,
        spark__landed_file_relation, 'row_number() over (order by monotonically_increasing_id())'
    )) }}
{%- endmacro %}

{#- Files (absolute paths, sorted) directly in any of the directories (Hadoop globs
    allowed) whose name matches file_glob (e.g. 'candidates.{csv,parquet}'). The
    directories are alternatives of one Hadoop glob: a missing one lists nothing, but
    at least one must exist. -#}
{% macro spark_list_files(directories, file_glob) -%}
    {#- Hadoop reads '{/a/b,/a/c}' as a relative path: the alternation starts after the
        directories' common prefix, '/a/{b,c}'. -#}
    {%- set split = [] -%}
    {%- for directory in directories -%}{%- do split.append(directory.split('/')) -%}{%- endfor -%}
    {%- set common = [] -%}
    {%- for part in split[0][:(split | map('length') | min) - 1] -%}
        {%- set position = loop.index0 -%}
        {%- if common | length == position and split | rejectattr(position | string, 'equalto', part) | list | length == 0 -%}
            {%- do common.append(part) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set rests = [] -%}
    {%- for parts in split -%}{%- do rests.append(parts[common | length:] | join('/')) -%}{%- endfor -%}
    {%- set prefix = (common | join('/') ~ '/') if common else '' -%}
    {%- set view = spark_temporary_view(
        'listing_' ~ file_glob,
        "binaryFile options (path " ~ sql_string(prefix ~ '{' ~ rests | join(',') ~ '}')
        ~ ", pathGlobFilter " ~ sql_string(file_glob) ~ ")"
    ) -%}
    {%- set listed = [] -%}
    {%- for path in run_query('select path from ' ~ view ~ ' order by path').columns[0].values() -%}
        {%- do listed.append(modules.re.sub('^file:(//)?', '', path)) -%}
    {%- endfor -%}
    {{ return(listed) }}
{%- endmacro %}


{#- A temporary view of the dbt session over files; returns its name. -#}
{% macro spark_temporary_view(label, using) -%}
    {%- set name = 'recontact_' ~ modules.re.sub('[^A-Za-z0-9]+', '_', label) | lower -%}
    {%- do run_query('create or replace temporary view ' ~ name ~ ' using ' ~ using) -%}
    {{ return(name) }}
{%- endmacro %}


{#- PostgreSQL cannot read files where dbt runs: orchestration/engines.py loads every
    landing file first into its own text table in schema `landing` (columns named as the
    file's header, plus _source_row) and lists it in landing.landed_files. -#}
{% macro postgres__landing_files(source_name, table_name) -%}
    {%- set registered = run_query(
        "select count(*) from information_schema.tables"
        ~ " where table_schema = 'landing' and table_name = 'landed_files'"
    ).columns[0].values()[0] -%}
    {%- if registered == 0 -%}
        {{ exceptions.raise_compiler_error("schema landing has no landed_files: load the landing files first (python -m orchestration.engines load-landing)") }}
    {%- endif -%}
    {%- set files = [] -%}
    {%- for batch_id, file_name, relation_name in run_query(
        "select batch_id, file_name, relation_name from landing.landed_files"
        ~ " where source_system = " ~ sql_string(source_name) ~ " and table_name = " ~ sql_string(table_name)
        ~ " order by batch_id, file_name"
    ).rows -%}
        {%- do files.append(landed_file(relation_name, batch_id, file_name)) -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}

{% macro postgres__landed_file_relation(source_name, file) -%}
    {%- set header = run_query(
        "select column_name from information_schema.columns"
        ~ " where table_schema = 'landing' and table_name = " ~ sql_string(file.path)
        ~ " and column_name <> '_source_row' order by ordinal_position"
    ).columns[0].values() -%}
    {{ return(('landing.' ~ adapter.quote(file.path), header)) }}
{%- endmacro %}

{% macro postgres__read_landing(source_name, table_name, columns, required, batches=none) -%}
    {{ return(read_landed_files(
        source_name, table_name, columns, required, batches,
        postgres__landed_file_relation, '_source_row'
    )) }}
{%- endmacro %}
