with

-- only the rows about a known candidate (company_records_of_candidates, landed_rows.sql)
consent_events as (
    select * from {{ ref('stg_canonical__consent_events') }}
    where _fate = 'staged'
        and candidate_id in (
            select known.candidate_id from {{ ref('int_canonical__candidates_conformed') }} as known
        )
),

staged as (
    select
        'canonical' as source_system,
        consent_event_id,
        candidate_id,
        purpose,
        action,
        recorded_at,
        cast(recorded_at as date) as recorded_on,
        expires_at,
        cast(expires_at as date) as expires_on,
        notice_version,
        channel,
        _batch_id as batch_id
    from consent_events
)

select * from staged
