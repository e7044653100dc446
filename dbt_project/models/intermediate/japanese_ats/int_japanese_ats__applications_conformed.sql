with

applications as (
    select * from {{ ref('stg_japanese_ats__applications') }}
    where _fate = 'staged'
),

reason_map as (
    {{ reason_map_of('japanese_ats') }}
),

staged as (
    select
        'japanese_ats' as source_system,
        applications.application_id,
        applications.candidate_id,
        applications.job_id,
        applications.status,
        applications.applied_at,
        cast(applications.applied_at as date) as applied_on,
        applications.closed_at,
        -- the spec's closed_on: date of closed_at, or of updated_at when closed_at is empty
        cast(coalesce(applications.closed_at, applications.updated_at) as date) as closed_on,
        applications.rejection_reason,
        case
            when applications.rejection_reason is not null then coalesce(reason_map.category, 'other')
        end as rejection_category,
        applications.rejection_reason is not null
        and reason_map.category is null as is_rejection_reason_unmapped,
        applications.updated_at,
        applications._batch_id as batch_id
    from applications
    left join reason_map
        on {{ mapping_key('applications.rejection_reason') }} = reason_map.reason_key
)

select * from staged
