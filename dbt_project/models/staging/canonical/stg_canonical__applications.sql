{{ mutable_entities_config('canonical', 'applications', 'application_id') }}
{%- set increment = landing_increment('canonical', 'applications', by_key=true) %}

with

landed as (
    {{ read_landing('canonical', 'applications', suppressed_when=is_tombstoned('candidate_id', 'canonical')) }}
),

parsed as (
    select
        application_id,
        candidate_id,
        job_id,
        {{ to_local_timestamp('applied_at', 'canonical') }} as applied_at,
        {{ mapping_key('status') }} as status,
        {{ to_local_timestamp('closed_at', 'canonical') }} as closed_at,
        rejection_reason,
        {{ to_local_timestamp('updated_at', 'canonical') }} as updated_at,
        applied_at as applied_at_text,
        closed_at as closed_at_text,
        updated_at as updated_at_text,
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
            ('application_id is null', 'missing application_id'),
            ('candidate_id is null', 'missing candidate_id'),
            ('job_id is null', 'missing job_id'),
            ('applied_at_text is null', 'missing applied_at'),
            (unreadable('applied_at'), 'unparseable applied_at'),
            ('status is null', 'missing status'),
            ("status not in ('active', 'rejected', 'withdrawn', 'offer_declined', 'hired')", 'unknown application status'),
            (unreadable('closed_at'), 'unparseable closed_at'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            ('closed_at < applied_at', 'closed_at before applied_at'),
            (after_build_clock('applied_at', 'canonical'), 'applied_at in the future'),
            (after_build_clock('closed_at', 'canonical'), 'closed_at in the future'),
            (after_build_clock('updated_at', 'canonical'), 'updated_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'application_id', 'updated_at', landing_columns('canonical', 'applications'), batches=increment.batches
) }}
