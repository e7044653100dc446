with

jobs as (
    select * from {{ ref('stg_greenhouse__job') }}
    where _fate = 'staged'
),

staged as (
    select
        'greenhouse' as source_system,
        id as job_id,
        name as title,
        cast(null as {{ dbt.type_string() }}) as job_family,
        cast(null as {{ dbt.type_string() }}) as department,
        cast(null as {{ dbt.type_string() }}) as country,
        -- Greenhouse's job statuses: open, closed, draft (not yet open: on hold)
        case status
            when 'open' then 'open'
            when 'closed' then 'closed'
            when 'draft' then 'on_hold'
        end as status,
        created_at as opened_at,
        closed_at,
        updated_at,
        _batch_id as batch_id
    from jobs
)

select * from staged
