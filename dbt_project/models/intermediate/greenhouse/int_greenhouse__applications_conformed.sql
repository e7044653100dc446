{#- Greenhouse's application status is active, rejected or hired. A rejection whose reason
    is of type "They rejected us" is the candidate's decision: offer_declined when the
    application has a declined offer, else withdrawn (docs/source-greenhouse.md). -#}
with

applications as (
    select * from {{ ref('stg_greenhouse__application') }}
    where _fate = 'staged'
),

job_applications as (
    select * from {{ ref('stg_greenhouse__job_application') }}
    where _fate = 'staged'
),

rejection_reasons as (
    select * from {{ ref('stg_greenhouse__rejection_reason') }}
    where _fate = 'staged'
),

offers as (
    select * from {{ ref('stg_greenhouse__offer') }}
    where _fate = 'staged'
),

application_history as (
    select * from {{ ref('stg_greenhouse__application_history') }}
    where _fate = 'staged'
),

reason_map as (
    {{ reason_map_of('greenhouse') }}
),

-- an application is for one job; should Fivetran link several, the smallest id is taken
application_jobs as (
    select
        application_id,
        min(job_id) as job_id
    from job_applications
    group by application_id
),

declined_offers as (
    select distinct application_id
    from offers
    where status = 'rejected'
),

hires as (
    select
        application_id,
        max(updated_at) as hired_at
    from application_history
    where new_status = 'hired'
    group by application_id
),

classified as (
    select
        applications.*,
        application_jobs.job_id,
        rejection_reasons.reason as rejection_reason,
        case
            when applications.status = 'rejected' then applications.rejected_at
            when applications.status = 'hired' then hires.hired_at
        end as closed_at,
        case
            when applications.status in ('active', 'hired') then applications.status
            when {{ mapping_key('rejection_reasons.rejection_reason_type_name') }} = 'they rejected us'
                then case when declined_offers.application_id is not null then 'offer_declined' else 'withdrawn' end
            else 'rejected'
        end as canonical_status
    from applications
    left join application_jobs
        on applications.id = application_jobs.application_id
    left join rejection_reasons
        on applications.rejected_reason_id = rejection_reasons.id
    left join declined_offers
        on applications.id = declined_offers.application_id
    left join hires
        on applications.id = hires.application_id
),

staged as (
    select
        'greenhouse' as source_system,
        classified.id as application_id,
        classified.candidate_id,
        classified.job_id,
        classified.canonical_status as status,
        classified.applied_at,
        cast(classified.applied_at as date) as applied_on,
        classified.closed_at,
        -- the spec's closed_on: date of closed_at, or of updated_at (last_activity_at) when empty
        cast(coalesce(classified.closed_at, classified.last_activity_at) as date) as closed_on,
        classified.rejection_reason,
        case
            when classified.rejection_reason is not null then coalesce(reason_map.category, 'other')
        end as rejection_category,
        classified.rejection_reason is not null
        and reason_map.category is null as is_rejection_reason_unmapped,
        classified.last_activity_at as updated_at,
        classified._batch_id as batch_id
    from classified
    left join reason_map
        on {{ mapping_key('classified.rejection_reason') }} = reason_map.reason_key
)

select * from staged
