{{ mutable_entities_config('japanese_ats', 'jobs', 'job_id') }}
{%- set increment = landing_increment('japanese_ats', 'jobs', by_key=true) %}

-- 求人; 募集ステータス mapped by japanese_ats_map (macros/japanese_ats.sql).
with

landed as (
    {{ read_landing('japanese_ats', 'jobs') }}
),

parsed as (
    select
        job_id,
        title,
        job_family,
        department,
        upper(country) as country,
        {{ japanese_ats_map('status', 'job_status') }} as status,
        {{ to_local_timestamp('opened_at', 'japanese_ats') }} as opened_at,
        {{ to_local_timestamp('closed_at', 'japanese_ats') }} as closed_at,
        {{ to_local_timestamp('updated_at', 'japanese_ats') }} as updated_at,
        status as status_text,
        opened_at as opened_at_text,
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
            ('job_id is null', 'missing job_id'),
            ('title is null', 'missing title'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'japanese_ats'), 'updated_at in the future'),
            (unreadable('opened_at'), 'unparseable opened_at'),
            (after_build_clock('opened_at', 'japanese_ats'), 'opened_at in the future'),
            (unreadable('closed_at'), 'unparseable closed_at'),
            (unreadable('status'), 'unknown job status'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'job_id', 'updated_at', landing_columns('japanese_ats', 'jobs'), batches=increment.batches
) }}
