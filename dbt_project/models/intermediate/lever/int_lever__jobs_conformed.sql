{#- Lever postings as jobs. status: published/internal -> open, draft/pending -> on_hold,
    closed/rejected -> closed. country: categories_location when it is an ISO code, else NULL
    (Lever's location is free text; no rule reads a job's country). -#}
with

postings as (
    select * from {{ ref('stg_lever__posting') }}
    where _fate = 'staged'
),

staged as (
    select
        'lever' as source_system,
        job_id,
        title,
        job_family,
        department,
        case
            when {{ regexp_like('upper(posting_location)', "'^[A-Z]{2}$'") }} then upper(posting_location)
        end as country,
        case
            when state in ('published', 'internal') then 'open'
            when state in ('draft', 'pending') then 'on_hold'
            when state in ('closed', 'rejected') then 'closed'
        end as status,
        opened_at,
        cast(null as timestamp) as closed_at,
        updated_at,
        _batch_id as batch_id
    from postings
)

select * from staged
