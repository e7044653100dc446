{#- Each application counted at D (applied by D), with its state at D and the
    facts the cohorts need (recontact-rules v1, "Point in time" and "Cohorts"). -#}
with

applications as (select * from {{ ref('int_applications_unioned') }}),

stage_events as (select * from {{ ref('int_stage_events_unioned') }}),

offers as (select * from {{ ref('int_offers_unioned') }}),

evaluations as (select * from {{ ref('int_evaluations_unioned') }}),

counted_applications as (
    select
        source_system,
        application_id,
        candidate_id,
        job_id,
        status,
        applied_on,
        closed_on,
        rejection_category as reason_category,
        case
            when status in ('rejected', 'withdrawn', 'offer_declined') and closed_on <= {{ as_of_date() }}
                then 'closed'
            when status = 'hired' and closed_on <= {{ as_of_date() }}
                then 'hired'
            else 'open'
        end as state_at_as_of
    from applications
    where applied_on <= {{ as_of_date() }}
),

stages_reached as (
    select
        source_system,
        application_id,
        max(stage_order) as stage_order
    from stage_events
    where entered_on <= {{ as_of_date() }} and stage_order is not null
    group by source_system, application_id
),

offers_extended as (
    select distinct
        source_system,
        application_id
    from offers
    where extended_on <= {{ as_of_date() }}
),

declined_offers_ranked as (
    select
        source_system,
        application_id,
        decline_category,
        row_number() over (
            partition by source_system, application_id
            order by extended_at desc, updated_at desc, offer_id desc
        ) as recency_rank
    from offers
    where status = 'declined' and extended_on <= {{ as_of_date() }}
),

latest_declined_offers as (
    select
        source_system,
        application_id,
        decline_category
    from declined_offers_ranked
    where recency_rank = 1
),

best_ratings as (
    select
        source_system,
        application_id,
        max(rating) as best_rating
    from evaluations
    where evaluated_on <= {{ as_of_date() }}
    group by source_system, application_id
),

evaluated as (
    select
        counted_applications.source_system,
        counted_applications.application_id,
        counted_applications.candidate_id,
        counted_applications.job_id,
        counted_applications.status,
        counted_applications.applied_on,
        counted_applications.closed_on,
        counted_applications.state_at_as_of,
        counted_applications.reason_category,
        case
            when counted_applications.reason_category is not null
                then counted_applications.reason_category
            when counted_applications.status = 'offer_declined'
                then coalesce(latest_declined_offers.decline_category, 'other')
            when counted_applications.status = 'withdrawn'
                then 'candidate_withdrew'
            else 'other'
        end as rejection_category,
        nullif(
            greatest(
                coalesce(stages_reached.stage_order, 0),
                -- an offer extended by D means the application reached at least `offer`
                case
                    when offers_extended.application_id is not null then {{ canonical_stage_order('offer') }}
                    else 0
                end
            ),
            0
        ) as furthest_stage_order,
        best_ratings.best_rating
    from counted_applications
    left join stages_reached
        on counted_applications.source_system = stages_reached.source_system
        and counted_applications.application_id = stages_reached.application_id
    left join offers_extended
        on counted_applications.source_system = offers_extended.source_system
        and counted_applications.application_id = offers_extended.application_id
    left join latest_declined_offers
        on counted_applications.source_system = latest_declined_offers.source_system
        and counted_applications.application_id = latest_declined_offers.application_id
    left join best_ratings
        on counted_applications.source_system = best_ratings.source_system
        and counted_applications.application_id = best_ratings.application_id
),

named as (
    select
        *,
        {{ canonical_stage_name('furthest_stage_order') }} as furthest_stage
    from evaluated
)

select * from named
