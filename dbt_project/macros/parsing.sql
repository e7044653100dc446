{#- Parsing raw export text (every landed column arrives as text) into types.
    Each parser returns NULL for text it cannot read; the base models compare
    the raw and parsed values to quarantine unreadable rows with a reason. -#}

{#- ISO 8601 text -> local timestamp of the source (export contract):
    with an offset (Z, +09, +09:00, +0900) it is converted to the source's zone,
    without one it already is local time, a bare date is that day at midnight.
    For a source listed in var sources_in_recontact_timezone the result is then converted
    to var recontact_timezone (e.g. Lever: Fivetran's UTC -> the rules' Asia/Tokyo). -#}
{% macro to_local_timestamp(text_expr, source_system) -%}
    {%- set zones = var('source_timezones') -%}
    {%- if source_system not in zones -%}
        {{ exceptions.raise_compiler_error("var source_timezones has no time zone for source '" ~ source_system ~ "'") }}
    {%- endif -%}
    {#- Only ISO 8601 text is read, by every engine alike: each engine's own cast accepts
        other spellings too (2026/01/05, 1:2:3, 'now' ...), and those differ. A date before
        var earliest_plausible_date (year 1, 1900) or an offset beyond ±14:00 is no
        timestamp anybody recorded: unreadable, so its row is quarantined. -#}
    {%- set local -%}
    case
        when {{ regexp_like(text_expr, iso_timestamp_pattern()) }}
            and {{ text_expr }} >= '{{ date_var('earliest_plausible_date') }}'
            then {{ adapter.dispatch('to_local_timestamp', 'recontact')(text_expr, zones[source_system]) }}
    end
    {%- endset -%}
    {%- if source_system in var('sources_in_recontact_timezone', []) and zones[source_system] != var('recontact_timezone') -%}
        {{ return(adapter.dispatch('convert_timezone', 'recontact')(local, zones[source_system], var('recontact_timezone'))) }}
    {%- endif -%}
    {{ return(local) }}
{%- endmacro %}

{#- YYYY-MM-DD, optionally with a time hh:mm[:ss[.ffffff]] (T or space) and an offset of
    at most ±14:00 (Z, ±hh, ±hhmm, ±hh:mm). -#}
{% macro iso_timestamp_pattern() -%}
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|z|[+-](0[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?)?)?$'
{%- endmacro %}

{% macro timestamp_offset_pattern() -%}
    '[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$'
{%- endmacro %}

{% macro duckdb__to_local_timestamp(text_expr, time_zone) -%}
    case
        when {{ regexp_like(text_expr, timestamp_offset_pattern()) }}
            then cast(try_cast({{ text_expr }} as timestamptz) at time zone '{{ time_zone }}' as timestamp)
        else try_cast({{ text_expr }} as timestamp)
    end
{%- endmacro %}

{% macro spark__to_local_timestamp(text_expr, time_zone) -%}
    case
        when {{ regexp_like(text_expr, timestamp_offset_pattern()) }}
            then from_utc_timestamp(to_timestamp({{ text_expr }}), '{{ time_zone }}')
        else to_timestamp({{ text_expr }})
    end
{%- endmacro %}

{% macro postgres__to_local_timestamp(text_expr, time_zone) -%}
    case
        when {{ regexp_like(text_expr, timestamp_offset_pattern()) }}
            then {{ try_cast(text_expr, 'timestamptz') }} at time zone '{{ time_zone }}'
        else {{ try_cast(text_expr, 'timestamp') }}
    end
{%- endmacro %}


{#- A cast that yields NULL instead of failing (dbt.safe_cast is a plain cast on some engines). -#}
{% macro try_cast(text_expr, data_type) -%}
    {{ return(adapter.dispatch('try_cast', 'recontact')(text_expr, data_type)) }}
{%- endmacro %}

{% macro default__try_cast(text_expr, data_type) -%}
    try_cast({{ text_expr }} as {{ data_type }})
{%- endmacro %}

{% macro spark__try_cast(text_expr, data_type) -%}
    try_cast({{ text_expr }} as {{ data_type }})
{%- endmacro %}

{#- PostgreSQL has no try_cast: recontact_try_cast_<type>(text) functions, created by the
    on-run-start hook (engine_functions below), catch the cast's error. -#}
{% macro postgres__try_cast(text_expr, data_type) -%}
    {{ target.schema }}.recontact_try_cast_{{ data_type }}({{ text_expr }})
{%- endmacro %}

{#- on-run-start: the helper functions an engine lacks (none but on PostgreSQL). -#}
{% macro engine_functions() -%}
    {{ return(adapter.dispatch('engine_functions', 'recontact')()) }}
{%- endmacro %}

{% macro default__engine_functions() -%}
    select 1
{%- endmacro %}

{% macro postgres__engine_functions() -%}
    {%- for data_type in ['timestamp', 'timestamptz', 'date', 'integer'] %}
    create or replace function {{ target.schema }}.recontact_try_cast_{{ data_type }}(value text)
    returns {{ data_type }} language plpgsql immutable as $$
    begin
        return cast(value as {{ data_type }});
    exception when others then
        return null;
    end
    $$;
    {%- endfor %}
{%- endmacro %}


{#- Booleans as ATS exports spell them; anything else is NULL. -#}
{% macro parse_boolean(text_expr) -%}
    case
        when lower({{ text_expr }}) in ('true', 't', '1', 'yes', 'y') then true
        when lower({{ text_expr }}) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}


{#- Integers written as digits, optionally with a sign (no decimals, no spaces). -#}
{% macro parse_integer(text_expr) -%}
    case
        when {{ regexp_like(text_expr, "'^[+-]?[0-9]{1,9}$'") }}
            then cast({{ text_expr }} as integer)
    end
{%- endmacro %}


{% macro regexp_like(text_expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'recontact')(text_expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(text_expr, pattern) -%}
    ({{ text_expr }} ~ {{ pattern }})
{%- endmacro %}

{% macro duckdb__regexp_like(text_expr, pattern) -%}
    regexp_matches({{ text_expr }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regexp_like(text_expr, pattern) -%}
    ({{ text_expr }} rlike {{ pattern }})
{%- endmacro %}


{#- How seed mappings and enums compare raw values: trimmed, lower case. -#}
{% macro mapping_key(text_expr) -%}
    lower(trim({{ text_expr }}))
{%- endmacro %}


{#- One source's rows of the mapping seeds, keyed the way mapping_key compares raw values
    (the body of a `reason_map` / `stage_map` CTE in the staged models). -#}
{% macro reason_map_of(source_system) -%}
    select
        {{ mapping_key('source_reason') }} as reason_key,
        category
    from {{ ref('rejection_reason_map') }}
    where source_system = '{{ source_system }}'
{%- endmacro %}

{% macro stage_map_of(source_system) -%}
    select
        {{ mapping_key('source_stage') }} as stage_key,
        stage,
        stage_order
    from {{ ref('stage_map') }}
    where source_system = '{{ source_system }}'
{%- endmacro %}


{#- A deterministic fingerprint of a landed row's content (not of where it came from),
    used to tell a harmless re-delivery from a conflicting duplicate. -#}
{% macro row_fingerprint(columns) -%}
    {%- set fields = [] -%}
    {%- for column in columns -%}
        {%- if not loop.first %}{% do fields.append("'|'") %}{% endif -%}
        {%- do fields.append("coalesce(" ~ column ~ ", '<null>')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(fields)) }}
{%- endmacro %}


{#- A timestamp of one zone as wall-clock time of another. -#}
{% macro convert_timezone(timestamp_expr, from_zone, to_zone) -%}
    {{ return(adapter.dispatch('convert_timezone', 'recontact')(timestamp_expr, from_zone, to_zone)) }}
{%- endmacro %}

{% macro default__convert_timezone(timestamp_expr, from_zone, to_zone) -%}
    (({{ timestamp_expr }}) at time zone '{{ from_zone }}' at time zone '{{ to_zone }}')
{%- endmacro %}

{% macro duckdb__convert_timezone(timestamp_expr, from_zone, to_zone) -%}
    cast(timezone('{{ to_zone }}', timezone('{{ from_zone }}', {{ timestamp_expr }})) as timestamp)
{%- endmacro %}

{% macro spark__convert_timezone(timestamp_expr, from_zone, to_zone) -%}
    from_utc_timestamp(to_utc_timestamp({{ timestamp_expr }}, '{{ from_zone }}'), '{{ to_zone }}')
{%- endmacro %}
