{#- Public contract (recontact-outreach v1, "Outcomes"): what re-contact achieves, per
    cohort (the outreach event's; `unspecified` when the event names none) and month of
    sent_at, for the outreach sent by D. A person counts once per cohort and month, with
    their latest outcome known by D (outcome_at, else sent_at); hired after contact = an
    application of the same person applied after the first send of that cohort and month
    and hired at D. Counts of persons and each as a share of the contacted ones. -#}
{%- set rate_type = 'double precision' if target.type == 'postgres' else 'double' %}

with

outreach_events as (select * from {{ ref('int_outreach_events_unioned') }}),

records as (select * from {{ ref('int_person_identity') }}),

applications as (select * from {{ ref('int_applications_unioned') }}),

applications_at_as_of as (select * from {{ ref('int_applications_evaluated') }}),

sends as (
    select
        records.person_id,
        coalesce(nullif(trim(outreach_events.cohort), ''), 'unspecified') as cohort,
        {{ dbt.date_trunc('month', 'outreach_events.sent_on') }} as sent_month,
        outreach_events.outreach_id,
        outreach_events.sent_at,
        outreach_events.outcome,
        coalesce(outreach_events.outcome_at, outreach_events.sent_at) as outcome_known_at,
        coalesce(outreach_events.outcome_on, outreach_events.sent_on) as outcome_known_on
    from outreach_events
    inner join records
        on outreach_events.source_system = records.source_system
        and outreach_events.candidate_id = records.candidate_id
    where outreach_events.sent_on <= {{ as_of_date() }}
),

latest_outcomes as (
    select
        person_id,
        cohort,
        sent_month,
        outcome
    from (
        select
            person_id,
            cohort,
            sent_month,
            outcome,
            row_number() over (
                partition by person_id, cohort, sent_month
                order by outcome_known_at desc, outreach_id desc
            ) as outcome_rank
        from sends
        where outcome is not null and outcome_known_on <= {{ as_of_date() }}
    ) as ranked_outcomes
    where outcome_rank = 1
),

contacted as (
    select
        person_id,
        cohort,
        sent_month,
        min(sent_at) as first_sent_at
    from sends
    group by person_id, cohort, sent_month
),

hires as (
    select
        records.person_id,
        applications.applied_at
    from applications
    inner join applications_at_as_of
        on applications.source_system = applications_at_as_of.source_system
        and applications.application_id = applications_at_as_of.application_id
    inner join records
        on applications.source_system = records.source_system
        and applications.candidate_id = records.candidate_id
    where applications_at_as_of.state_at_as_of = 'hired'
),

hired_after_contact as (
    select distinct
        contacted.person_id,
        contacted.cohort,
        contacted.sent_month
    from contacted
    inner join hires
        on contacted.person_id = hires.person_id
        and hires.applied_at > contacted.first_sent_at
),

persons_contacted as (
    select
        contacted.person_id,
        contacted.cohort,
        contacted.sent_month,
        latest_outcomes.outcome,
        hired_after_contact.person_id is not null as is_hired_after_contact
    from contacted
    left join latest_outcomes
        on contacted.person_id = latest_outcomes.person_id
        and contacted.cohort = latest_outcomes.cohort
        and contacted.sent_month = latest_outcomes.sent_month
    left join hired_after_contact
        on contacted.person_id = hired_after_contact.person_id
        and contacted.cohort = hired_after_contact.cohort
        and contacted.sent_month = hired_after_contact.sent_month
),

counted as (
    select
        cohort,
        cast(sent_month as date) as sent_month,
        cast(count(*) as {{ dbt.type_bigint() }}) as contacted_persons,
        cast(
            sum(case when outcome is not null and outcome <> 'no_response' then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as responded_persons,
        cast(sum(case when outcome = 'interested' then 1 else 0 end) as {{ dbt.type_bigint() }}) as interested_persons,
        cast(sum(case when outcome = 'reapplied' then 1 else 0 end) as {{ dbt.type_bigint() }}) as reapplied_persons,
        cast(
            sum(case when is_hired_after_contact then 1 else 0 end) as {{ dbt.type_bigint() }}
        ) as hired_after_contact_persons,
        cast(sum(case when outcome = 'opt_out' then 1 else 0 end) as {{ dbt.type_bigint() }}) as opted_out_persons
    from persons_contacted
    group by cohort, cast(sent_month as date)
),

outcomes as (
    select
        {{ as_of_date() }} as as_of_date,
        cohort,
        sent_month,
        contacted_persons,
        responded_persons,
        interested_persons,
        reapplied_persons,
        hired_after_contact_persons,
        opted_out_persons,
        cast(responded_persons as {{ rate_type }}) / contacted_persons as response_rate,
        cast(interested_persons as {{ rate_type }}) / contacted_persons as interest_rate,
        cast(reapplied_persons as {{ rate_type }}) / contacted_persons as reapplication_rate,
        cast(hired_after_contact_persons as {{ rate_type }}) / contacted_persons as hire_rate,
        cast(opted_out_persons as {{ rate_type }}) / contacted_persons as opt_out_rate
    from counted
)

select * from outcomes
order by cohort, sent_month
