{#- Lever opportunities as applications (docs/source-lever.md, "Applications"):
    job = the posting of the opportunity's `application` row; closed = archived;
    status from the archive reason and offers:
      not archived -> active; hired archive reason -> hired; a denied offer -> offer_declined;
      reason mapped to candidate_withdrew -> withdrawn; otherwise -> rejected. -#}
with

opportunities as (
    select * from {{ ref('stg_lever__opportunity') }}
    where _fate = 'staged'
),

application_postings as (
    select * from {{ ref('stg_lever__application') }}
    where _fate = 'staged'
),

archive_reasons as (
    select * from {{ ref('stg_lever__archive_reason') }}
    where _fate = 'staged'
),

offers as (
    select * from {{ ref('stg_lever__offer') }}
    where _fate = 'staged'
),

reason_map as (
    {{ reason_map_of('lever') }}
),

first_postings as (
    select
        opportunity_id,
        posting_id,
        row_number() over (
            partition by opportunity_id
            order by created_at asc nulls last, application_posting_id asc
        ) as posting_rank
    from application_postings
),

declined_offers as (
    select distinct application_id
    from offers
    where {{ lever_offer_status('lever_status') }} = 'declined'
),

reasons as (
    select
        opportunities.application_id,
        archive_reasons.reason_text,
        opportunities.archived_at is not null
        and coalesce(
            archive_reasons.reason_type = 'hired' or {{ mapping_key('archive_reasons.reason_text') }} = 'hired',
            false
        ) as is_hired,
        reason_map.category as mapped_category
    from opportunities
    left join archive_reasons
        on opportunities.archived_reason_id = archive_reasons.archive_reason_id
    left join reason_map
        on {{ mapping_key('archive_reasons.reason_text') }} = reason_map.reason_key
),

statused as (
    select
        opportunities.*,
        first_postings.posting_id,
        -- the reason of a closed, not hired opportunity; an archive reason id without an
        -- archive_reason row stands for itself (reported as unmapped)
        case
            when opportunities.archived_at is not null and not reasons.is_hired
                then coalesce(reasons.reason_text, opportunities.archived_reason_id)
        end as rejection_reason,
        case
            when opportunities.archived_at is not null and not reasons.is_hired then reasons.mapped_category
        end as mapped_category,
        case
            when opportunities.archived_at is null then 'active'
            when reasons.is_hired then 'hired'
            when declined_offers.application_id is not null then 'offer_declined'
            when reasons.mapped_category = 'candidate_withdrew' then 'withdrawn'
            else 'rejected'
        end as status
    from opportunities
    left join first_postings
        on opportunities.application_id = first_postings.opportunity_id
        and first_postings.posting_rank = 1
    left join reasons
        on opportunities.application_id = reasons.application_id
    left join declined_offers
        on opportunities.application_id = declined_offers.application_id
),

staged as (
    select
        'lever' as source_system,
        application_id,
        candidate_id,
        posting_id as job_id,
        status,
        applied_at,
        cast(applied_at as date) as applied_on,
        archived_at as closed_at,
        cast(coalesce(archived_at, updated_at) as date) as closed_on,
        rejection_reason,
        case
            when rejection_reason is not null then coalesce(mapped_category, 'other')
        end as rejection_category,
        rejection_reason is not null
        and mapped_category is null as is_rejection_reason_unmapped,
        updated_at,
        _batch_id as batch_id
    from statused
)

select * from staged
