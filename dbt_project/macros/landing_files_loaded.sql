{#- Which batches' files an incremental base model has read, and when the loader loaded
    them (raw `_loaded_at`, loader/load.py), in <schema>.landing_files_loaded. A
    batch the loader loaded again since (a purge rewrote it, an ATS re-sent it with other
    content) or removed is not "loaded" any more: landing_increment then recomputes every
    batch. Spark's Parquet tables take no delete: there a rewritten batch needs
    `dbt build --full-refresh`. -#}

{% macro landing_file_signatures(source_name, table_name) -%}
    {{ return(adapter.dispatch('landing_file_signatures', 'recontact')(source_name, table_name)) }}
{%- endmacro %}

{#- file -> when it was loaded, of every file of the entity in its raw table. -#}
{% macro default__landing_file_signatures(source_name, table_name) -%}
    {%- set rows = run_query(
        "select _file, cast(max(_loaded_at) as " ~ dbt.type_string() ~ ") from "
        ~ source(source_name, table_name) ~ " group by _file order by 1"
    ).rows -%}
    {%- set signatures = {} -%}
    {%- for row in rows -%}
        {%- do signatures.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {{ return(signatures) }}
{%- endmacro %}

{% macro spark__landing_file_signatures(source_name, table_name) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro landing_files_loaded_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=generate_schema_name('staging', none), identifier='landing_files_loaded'
    )) }}
{%- endmacro %}

{#- on-run-start: the table, where the engine can tell file changes (else nothing). -#}
{% macro create_landing_files_loaded() -%}
    {%- if not execute or target.type == 'spark' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = landing_files_loaded_relation() -%}
    create schema if not exists {{ relation.schema }};
    create table if not exists {{ relation }} (model varchar, file varchar, signature varchar)
{%- endmacro %}

{#- The batches with a file that is new, rewritten or gone since this model last read it;
    none when the engine cannot tell. -#}
{% macro changed_batches(source_name, table_name) -%}
    {%- set current = landing_file_signatures(source_name, table_name) -%}
    {%- if current is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set recorded = {} -%}
    {%- set relation = landing_files_loaded_relation() -%}
    {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) -%}
        {%- for row in run_query(
            "select file, signature from " ~ relation ~ " where model = " ~ sql_string(this.identifier)
        ).rows -%}
            {%- do recorded.update({row[0]: row[1]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set changed = [] -%}
    {%- for file in (current.keys() | list) + (recorded.keys() | list) -%}
        {%- if current.get(file) != recorded.get(file) -%}
            {%- do changed.append(file.split('/')[-2]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(changed | unique | sort) }}
{%- endmacro %}

{#- Post-hook of an incremental base model: it now reflects every current file. -#}
{% macro record_landing_files(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set current = landing_file_signatures(source_name, table_name) -%}
    {%- if current is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = landing_files_loaded_relation() -%}
    delete from {{ relation }} where model = {{ sql_string(this.identifier) }};
    {%- if current %}
    insert into {{ relation }} (model, file, signature) values
    {%- for file, signature in current.items() %}
        ({{ sql_string(this.identifier) }}, {{ sql_string(file) }}, {{ sql_string(signature) }}){{ ',' if not loop.last else ';' }}
    {%- endfor %}
    {%- endif %}
{%- endmacro %}

{#- Config of an incremental base model of append-only events: slices by batch, and the
    files it read recorded after each run. A staging table whose columns no longer match
    its model's select fails the run (dbt's default would insert without the new column,
    silently): `dbt build --full-refresh` rebuilds it from the raw tables. -#}
{% macro append_only_events_config(source_name, table_name) -%}
    {{ replace_slices_config('_batch_id') }}
    {{ config(on_schema_change='fail') }}
    {{ config(post_hook="{{ record_landing_files('" ~ source_name ~ "', '" ~ table_name ~ "') }}") }}
{%- endmacro %}


{#- Config of a staging model of mutable entities (latest_version_wins): incremental by
    key, recomputing the keys that new batches deliver (landing_increment(..., by_key=true)),
    and the files it read recorded after each run; a schema change fails the run, as for
    the events. -#}
{% macro mutable_entities_config(source_name, table_name, key_column) -%}
    {{ return(adapter.dispatch('mutable_entities_config', 'recontact')(source_name, table_name, key_column)) }}
{%- endmacro %}

{% macro default__mutable_entities_config(source_name, table_name, key_column) -%}
    {{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=key_column, on_schema_change='fail') }}
    {{ config(post_hook="{{ record_landing_files('" ~ source_name ~ "', '" ~ table_name ~ "') }}") }}
{%- endmacro %}

{#- Spark: Parquet tables take no delete, and insert_overwrite replaces partitions, not
    keys: the model stays a table (the staging folder's default), rebuilt on every run. -#}
{% macro spark__mutable_entities_config(source_name, table_name, key_column) -%}
{%- endmacro %}
