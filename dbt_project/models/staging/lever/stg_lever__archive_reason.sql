{#- Lever's archive reasons (the texts the seed rejection_reason_map maps). -#}
{{ mutable_entities_config('lever', 'archive_reason', 'archive_reason_id') }}
{%- set increment = landing_increment('lever', 'archive_reason', by_key=true) %}

with

landed as (
    {{ read_landing('lever', 'archive_reason') }}
),

parsed as (
    select
        id as archive_reason_id,
        text as reason_text,
        {{ mapping_key('type') }} as reason_type,
        coalesce({{ parse_boolean('_fivetran_deleted') }}, false) as is_deleted,
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
            ('archive_reason_id is null', 'missing id'),
            ('reason_text is null', 'missing text'),
            (unreadable('synced_at'), 'unparseable _fivetran_synced'),
            (after_build_clock('synced_at', 'lever'), '_fivetran_synced in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins('checked', 'archive_reason_id', 'synced_version', [
    'archive_reason_id',
    'reason_text',
    'reason_type',
    'is_deleted',
], batches=increment.batches) }}
