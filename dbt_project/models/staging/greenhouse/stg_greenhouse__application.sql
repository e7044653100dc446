{{ mutable_entities_config('greenhouse', 'application', 'id') }}
{%- set increment = landing_increment('greenhouse', 'application', by_key=true) %}

with

landed as (
    {{ read_landing(
        'greenhouse', 'application',
        suppressed_when=is_tombstoned('candidate_id', 'greenhouse')
    ) }}
),

parsed as (
    select
        id,
        candidate_id,
        {{ to_local_timestamp('applied_at', 'greenhouse') }} as applied_at,
        {{ to_local_timestamp('last_activity_at', 'greenhouse') }} as last_activity_at,
        {{ to_local_timestamp('rejected_at', 'greenhouse') }} as rejected_at,
        rejected_reason_id,
        {{ mapping_key('status') }} as status,
        coalesce({{ parse_boolean('prospect') }}, false) as is_prospect,
        coalesce({{ parse_boolean('_fivetran_deleted') }}, false) as is_fivetran_deleted,
        applied_at as applied_at_text,
        last_activity_at as last_activity_at_text,
        rejected_at as rejected_at_text,
        _fivetran_deleted,
        prospect,
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
            ('candidate_id is null', 'missing candidate_id'),
            ('applied_at_text is null', 'missing applied_at'),
            (unreadable('applied_at'), 'unparseable applied_at'),
            (after_build_clock('applied_at', 'greenhouse'), 'applied_at in the future'),
            ('last_activity_at_text is null', 'missing last_activity_at'),
            (unreadable('last_activity_at'), 'unparseable last_activity_at'),
            (after_build_clock('last_activity_at', 'greenhouse'), 'last_activity_at in the future'),
            (unreadable('rejected_at'), 'unparseable rejected_at'),
            (after_build_clock('rejected_at', 'greenhouse'), 'rejected_at in the future'),
            ('status is null', 'missing status'),
            ("status not in ('active', 'rejected', 'hired')", 'unknown application status'),
            ('is_prospect', 'prospect, not an application to a job'),
            (deleted_in_greenhouse('id', 'last_activity_at'), 'deleted in Greenhouse (_fivetran_deleted)'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'id', 'last_activity_at', landing_columns('greenhouse', 'application'), batches=increment.batches
) }}
