with

-- only the rows about a known candidate (company_records_of_candidates, landed_rows.sql)
privacy_requests as (
    select * from {{ ref('stg_lever__privacy_requests') }}
    where _fate = 'staged'
        and candidate_id in (
            select known.candidate_id from {{ ref('int_lever__candidates_conformed') }} as known
        )
),

staged as (
    select
        'lever' as source_system,
        request_id,
        candidate_id,
        request_type,
        received_at,
        cast(received_at as date) as received_on,
        completed_at,
        _batch_id as batch_id
    from privacy_requests
)

select * from staged
