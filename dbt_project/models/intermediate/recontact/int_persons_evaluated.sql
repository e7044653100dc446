{#- One row per candidate record with every fact the rules decide on at D, decided for
    the record's person (int_person_identity) across all their records in every source:
    jurisdiction and its policy, retention dates, and one boolean per exclusion reason
    (recontact-rules v1.1, "Retention", "Exclusion reasons" and "Data-quality hold"; docs/rules-interpretation.md,
    docs/identity.md). Records of one person carry the same facts. -#}
with

records as (select * from {{ ref('int_person_identity') }}),

candidates as (select * from {{ ref('int_candidates_unioned') }}),

applications as (select * from {{ ref('int_applications_evaluated') }}),

consents as (select * from {{ ref('int_consents_resolved') }}),

privacy_requests as (select * from {{ ref('int_privacy_requests_unioned') }}),

outreach_events as (select * from {{ ref('int_outreach_events_unioned') }}),

persons_held as (select * from {{ ref('int_persons_held') }}),

retention_policies as (select * from {{ ref('retention_policies') }}),

eu_member_states as (select * from {{ ref('eu_member_states') }}),

application_summary as (
    select
        records.person_id,
        max(case when applications.state_at_as_of = 'hired' then 1 else 0 end) = 1 as is_hired,
        max(case when applications.state_at_as_of = 'open' then 1 else 0 end) = 1 as has_open_application,
        max(case when applications.state_at_as_of = 'closed' then 1 else 0 end) = 1 as has_closed_application,
        max(case when applications.state_at_as_of = 'closed' then applications.closed_on end) as last_closed_on,
        max(
            case
                when applications.state_at_as_of = 'closed' and applications.reason_category = 'disqualified'
                    then 1
                else 0
            end
        ) = 1 as is_disqualified
    from applications
    inner join records
        on applications.source_system = records.source_system
        and applications.candidate_id = records.candidate_id
    group by records.person_id
),

request_summary as (
    select
        records.person_id,
        min(
            case when privacy_requests.request_type = 'erasure' then privacy_requests.received_on end
        ) as first_erasure_received_on,
        max(case when privacy_requests.request_type = 'stop_use' then 1 else 0 end) = 1
            as is_stop_use_requested,
        max(case when privacy_requests.request_type = 'stop_contact' then 1 else 0 end) = 1
            as has_stop_contact_request
    from privacy_requests
    inner join records
        on privacy_requests.source_system = records.source_system
        and privacy_requests.candidate_id = records.candidate_id
    where privacy_requests.received_on <= {{ as_of_date() }}
    group by records.person_id
),

outreach_summary as (
    select
        records.person_id,
        max(case when outreach_events.sent_on <= {{ as_of_date() }} then outreach_events.sent_on end)
            as last_outreach_sent_on,
        max(
            case
                when
                    outreach_events.outcome = 'opt_out'
                    and coalesce(outreach_events.outcome_on, outreach_events.sent_on) <= {{ as_of_date() }}
                    then 1
                else 0
            end
        ) = 1 as has_opted_out
    from outreach_events
    inner join records
        on outreach_events.source_system = records.source_system
        and outreach_events.candidate_id = records.candidate_id
    group by records.person_id
),

-- The most restrictive consent wins: valid only when every record that has a consent
-- event for the purpose is valid; the earliest expiry binds; a withdrawal anywhere
-- leaves no expiry to report.
consent_summary as (
    select
        records.person_id,
        {%- for purpose in ['retention', 'recontact'] %}
        max(case when consents.has_{{ purpose }}_consent_event then 1 else 0 end) = 1
        and min(
            case
                when consents.has_{{ purpose }}_consent_event and not consents.is_{{ purpose }}_consent_valid
                    then 0
                else 1
            end
        ) = 1 as is_{{ purpose }}_consent_valid,
        case
            when
                max(
                    case
                        when consents.has_{{ purpose }}_consent_event and not consents.is_{{ purpose }}_consent_granted
                            then 1
                        else 0
                    end
                ) = 0
                then min(consents.{{ purpose }}_consent_expires_on)
        end as {{ purpose }}_consent_expires_on{{ ',' if not loop.last }}
        {%- endfor %}
    from consents
    inner join records
        on consents.source_system = records.source_system
        and consents.candidate_id = records.candidate_id
    group by records.person_id
),

-- Deleted in source: any of the person's records deleted by D; dated by the earliest.
deletion_summary as (
    select
        records.person_id,
        min(
            case
                when candidates.is_deleted and candidates.updated_on <= {{ as_of_date() }}
                    then candidates.updated_on
            end
        ) as deleted_in_source_on
    from candidates
    inner join records
        on candidates.source_system = records.source_system
        and candidates.candidate_id = records.candidate_id
    group by records.person_id
),

record_jurisdictions as (
    select
        records.person_id,
        candidates.updated_at,
        candidates.source_system,
        candidates.candidate_id,
        case
            when region_policies.jurisdiction is not null then region_policies.jurisdiction
            when country_policies.jurisdiction is not null then country_policies.jurisdiction
            when eu_member_states.country is not null then 'EU'
            else 'default'
        end as jurisdiction
    from candidates
    inner join records
        on candidates.source_system = records.source_system
        and candidates.candidate_id = records.candidate_id
    left join retention_policies as region_policies
        on region_policies.jurisdiction = {{ dbt.concat(['candidates.country', "'-'", 'candidates.region']) }}
    left join retention_policies as country_policies
        on country_policies.jurisdiction = candidates.country
    left join eu_member_states
        on eu_member_states.country = candidates.country
),

-- A person's jurisdiction is their residence as the most recently updated record says.
jurisdictions as (
    select
        person_id,
        jurisdiction
    from (
        select
            person_id,
            jurisdiction,
            row_number() over (
                partition by person_id
                order by updated_at desc, source_system asc, candidate_id asc
            ) as recency_rank
        from record_jurisdictions
    ) as ranked
    where recency_rank = 1
),

facts as (
    select
        records.source_system,
        records.candidate_id,
        records.person_id,
        jurisdictions.jurisdiction,
        retention_policies.months_without_consent,
        retention_policies.months_with_consent,
        retention_policies.legal_min_months,
        deletion_summary.deleted_in_source_on is not null as is_deleted_in_source,
        deletion_summary.deleted_in_source_on,
        request_summary.first_erasure_received_on,
        coalesce(request_summary.is_stop_use_requested, false) as is_stop_use_requested,
        coalesce(request_summary.has_stop_contact_request, false) as has_stop_contact_request,
        coalesce(application_summary.is_hired, false) as is_hired,
        coalesce(application_summary.has_open_application, false) as has_open_application,
        coalesce(application_summary.has_closed_application, false) as has_closed_application,
        coalesce(application_summary.is_disqualified, false) as is_disqualified,
        application_summary.last_closed_on,
        coalesce(consent_summary.is_retention_consent_valid, false) as is_retention_consent_valid,
        consent_summary.retention_consent_expires_on,
        coalesce(consent_summary.is_recontact_consent_valid, false) as is_recontact_consent_valid,
        consent_summary.recontact_consent_expires_on,
        outreach_summary.last_outreach_sent_on,
        coalesce(outreach_summary.has_opted_out, false) as has_opted_out,
        persons_held.person_id is not null as is_data_quality_held,
        persons_held.quarantine_reasons
    from records
    inner join jurisdictions on records.person_id = jurisdictions.person_id
    inner join deletion_summary on records.person_id = deletion_summary.person_id
    left join retention_policies on jurisdictions.jurisdiction = retention_policies.jurisdiction
    left join application_summary on records.person_id = application_summary.person_id
    left join request_summary on records.person_id = request_summary.person_id
    left join consent_summary on records.person_id = consent_summary.person_id
    left join outreach_summary on records.person_id = outreach_summary.person_id
    left join persons_held on records.person_id = persons_held.person_id
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
        -- for marts.consent_renewal_queue (recontact-outreach v1)
        is_retention_consent_valid,
        retention_consent_expires_on,
        first_erasure_received_on,
        deleted_in_source_on,
        last_outreach_sent_on,
        first_erasure_received_on is not null as is_erasure_requested,
        is_deleted_in_source,
        is_stop_use_requested,
        is_data_quality_held,
        quarantine_reasons,
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
