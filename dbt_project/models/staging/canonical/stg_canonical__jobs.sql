{{ mutable_entities_config('canonical', 'jobs', 'job_id') }}
{%- set increment = landing_increment('canonical', 'jobs', by_key=true) %}

with

landed as (
    {{ read_landing('canonical', 'jobs') }}
),

parsed as (
    select
        job_id,
        title,
        job_family,
        department,
        upper(country) as country,
        {{ mapping_key('status') }} as status,
        {{ to_local_timestamp('opened_at', 'canonical') }} as opened_at,
        {{ to_local_timestamp('closed_at', 'canonical') }} as closed_at,
        {{ to_local_timestamp('updated_at', 'canonical') }} as updated_at,
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
            (unreadable('opened_at'), 'unparseable opened_at'),
            (unreadable('closed_at'), 'unparseable closed_at'),
            (after_build_clock('updated_at', 'canonical'), 'updated_at in the future'),
            (after_build_clock('opened_at', 'canonical'), 'opened_at in the future'),
            ("status not in ('open', 'on_hold', 'closed', 'filled')", 'unknown job status'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'job_id', 'updated_at', landing_columns('canonical', 'jobs'), batches=increment.batches
) }}
