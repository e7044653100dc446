{{ append_only_events_config('lever', 'privacy_requests') }}
{%- set increment = landing_increment('lever', 'privacy_requests') %}

with

landed as (
    {{ read_landing(
        'lever', 'privacy_requests',
        suppressed_when=is_tombstoned('candidate_id', 'lever'), batches=increment.batches
    ) }}
),

parsed as (
    select
        request_id,
        candidate_id,
        {{ mapping_key('request_type') }} as request_type,
        {{ to_local_timestamp('received_at', 'lever') }} as received_at,
        {{ to_local_timestamp('completed_at', 'lever') }} as completed_at,
        received_at as received_at_text,
        completed_at as completed_at_text,
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
            ('request_id is null', 'missing request_id'),
            ('candidate_id is null', 'missing candidate_id'),
            ('request_type is null', 'missing request_type'),
            ("request_type not in ('erasure', 'stop_use', 'stop_contact')", 'unknown request_type'),
            ('received_at_text is null', 'missing received_at'),
            (unreadable('received_at'), 'unparseable received_at'),
            (unreadable('completed_at'), 'unparseable completed_at'),
            (after_build_clock('received_at', 'lever'), 'received_at in the future'),
            (after_build_clock('completed_at', 'lever'), 'completed_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins(
    'checked', 'request_id', landing_columns('lever', 'privacy_requests'), appending=increment.appending
) }}
