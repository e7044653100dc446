{{ mutable_entities_config('japanese_ats', 'applications', 'application_id') }}
{%- set increment = landing_increment('japanese_ats', 'applications', by_key=true) %}

-- 応募; 選考ステータス mapped by japanese_ats_map; the reason is 不採用理由 or, for a
-- withdrawal or declined offer, 辞退理由 (the vendor keeps them in two columns).
with

landed as (
    {{ read_landing('japanese_ats', 'applications', suppressed_when=is_tombstoned('candidate_id', 'japanese_ats')) }}
),

parsed as (
    select
        application_id,
        candidate_id,
        job_id,
        {{ to_local_timestamp('applied_at', 'japanese_ats') }} as applied_at,
        {{ japanese_ats_map('status', 'application_status') }} as status,
        {{ to_local_timestamp('closed_at', 'japanese_ats') }} as closed_at,
        coalesce(rejection_reason, withdrawal_reason) as rejection_reason,
        withdrawal_reason,
        {{ to_local_timestamp('updated_at', 'japanese_ats') }} as updated_at,
        applied_at as applied_at_text,
        status as status_text,
        closed_at as closed_at_text,
        updated_at as updated_at_text,
        rejection_reason is not null and withdrawal_reason is not null as has_two_reasons,
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
            (after_build_clock('applied_at', 'japanese_ats'), 'applied_at in the future'),
            ('status_text is null', 'missing status'),
            (unreadable('status'), 'unknown application status'),
            ('has_two_reasons', 'both 不採用理由 and 辞退理由 given'),
            (unreadable('closed_at'), 'unparseable closed_at'),
            (after_build_clock('closed_at', 'japanese_ats'), 'closed_at in the future'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'japanese_ats'), 'updated_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'application_id', 'updated_at', landing_columns('japanese_ats', 'applications'), batches=increment.batches
) }}
