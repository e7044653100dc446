with

jobs as (
    select * from {{ ref('stg_japanese_ats__jobs') }}
    where _fate = 'staged'
),

staged as (
    select
        'japanese_ats' as source_system,
        job_id,
        title,
        job_family,
        department,
        country,
        status,
        opened_at,
        closed_at,
        updated_at,
        _batch_id as batch_id
    from jobs
)

select * from staged
