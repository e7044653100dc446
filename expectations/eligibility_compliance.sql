-- Frame of the `eligibility_compliance` suite: one row per candidate record, in staging or
-- in marts.recontact_eligibility (full outer join), with the mart's decision next to facts
-- recomputed here from every source's staged rows, independently of the rules' models, as
-- of D = $as_of (recontact-rules v1.1, docs/rules-interpretation.md). Facts are decided per
-- person: which records are one person comes from intermediate.int_person_identity (an
-- input to the rules, docs/identity.md); a request or deletion in any record counts for the
-- person, and consent is valid only when every record with a consent event has a valid one.
-- Ids, dates and booleans only: no names, e-mails, phone numbers or free text.
with

as_of as (
    select cast($as_of as date) as d
),

records as (
    select source_system, candidate_id, person_id
    from intermediate.int_person_identity
),

-- interpretation 8: a deletion counts once its updated_at date is <= D
deletions as (
    select
        records.person_id,
        bool_or(coalesce(candidates.is_deleted and candidates.updated_on <= as_of.d, false))
            as deleted_in_source
    from intermediate.int_candidates_unioned as candidates
    inner join records using (source_system, candidate_id)
    cross join as_of
    group by records.person_id
),

-- Applications counted at D (applied by D). Hired at D: status hired, closed_on <= D.
-- Open at D: active, or a final status whose closed_on is after D.
applications_at_d as (
    select
        records.person_id,
        bool_or(status = 'hired' and closed_on <= as_of.d) as hired,
        bool_or(status = 'active' or closed_on is null or closed_on > as_of.d) as open_application
    from intermediate.int_applications_unioned as applications
    inner join records using (source_system, candidate_id)
    cross join as_of
    where applied_on <= as_of.d
    group by records.person_id
),

-- Recontact consent valid at D, per record: of the events recorded by D, those at the
-- latest recorded_at decide; on a tie a withdrawal wins and then the earliest expiry wins,
-- so consent is valid exactly when every event at that instant is a grant whose expiry is
-- empty or after D. Per person: every record that has an event must be valid.
recontact_events as (
    select source_system, candidate_id, recorded_at, action, expires_on
    from intermediate.int_consent_events_unioned, as_of
    where purpose = 'recontact' and recorded_on <= as_of.d
),

latest_recontact_instant as (
    select source_system, candidate_id, max(recorded_at) as recorded_at
    from recontact_events
    group by source_system, candidate_id
),

record_recontact_consent as (
    select
        recontact_events.source_system,
        recontact_events.candidate_id,
        bool_and(
            recontact_events.action = 'granted'
            and (recontact_events.expires_on is null or recontact_events.expires_on > as_of.d)
        ) as valid_at_d
    from recontact_events
    inner join latest_recontact_instant
        on recontact_events.source_system = latest_recontact_instant.source_system
        and recontact_events.candidate_id = latest_recontact_instant.candidate_id
        and recontact_events.recorded_at = latest_recontact_instant.recorded_at
    cross join as_of
    group by recontact_events.source_system, recontact_events.candidate_id
),

recontact_consent as (
    select records.person_id, bool_and(valid_at_d) as valid_at_d
    from record_recontact_consent
    inner join records using (source_system, candidate_id)
    group by records.person_id
),

requests_by_d as (
    select
        records.person_id,
        bool_or(request_type = 'erasure') as erasure,
        bool_or(request_type = 'stop_use') as stop_use,
        bool_or(request_type = 'stop_contact') as stop_contact
    from intermediate.int_privacy_requests_unioned as requests
    inner join records using (source_system, candidate_id)
    cross join as_of
    where received_on <= as_of.d
    group by records.person_id
),

-- An opt-out happened on the date of its outcome_at, else of its sent_at (interpretation 14).
opt_outs_by_d as (
    select distinct records.person_id
    from intermediate.int_outreach_events_unioned as outreach
    inner join records using (source_system, candidate_id)
    cross join as_of
    where outcome = 'opt_out' and coalesce(outcome_on, sent_on) <= as_of.d
),

-- rule set v1.1: held when a quarantined row names one of the person's records or an
-- application of theirs (rows a source's mapping sets aside by design name nobody)
quality_held as (
    select distinct records.person_id
    from (
        select source_system, candidate_id
        from intermediate.int_quarantine_unioned
        where candidate_id is not null
            and quarantine_reason not in (
                'deleted in Greenhouse (_fivetran_deleted)', 'prospect, not an application to a job'
            )
        union
        select quarantined.source_system, applications.candidate_id
        from intermediate.int_quarantine_unioned as quarantined
        inner join intermediate.int_applications_unioned as applications
            on quarantined.source_system = applications.source_system
            and quarantined.application_id = applications.application_id
        where quarantined.quarantine_reason not in (
            'deleted in Greenhouse (_fivetran_deleted)', 'prospect, not an application to a job'
        )
    ) as named
    inner join records using (source_system, candidate_id)
),

facts as (
    select
        candidates.source_system,
        candidates.candidate_id,
        records.person_id,
        coalesce(deletions.deleted_in_source, false) as deleted_in_source,
        coalesce(applications_at_d.hired, false) as hired,
        coalesce(applications_at_d.open_application, false) as open_application,
        not coalesce(recontact_consent.valid_at_d, false) as lacks_recontact_consent,
        coalesce(requests_by_d.erasure, false) as erasure_requested,
        coalesce(requests_by_d.stop_use, false) as stop_use_requested,
        coalesce(requests_by_d.stop_contact, false)
        or opt_outs_by_d.person_id is not null as stop_contact_requested,
        quality_held.person_id is not null as quality_held
    from intermediate.int_candidates_unioned as candidates
    left join records using (source_system, candidate_id)
    left join deletions on records.person_id = deletions.person_id
    left join applications_at_d on records.person_id = applications_at_d.person_id
    left join recontact_consent on records.person_id = recontact_consent.person_id
    left join requests_by_d on records.person_id = requests_by_d.person_id
    left join opt_outs_by_d on records.person_id = opt_outs_by_d.person_id
    left join quality_held on records.person_id = quality_held.person_id
)

select
    -- the record, pseudonymous (evidence lists failing rows by this key)
    md5(
        coalesce(eligibility.source_system, facts.source_system)
        || '|' || coalesce(eligibility.candidate_id, facts.candidate_id)
    ) as record_key,
    coalesce(eligibility.person_id, facts.person_id) as person_id,
    coalesce(eligibility.is_eligible, false) as is_eligible,
    eligibility.candidate_id is not null as has_eligibility_row,
    facts.candidate_id is not null as in_staging,
    -- NULL (not checked) where the other side is missing
    eligibility.as_of_date = as_of.d as mart_as_of_matches,
    eligibility.person_id = facts.person_id as person_id_matches,
    coalesce(eligibility.use_allowed_until <= as_of.d, false) as use_allowed_until_passed,
    eligibility.use_allowed_until is null or eligibility.legal_hold_until is null as retention_dates_missing,
    coalesce(facts.lacks_recontact_consent, true) as lacks_recontact_consent,
    coalesce(facts.erasure_requested, false) as erasure_requested,
    coalesce(facts.stop_use_requested, false) as stop_use_requested,
    coalesce(facts.stop_contact_requested, false) as stop_contact_requested,
    coalesce(facts.deleted_in_source, false) as deleted_in_source,
    coalesce(facts.hired, false) as hired,
    coalesce(facts.open_application, false) as open_application,
    coalesce(facts.quality_held, false) as quality_held
from marts.recontact_eligibility as eligibility
full outer join facts
    on eligibility.source_system = facts.source_system
    and eligibility.candidate_id = facts.candidate_id
cross join as_of
order by record_key
