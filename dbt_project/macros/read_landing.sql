{#- Reading one export entity: its raw table, which the loader (loader/load.py,
    `recontact load`) fills with every batch once, the contract's columns as the file's
    text. Here each value is trimmed ('' -> NULL), the lineage is named as the models know
    it (_batch_id, _source_file = <source>/<batch_id>/<file>, _source_row = 1-based data
    row), and the result says whether a row belongs to a purged person (is_suppressed).
    batches: only these batch ids (an incremental model's new batches, landing_increment). -#}

{% macro read_landing(source_name, table_name, suppressed_when='false', batches=none) -%}
    {%- set columns = landing_columns(source_name, table_name) -%}
    {%- if execute and batches is not none and not batches -%}
        {{ log(source_name ~ "." ~ table_name ~ ": no new batch", info=True) }}
    {%- endif -%}
    {%- set trimmed -%}
    select
        {%- for column in columns %}
        nullif(trim({{ column }}), '') as {{ column }},
        {%- endfor %}
        _batch_id,
        _file as _source_file,
        _row_number as _source_row
    from {{ source(source_name, table_name) }}
    {%- if batches is not none %}
    where {{ in_batches(batches) }}
    {%- endif %}
    {%- endset -%}
    {{ return(without_suppressed_content(trimmed, columns, suppressed_when)) }}
{%- endmacro %}


{#- The batch ids of this entity in its raw table, sorted. -#}
{% macro landing_batches(source_name, table_name) -%}
    {{ return(run_query('select distinct _batch_id from ' ~ source(source_name, table_name) ~ ' order by 1').columns[0].values() | list) }}
{%- endmacro %}


{#- A condition: the row is of one of these batches (none of them when the list is empty). -#}
{% macro in_batches(batches) -%}
    {%- if batches -%}
        _batch_id in ({% for batch in batches %}{{ sql_string(batch) }}{{ ', ' if not loop.last }}{% endfor %})
    {%- else -%}
        1 = 0
    {%- endif -%}
{%- endmacro %}


{#- What an incremental staging model reads this run:
      {'batches': none, 'appending': false}  every batch: first run, --full-refresh, a
                                             batch gone from the landing or rewritten
                                             since it was read (see below), or a late
                                             batch that sorts before a loaded one
                                             (first delivery wins by batch order, so the
                                             fates of loaded rows may change: recompute)
      {'batches': [...], 'appending': true}  only the batches not loaded yet, all sorting
                                             after every loaded one; [] when none is new
    Append-only events (by_key false): the unique key is _batch_id (delete+insert), so a
    recompute replaces every batch, and only a batch gone from the landing needs the
    table emptied first.
    Mutable entities (by_key true, latest_version_wins): the unique key is the entity's
    key, and a run recomputes every version of each key delivered in a new batch. A late
    batch is read like any new one (the winner is decided among all of a key's versions,
    whatever their batches' order); a batch gone or rewritten empties the table first,
    since a key it no longer holds would otherwise keep its rows. -#}
{% macro landing_increment(source_name, table_name, by_key=false) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return({'batches': none, 'appending': false}) }}
    {%- endif -%}
    {%- set loaded = run_query('select distinct _batch_id from ' ~ this).columns[0].values() | list -%}
    {%- set present = landing_batches(source_name, table_name) -%}
    {%- set new = present | reject('in', loaded) | list -%}
    {%- set vanished = loaded | reject('in', present) | list -%}
    {%- if vanished -%}
        {#- delete+insert replaces the slices (or keys) it reads: the rows of a batch no
            longer in the landing would stay. Empty the table, then read every batch. -#}
        {{ log(source_name ~ "." ~ table_name ~ ": batch " ~ (vanished | min) ~ " is no longer in the landing; recomputing every batch", info=True) }}
        {%- do _empty_before_recompute() -%}
        {{ return({'batches': none, 'appending': false}) }}
    {%- endif -%}
    {%- set rewritten = (changed_batches(source_name, table_name) or []) | select('in', loaded) | list -%}
    {%- if rewritten -%}
        {{ log(source_name ~ "." ~ table_name ~ ": batch " ~ (rewritten | min) ~ " changed since it was read; recomputing every batch", info=True) }}
        {%- if by_key -%}
            {%- do _empty_before_recompute() -%}
        {%- endif -%}
        {{ return({'batches': none, 'appending': false}) }}
    {%- endif -%}
    {%- if not by_key and loaded and new and (new | min) <= (loaded | max) -%}
        {{ log(source_name ~ "." ~ table_name ~ ": batch " ~ (new | min) ~ " arrived after " ~ (loaded | max) ~ "; recomputing every batch", info=True) }}
        {{ return({'batches': none, 'appending': false}) }}
    {%- endif -%}
    {{ return({'batches': new, 'appending': true}) }}
{%- endmacro %}


{#- Only a command that then builds the model empties it: `dbt compile` or `dbt docs
    generate` render this model too, and must leave the table as it is. -#}
{% macro _empty_before_recompute() -%}
    {%- if flags.WHICH in ('run', 'build', 'retry') -%}
        {%- do truncate_relation(this) -%}
    {%- endif -%}
{%- endmacro %}


{#- Rows of persons purged earlier (`suppressed_when`, see tombstones.sql) keep only their
    ids (`id`, `*_id`, Lever's `contact`): every other value is NULL from the first relation
    on, so a re-delivered person's name, contact details or evaluation text never reach a
    table, while the ids still tie the row's dependants to the purge. -#}
{% macro without_suppressed_content(landed_sql, columns, suppressed_when) -%}
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
            landed.*,
            coalesce({{ suppressed_when }}, false) as is_suppressed
        from (
            {{ landed_sql }}
        ) as landed
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


{% macro sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}


{#- Spark helpers for files the engine reads itself (the tombstones, tombstones.sql). -#}

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
