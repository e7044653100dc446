{#- Lever's pipeline stages: id -> name (the name the seed stage_map maps). -#}
{{ mutable_entities_config('lever', 'stage', 'stage_id') }}
{%- set increment = landing_increment('lever', 'stage', by_key=true) %}

with

landed as (
    {{ read_landing('lever', 'stage') }}
),

parsed as (
    select
        id as stage_id,
        text as stage_text,
        {{ to_local_timestamp('_fivetran_synced', 'lever') }} as synced_at,
        _fivetran_synced as synced_at_text,
        _batch_id,
        _source_file,
        _source_row,
        is_suppressed
    from landed
),

checked as (
    select
        *,
        -- rows without a sync time count as the oldest version
        coalesce(synced_at, cast('1970-01-01' as timestamp)) as synced_version,
        {{ first_failed_check([
            ('stage_id is null', 'missing id'),
            (unreadable('synced_at'), 'unparseable _fivetran_synced'),
            (after_build_clock('synced_at', 'lever'), '_fivetran_synced in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'stage_id', 'synced_version', ['stage_id', 'stage_text'], batches=increment.batches
) }}
