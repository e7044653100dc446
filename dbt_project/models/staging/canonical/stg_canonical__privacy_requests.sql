with

privacy_requests as (
    select * from {{ ref('base_canonical__privacy_requests') }}
    where _fate = 'staged'
),

staged as (
    select
        'canonical' as source_system,
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
