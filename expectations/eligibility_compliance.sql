-- Frame of the `eligibility_compliance` suite: one row per candidate, in staging or in
-- marts.recontact_eligibility (full outer join), with the mart's decision next to facts
-- recomputed here from staging, independently of the intermediate models, as of
-- D = $as_of (recontact-rules v1, docs/rules-interpretation.md). Ids, dates and
-- booleans only: no names, e-mails, phone numbers or free text.
with

as_of as (
    select cast($as_of as date) as d
),

candidates as (
    select
        source_system,
        candidate_id,
        md5(source_system || '|' || candidate_id) as person_id,
        -- interpretation 8: a deletion counts once its updated_at date is <= D
        coalesce(is_deleted and updated_on <= as_of.d, false) as deleted_in_source
    from staging.stg_canonical__candidates, as_of
),

-- Applications counted at D (applied by D). Hired at D: status hired, closed_on <= D.
-- Open at D: active, or a final status whose closed_on is after D.
applications_at_d as (
    select
        source_system,
        candidate_id,
        bool_or(status = 'hired' and closed_on <= as_of.d) as hired,
        bool_or(status = 'active' or closed_on is null or closed_on > as_of.d) as open_application
    from staging.stg_canonical__applications, as_of
    where applied_on <= as_of.d
    group by source_system, candidate_id
),

-- Recontact consent valid at D: of the events recorded by D, those at the latest
-- recorded_at decide; on a tie a withdrawal wins and then the earliest expiry wins, so
-- consent is valid exactly when every event at that instant is a grant whose expiry is
-- empty or after D.
recontact_events as (
    select source_system, candidate_id, recorded_at, action, expires_on
    from staging.stg_canonical__consent_events, as_of
    where purpose = 'recontact' and recorded_on <= as_of.d
),

latest_recontact_instant as (
    select source_system, candidate_id, max(recorded_at) as recorded_at
    from recontact_events
    group by source_system, candidate_id
),

recontact_consent as (
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

requests_by_d as (
    select
        source_system,
        candidate_id,
        bool_or(request_type = 'erasure') as erasure,
        bool_or(request_type = 'stop_use') as stop_use,
        bool_or(request_type = 'stop_contact') as stop_contact
    from staging.stg_canonical__privacy_requests, as_of
    where received_on <= as_of.d
    group by source_system, candidate_id
),

-- An opt-out happened on the date of its outcome_at, else of its sent_at (interpretation 14).
opt_outs_by_d as (
    select distinct source_system, candidate_id
    from staging.stg_canonical__outreach_events, as_of
    where outcome = 'opt_out' and coalesce(outcome_on, sent_on) <= as_of.d
),

facts as (
    select
        candidates.source_system,
        candidates.candidate_id,
        candidates.person_id,
        candidates.deleted_in_source,
        coalesce(applications_at_d.hired, false) as hired,
        coalesce(applications_at_d.open_application, false) as open_application,
        not coalesce(recontact_consent.valid_at_d, false) as lacks_recontact_consent,
        coalesce(requests_by_d.erasure, false) as erasure_requested,
        coalesce(requests_by_d.stop_use, false) as stop_use_requested,
        coalesce(requests_by_d.stop_contact, false)
        or opt_outs_by_d.candidate_id is not null as stop_contact_requested
    from candidates
    left join applications_at_d
        on candidates.source_system = applications_at_d.source_system
        and candidates.candidate_id = applications_at_d.candidate_id
    left join recontact_consent
        on candidates.source_system = recontact_consent.source_system
        and candidates.candidate_id = recontact_consent.candidate_id
    left join requests_by_d
        on candidates.source_system = requests_by_d.source_system
        and candidates.candidate_id = requests_by_d.candidate_id
    left join opt_outs_by_d
        on candidates.source_system = opt_outs_by_d.source_system
        and candidates.candidate_id = opt_outs_by_d.candidate_id
)

select
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
    coalesce(facts.open_application, false) as open_application
from marts.recontact_eligibility as eligibility
full outer join facts
    on eligibility.source_system = facts.source_system
    and eligibility.candidate_id = facts.candidate_id
cross join as_of
order by person_id
