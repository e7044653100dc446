{#- Public contract (recontact-rules v1): for each eligible person, one row per cohort
    they belong to, from the qualifying application with the latest closed_on among all
    their records (ties: higher best_rating, then smaller application_id, then source);
    the row names the candidate record that application belongs to. priority_score orders outreach,
    it never decides membership (docs/rules-interpretation.md, point 22). -#}
with

applications as (select * from {{ ref('int_applications_evaluated') }}),

eligibility as (select * from {{ ref('recontact_eligibility') }}),

recent_closed_applications as (
    select
        eligibility.source_system,
        eligibility.candidate_id,
        eligibility.person_id,
        applications.application_id,
        applications.job_id,
        applications.status,
        applications.closed_on,
        applications.furthest_stage,
        applications.furthest_stage_order,
        applications.rejection_category,
        applications.best_rating
    from eligibility
    inner join applications
        on eligibility.source_system = applications.source_system
        and eligibility.candidate_id = applications.candidate_id
    where
        eligibility.is_eligible
        and applications.state_at_as_of = 'closed'
        and {{ as_of_date() }}
        < {{ add_months('applications.closed_on', rule_parameter('recontact_lookback_months')) }}
),

memberships as (
    select
        *,
        'final_interview' as cohort
    from recent_closed_applications
    where
        status in ('rejected', 'offer_declined')
        and furthest_stage_order >= {{ canonical_stage_order('final_interview') }}
        and rejection_category not in ('skills_gap', 'disqualified')

    union all

    select
        *,
        'culture_fit' as cohort
    from recent_closed_applications
    where status = 'rejected' and rejection_category = 'culture_fit' and best_rating >= 4

    union all

    select
        *,
        'offer_declined_conditions' as cohort
    from recent_closed_applications
    where status = 'offer_declined' and rejection_category = 'offer_conditions'

    union all

    select
        *,
        'timing_headcount' as cohort
    from recent_closed_applications
    where
        status = 'rejected'
        and rejection_category in ('preferred_other_candidate', 'headcount_budget', 'timing')
),

ranked as (
    select
        *,
        row_number() over (
            partition by person_id, cohort
            order by closed_on desc, best_rating desc nulls last, application_id asc, source_system asc
        ) as qualifying_rank
    from memberships
),

scored as (
    select
        source_system,
        candidate_id,
        person_id,
        {{ as_of_date() }} as as_of_date,
        cohort,
        application_id,
        job_id,
        closed_on,
        furthest_stage,
        rejection_category,
        best_rating,
        coalesce(10 * (best_rating - 1), 0)
        + coalesce(5 * (furthest_stage_order - 1), 0)
        + cast(floor(
            30.0
            * (
                {{ days_between('closed_on', add_months('closed_on', rule_parameter('recontact_lookback_months'))) }}
                - {{ days_between('closed_on', as_of_date()) }}
            )
            / {{ days_between('closed_on', add_months('closed_on', rule_parameter('recontact_lookback_months'))) }}
        ) as integer) as priority_score
    from ranked
    where qualifying_rank = 1
)

select * from scored
order by source_system, candidate_id, cohort
