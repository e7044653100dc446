{#- One row per person (v1: per candidate) with every fact the rules decide on at D:
    jurisdiction and its policy, retention dates, and one boolean per exclusion reason
    (recontact-rules v1, "Retention" and "Exclusion reasons"; docs/rules-interpretation.md). -#}
with

candidates as (select * from {{ ref('stg_canonical__candidates') }}),

applications as (select * from {{ ref('int_applications_evaluated') }}),

consents as (select * from {{ ref('int_consents_resolved') }}),

privacy_requests as (select * from {{ ref('stg_canonical__privacy_requests') }}),

outreach_events as (select * from {{ ref('stg_canonical__outreach_events') }}),

retention_policies as (select * from {{ ref('retention_policies') }}),

eu_member_states as (select * from {{ ref('eu_member_states') }}),

application_summary as (
    select
        source_system,
        candidate_id,
        max(case when state_at_as_of = 'hired' then 1 else 0 end) = 1 as is_hired,
        max(case when state_at_as_of = 'open' then 1 else 0 end) = 1 as has_open_application,
        max(case when state_at_as_of = 'closed' then 1 else 0 end) = 1 as has_closed_application,
        max(case when state_at_as_of = 'closed' then closed_on end) as last_closed_on,
        max(
            case when state_at_as_of = 'closed' and reason_category = 'disqualified' then 1 else 0 end
        ) = 1 as is_disqualified
    from applications
    group by source_system, candidate_id
),

request_summary as (
    select
        source_system,
        candidate_id,
        min(case when request_type = 'erasure' then received_on end) as first_erasure_received_on,
        max(case when request_type = 'stop_use' then 1 else 0 end) = 1 as is_stop_use_requested,
        max(case when request_type = 'stop_contact' then 1 else 0 end) = 1 as has_stop_contact_request
    from privacy_requests
    where received_on <= {{ as_of_date() }}
    group by source_system, candidate_id
),

outreach_summary as (
    select
        source_system,
        candidate_id,
        max(case when sent_on <= {{ as_of_date() }} then sent_on end) as last_outreach_sent_on,
        max(
            case
                when outcome = 'opt_out' and coalesce(outcome_on, sent_on) <= {{ as_of_date() }} then 1
                else 0
            end
        ) = 1 as has_opted_out
    from outreach_events
    group by source_system, candidate_id
),

jurisdictions as (
    select
        candidates.source_system,
        candidates.candidate_id,
        case
            when region_policies.jurisdiction is not null then region_policies.jurisdiction
            when country_policies.jurisdiction is not null then country_policies.jurisdiction
            when eu_member_states.country is not null then 'EU'
            else 'default'
        end as jurisdiction
    from candidates
    left join retention_policies as region_policies
        on region_policies.jurisdiction = {{ dbt.concat(['candidates.country', "'-'", 'candidates.region']) }}
    left join retention_policies as country_policies
        on country_policies.jurisdiction = candidates.country
    left join eu_member_states
        on eu_member_states.country = candidates.country
),

facts as (
    select
        candidates.source_system,
        candidates.candidate_id,
        {{ dbt.hash(dbt.concat(['candidates.source_system', "'|'", 'candidates.candidate_id'])) }} as person_id,
        jurisdictions.jurisdiction,
        retention_policies.months_without_consent,
        retention_policies.months_with_consent,
        retention_policies.legal_min_months,
        candidates.is_deleted and candidates.updated_on <= {{ as_of_date() }} as is_deleted_in_source,
        candidates.updated_on,
        request_summary.first_erasure_received_on,
        coalesce(request_summary.is_stop_use_requested, false) as is_stop_use_requested,
        coalesce(request_summary.has_stop_contact_request, false) as has_stop_contact_request,
        coalesce(application_summary.is_hired, false) as is_hired,
        coalesce(application_summary.has_open_application, false) as has_open_application,
        coalesce(application_summary.has_closed_application, false) as has_closed_application,
        coalesce(application_summary.is_disqualified, false) as is_disqualified,
        application_summary.last_closed_on,
        coalesce(consents.is_retention_consent_valid, false) as is_retention_consent_valid,
        consents.retention_consent_expires_on,
        coalesce(consents.is_recontact_consent_valid, false) as is_recontact_consent_valid,
        consents.recontact_consent_expires_on,
        outreach_summary.last_outreach_sent_on,
        coalesce(outreach_summary.has_opted_out, false) as has_opted_out
    from candidates
    inner join jurisdictions
        on candidates.source_system = jurisdictions.source_system
        and candidates.candidate_id = jurisdictions.candidate_id
    left join retention_policies
        on jurisdictions.jurisdiction = retention_policies.jurisdiction
    left join application_summary
        on candidates.source_system = application_summary.source_system
        and candidates.candidate_id = application_summary.candidate_id
    left join request_summary
        on candidates.source_system = request_summary.source_system
        and candidates.candidate_id = request_summary.candidate_id
    left join consents
        on candidates.source_system = consents.source_system
        and candidates.candidate_id = consents.candidate_id
    left join outreach_summary
        on candidates.source_system = outreach_summary.source_system
        and candidates.candidate_id = outreach_summary.candidate_id
),

-- Retention applies to a person with a closed application, no open application and no hire.
retention_dates as (
    select
        *,
        case
            when has_closed_application and not has_open_application and not is_hired then
                case
                    when is_retention_consent_valid then
                        case
                            when retention_consent_expires_on is not null
                                and retention_consent_expires_on
                                < {{ add_months('last_closed_on', 'months_with_consent') }}
                                then retention_consent_expires_on
                            else {{ add_months('last_closed_on', 'months_with_consent') }}
                        end
                    else {{ add_months('last_closed_on', 'months_without_consent') }}
                end
        end as use_allowed_until,
        case
            when has_closed_application and not has_open_application and not is_hired
                then {{ add_months('last_closed_on', 'legal_min_months') }}
        end as legal_hold_until
    from facts
),

evaluated as (
    select
        source_system,
        candidate_id,
        person_id,
        jurisdiction,
        last_closed_on,
        use_allowed_until,
        legal_hold_until,
        recontact_consent_expires_on,
        first_erasure_received_on,
        updated_on,
        last_outreach_sent_on,
        first_erasure_received_on is not null as is_erasure_requested,
        is_deleted_in_source,
        is_stop_use_requested,
        is_hired,
        has_open_application,
        not has_closed_application as has_no_closed_application,
        coalesce(use_allowed_until <= {{ as_of_date() }}, false) as is_retention_expired,
        not is_recontact_consent_valid as lacks_recontact_consent,
        has_stop_contact_request or has_opted_out as is_stop_contact_requested,
        is_disqualified,
        coalesce(
            {{ as_of_date() }} < {{ add_days('last_outreach_sent_on', rule_parameter('recontact_cooldown_days')) }},
            false
        ) as is_recently_contacted,
        coalesce(
            {{ as_of_date() }} < {{ add_months('last_closed_on', rule_parameter('recontact_min_months_since_close')) }},
            false
        ) as is_too_recent,
        coalesce(
            {{ as_of_date() }} >= {{ add_months('last_closed_on', rule_parameter('recontact_lookback_months')) }},
            false
        ) as is_outside_lookback
    from retention_dates
)

select * from evaluated
