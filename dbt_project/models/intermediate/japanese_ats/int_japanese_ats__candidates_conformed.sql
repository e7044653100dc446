with

candidates as (
    select * from {{ ref('stg_japanese_ats__candidates') }}
    where _fate = 'staged'
),

staged as (
    select
        'japanese_ats' as source_system,
        candidate_id,
        full_name,
        email,
        phone,
        country,
        region,
        created_at,
        updated_at,
        cast(updated_at as date) as updated_on,
        is_deleted,
        _batch_id as batch_id
    from candidates
)

select * from staged
