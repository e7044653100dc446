{#- Spark's raw tables: the loader (loader/load.py) writes one Parquet file per
    batch and table under <RECONTACT_SPARK_DIR>/raw/<source>__<table>/; on-run-start
    declares each directory as table raw.<source>__<table> (the contract's columns as
    text, the lineage) and refreshes it, so the run sees the files loaded last. DuckDB and
    PostgreSQL get their raw tables from the loader itself. -#}
{% macro register_raw_tables() -%}
    {%- if not execute or target.type != 'spark' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set root = env_var('RECONTACT_SPARK_DIR', 'data/spark') | trim -%}
    {%- do run_query('create database if not exists raw') -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- set relation = 'raw.' ~ node.identifier -%}
        {%- set columns = [] -%}
        {%- for name in node.columns -%}{%- do columns.append(name ~ ' string') -%}{%- endfor -%}
        {%- do run_query(
            'create table if not exists ' ~ relation ~ ' (' ~ columns | join(', ')
            ~ ', _batch_id string, _file string, _row_number bigint, _loaded_at timestamp)'
            ~ ' using parquet location ' ~ sql_string(root.rstrip('/') ~ '/raw/' ~ node.identifier)
        ) -%}
        {%- do run_query('refresh table ' ~ relation) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
