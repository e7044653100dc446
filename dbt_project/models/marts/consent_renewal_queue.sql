{#- Public contract (recontact-outreach v1, "Consent renewal"): whom to ask, at D, to renew
    or give a consent. Asking is itself contact, so only persons no exclusion reason other
    than consent bars (too_recent does not bar a request either); one row per person and
    purpose, on the person's first record (by source_system, candidate_id):
    recontact_expiring / retention_expiring when the consent is valid at D and expires within
    var consent_renewal_days after D; never_asked when the person has no recontact consent
    event at all by D. A person who withdrew a purpose's consent by D is never asked for that
    purpose again. -#}
with

persons as (select * from {{ ref('int_persons_evaluated') }}),

records as (select * from {{ ref('int_person_identity') }}),

consent_events as (select * from {{ ref('int_consent_events_unioned') }}),

-- the person's first record carries their row (a person may have records in several sources)
askable_persons as (
    select
        source_system,
        candidate_id,
        person_id,
        not lacks_recontact_consent as is_recontact_consent_valid,
        recontact_consent_expires_on,
        is_retention_consent_valid,
        retention_consent_expires_on
    from (
        select
            *,
            row_number() over (partition by person_id order by source_system, candidate_id) as record_rank
        from persons
        where not (
            is_erasure_requested
            or is_deleted_in_source
            or is_stop_use_requested
            or is_data_quality_held
            or is_hired
            or has_open_application
            or has_no_closed_application
            or is_retention_expired
            or is_stop_contact_requested
            or is_disqualified
            or is_recently_contacted
            or is_outside_lookback
        )
    ) as ranked_records
    where record_rank = 1
),

consent_history as (
    select
        records.person_id,
        max(case when consent_events.purpose = 'recontact' then 1 else 0 end) = 1 as has_recontact_event,
        max(
            case when consent_events.purpose = 'recontact' and consent_events.action = 'withdrawn' then 1 else 0 end
        ) = 1 as has_withdrawn_recontact,
        max(
            case when consent_events.purpose = 'retention' and consent_events.action = 'withdrawn' then 1 else 0 end
        ) = 1 as has_withdrawn_retention
    from consent_events
    inner join records
        on consent_events.source_system = records.source_system
        and consent_events.candidate_id = records.candidate_id
    where consent_events.recorded_on <= {{ as_of_date() }}
    group by records.person_id
),

facts as (
    select
        askable_persons.*,
        coalesce(consent_history.has_recontact_event, false) as has_recontact_event,
        coalesce(consent_history.has_withdrawn_recontact, false) as has_withdrawn_recontact,
        coalesce(consent_history.has_withdrawn_retention, false) as has_withdrawn_retention
    from askable_persons
    left join consent_history on askable_persons.person_id = consent_history.person_id
),

renewals as (
    select
        source_system,
        candidate_id,
        person_id,
        'recontact' as purpose,
        case
            when not has_recontact_event then 'never_asked'
            else 'recontact_expiring'
        end as renewal_reason,
        recontact_consent_expires_on as consent_expires_on
    from facts
    where
        not has_withdrawn_recontact
        and (
            not has_recontact_event
            or (
                is_recontact_consent_valid
                and recontact_consent_expires_on
                <= {{ add_days(as_of_date(), rule_parameter('consent_renewal_days')) }}
            )
        )

    union all

    select
        source_system,
        candidate_id,
        person_id,
        'retention' as purpose,
        'retention_expiring' as renewal_reason,
        retention_consent_expires_on as consent_expires_on
    from facts
    where
        not has_withdrawn_retention
        and is_retention_consent_valid
        and retention_consent_expires_on <= {{ add_days(as_of_date(), rule_parameter('consent_renewal_days')) }}
),

queue as (
    select
        source_system,
        candidate_id,
        person_id,
        {{ as_of_date() }} as as_of_date,
        purpose,
        renewal_reason,
        consent_expires_on
    from renewals
)

select * from queue
order by source_system, candidate_id, purpose
