{#- A reason keeps its id when renamed, so the latest Fivetran sync wins. A deleted
    reason is kept: applications rejected with it still carry it. -#}
{{ mutable_entities_config('greenhouse', 'rejection_reason', 'id') }}
{%- set increment = landing_increment('greenhouse', 'rejection_reason', by_key=true) %}

with

landed as (
    {{ read_landing('greenhouse', 'rejection_reason') }}
),

parsed as (
    select
        id,
        reason,
        rejection_reason_type_id,
        rejection_reason_type_name,
        {{ to_local_timestamp('_fivetran_synced', 'greenhouse') }} as synced_at,
        _fivetran_synced as synced_at_text,
        _fivetran_deleted,
        _fivetran_synced,
        _batch_id,
        _source_file,
        _source_row,
        is_suppressed
    from landed
),

checked as (
    select
        *,
        {{ first_failed_check([
            ('id is null', 'missing id'),
            ('synced_at_text is null', 'missing _fivetran_synced'),
            (unreadable('synced_at'), 'unparseable _fivetran_synced'),
            (after_build_clock('synced_at', 'greenhouse'), '_fivetran_synced in the future'),
            ('rejection_reason_type_name is null', 'missing rejection_reason_type_name'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'id', 'synced_at', landing_columns('greenhouse', 'rejection_reason'), batches=increment.batches
) }}
