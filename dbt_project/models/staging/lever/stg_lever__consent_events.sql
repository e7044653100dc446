{{ append_only_events_config('lever', 'consent_events') }}
{%- set increment = landing_increment('lever', 'consent_events') %}

with

landed as (
    {{ read_landing(
        'lever', 'consent_events',
        suppressed_when=is_tombstoned('candidate_id', 'lever'), batches=increment.batches
    ) }}
),

parsed as (
    select
        consent_event_id,
        candidate_id,
        {{ mapping_key('purpose') }} as purpose,
        -- `action` is the export contract's column name, keyword or not
        {{ mapping_key('action') }} as action,  -- noqa: RF04
        {{ to_local_timestamp('recorded_at', 'lever') }} as recorded_at,
        {{ to_local_timestamp('expires_at', 'lever') }} as expires_at,
        notice_version,
        channel,
        recorded_at as recorded_at_text,
        expires_at as expires_at_text,
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
            ('consent_event_id is null', 'missing consent_event_id'),
            ('candidate_id is null', 'missing candidate_id'),
            ('purpose is null', 'missing purpose'),
            ("purpose not in ('retention', 'recontact')", 'unknown consent purpose'),
            ('action is null', 'missing action'),
            ("action not in ('granted', 'withdrawn')", 'unknown consent action'),
            ('recorded_at_text is null', 'missing recorded_at'),
            (unreadable('recorded_at'), 'unparseable recorded_at'),
            (unreadable('expires_at'), 'unparseable expires_at'),
            (after_build_clock('recorded_at', 'lever'), 'recorded_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins(
    'checked', 'consent_event_id', landing_columns('lever', 'consent_events'), appending=increment.appending
) }}
