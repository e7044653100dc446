-- Frame of the `purge_completeness` suite: one row per person referenced ANYWHERE -- any
-- row of any table of the warehouse or of the archive -- with whether their data is
-- due for deletion at D = $as_of (recontact-rules v1, "Purge queue"), recomputed here
-- from staging and the retention dates of marts.recontact_eligibility, and whether
-- marts.retention_purge_queue holds them. Rule set v1.1: a person whom a quarantined row
-- names (one of their records, or an application of theirs; rows a source's mapping sets
-- aside by design -- a Greenhouse prospect, a row deleted in Greenhouse -- name nobody) is
-- held: never queued, and listed in marts.purge_blocked_by_quality when due. Ids, dates
-- and booleans only.
--
-- `person_references(relation, source_system, candidate_id, application_id, person_id,
-- is_suppressed)` is a temporary view that orchestration/compliance.py builds before this
-- query: one row per row of every base table of the warehouse that has a candidate_id,
-- application_id or person_id column (or is the quarantine list, entity + record_key),
-- per row of the archive's Parquet copies of the raw tables, when an archive is kept
-- (relation `archive:<source>/<table>`), per row of every outreach export file (relation
-- `export:<file>`), and per row of every mart of every BI release
-- (relation `published:<release>/<mart>`: a purged person left in a release is a copy
-- the erasure did not reach, and has no eligibility row any more). Rows staged with the fate `suppressed` (a
-- re-delivery of a person purged earlier, kept out of staging by a tombstone) are flagged
-- is_suppressed. A person held only through such rows and the landing rows they came from
-- is reported apart (held_only_as_suppressed, a warning): their data is still held, but
-- the rules no longer decide on them.
--
-- Before a purge, every person due is in the queue. After the purge, a person due must be
-- gone from everywhere: one who is still referenced somewhere is either still queued
-- (purge not done yet), or due and not queued (failure), or referenced without an
-- eligibility row (residue of a partial purge; failure).
with

as_of as (
    select cast($as_of as date) as d
),

-- which records are one person (docs/identity.md): an input of the rules, like staging
identity as (
    select source_system, candidate_id, person_id from intermediate.int_person_identity
),

-- each reference once, whatever relations hold it, with what those rows are: staged as
-- `suppressed`, or a raw row (relation `raw.<source>__<table>`, or its archived copy
-- `archive:...`)
references_held as (
    select
        source_system,
        candidate_id,
        application_id,
        person_id,
        bool_or(is_suppressed) as has_suppressed_row,
        bool_and(is_suppressed) as only_suppressed_rows,
        bool_and(is_suppressed or relation like 'archive:%' or relation like 'raw.%')
            as only_suppressed_or_raw_rows
    from person_references
    group by source_system, candidate_id, application_id, person_id
),

application_owners as (
    select distinct
        coalesce(source_system, 'canonical') as source_system,
        application_id,
        candidate_id
    from references_held
    where application_id is not null and candidate_id is not null
),

resolved as (
    select
        references_held.has_suppressed_row,
        references_held.only_suppressed_rows,
        references_held.only_suppressed_or_raw_rows,
        references_held.application_id,
        coalesce(
            references_held.person_id,
            identity.person_id,
            -- a record the identity model does not know (e.g. only in the archive)
            md5(
                coalesce(references_held.source_system, 'canonical') || '|'
                || coalesce(references_held.candidate_id, application_owners.candidate_id)
            )
        ) as person_id
    from references_held
    left join application_owners
        on references_held.candidate_id is null
        and references_held.person_id is null
        and coalesce(references_held.source_system, 'canonical') = application_owners.source_system
        and references_held.application_id = application_owners.application_id
    left join identity
        on references_held.person_id is null
        and coalesce(references_held.source_system, 'canonical') = identity.source_system
        and coalesce(references_held.candidate_id, application_owners.candidate_id)
        = identity.candidate_id
),

-- A person with a row staged as `suppressed` (a re-delivery of someone purged earlier) is
-- held only as suppressed when every other row of theirs is a raw row or its archived copy
-- (the landing rows those re-deliveries came from); a person no relation ties to a
-- candidate, only when every row is staged as suppressed.
persons as (
    select
        person_id,
        case
            when person_id is not null and bool_or(has_suppressed_row)
                then bool_and(only_suppressed_or_raw_rows)
            else bool_and(only_suppressed_rows)
        end as held_only_as_suppressed
    from resolved
    -- a row whose application belongs to nobody known stays its own (unlinked) reference
    group by person_id, case when person_id is null then application_id end
),

-- per person: deleted in any record by D, dated by the earliest such deletion
candidates as (
    select
        identity.person_id,
        count(*) as records,
        bool_or(coalesce(is_deleted and updated_on <= as_of.d, false)) as deleted_in_source,
        min(case when is_deleted and updated_on <= as_of.d then updated_on end) as updated_on
    from intermediate.int_candidates_unioned as records
    inner join identity using (source_system, candidate_id)
    cross join as_of
    group by identity.person_id
),

applications_at_d as (
    select
        identity.person_id,
        bool_or(status = 'hired' and closed_on <= as_of.d) as hired,
        bool_or(status = 'active' or closed_on is null or closed_on > as_of.d) as open_application
    from intermediate.int_applications_unioned as applications
    inner join identity using (source_system, candidate_id)
    cross join as_of
    where applied_on <= as_of.d
    group by 1
),

erasures_by_d as (
    select
        identity.person_id,
        min(received_on) as first_erasure_on
    from intermediate.int_privacy_requests_unioned as requests
    inner join identity using (source_system, candidate_id)
    cross join as_of
    where request_type = 'erasure' and received_on <= as_of.d
    group by 1
),

-- the queue lists every record of a queued person (docs/identity.md)
queue as (
    select
        person_id,
        count(*) as queue_rows,
        count(distinct source_system || '|' || candidate_id) as queued_records,
        bool_and(as_of_date = as_of.d) as as_of_matches,
        min(purge_due_on) as purge_due_on
    from marts.retention_purge_queue, as_of
    group by person_id
),

-- rule set v1.1, recomputed from the quarantine lists of every source
quality_held as (
    select distinct identity.person_id
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
    inner join identity using (source_system, candidate_id)
),

blocked as (
    select
        person_id,
        count(distinct source_system || '|' || candidate_id) as blocked_records
    from marts.purge_blocked_by_quality
    group by person_id
),

-- one decision per person: every record of a person carries the same dates
eligibility as (
    select distinct person_id, use_allowed_until, legal_hold_until
    from marts.recontact_eligibility
),

due as (
    select
        persons.person_id,
        persons.held_only_as_suppressed,
        case when not persons.held_only_as_suppressed then eligibility.person_id is not null end
            as has_eligibility_row,
        coalesce(applications_at_d.hired, false) or coalesce(applications_at_d.open_application, false)
            as hired_or_open,
        -- the first reason that applies, in the spec's order, gives the due date; a NULL
        -- legal hold does not delay it (interpretation 23). DuckDB's greatest() skips
        -- NULLs, so each reason is guarded by a case.
        coalesce(
            case
                when erasures_by_d.first_erasure_on is not null
                    then greatest(
                        erasures_by_d.first_erasure_on,
                        coalesce(eligibility.legal_hold_until, erasures_by_d.first_erasure_on)
                    )
            end,
            case
                when candidates.deleted_in_source
                    then greatest(candidates.updated_on, coalesce(eligibility.legal_hold_until, candidates.updated_on))
            end,
            case
                when eligibility.use_allowed_until <= as_of.d and eligibility.legal_hold_until is not null
                    then greatest(eligibility.use_allowed_until, eligibility.legal_hold_until)
            end
        ) as purge_due_on,
        queue.person_id is not null as in_purge_queue,
        quality_held.person_id is not null as is_quality_held,
        blocked.person_id is not null as in_blocked_list,
        case when blocked.person_id is not null then blocked.blocked_records = candidates.records end
            as blocked_covers_every_record,
        coalesce(queue.queue_rows, 0) - coalesce(queue.queued_records, 0) as queue_duplicate_rows,
        case when queue.person_id is not null then queue.queued_records = candidates.records end
            as queue_covers_every_record,
        queue.as_of_matches as queue_as_of_matches,
        queue.purge_due_on as queue_purge_due_on
    from persons
    cross join as_of
    left join eligibility
        on persons.person_id = eligibility.person_id
    left join candidates
        on persons.person_id = candidates.person_id
    left join applications_at_d
        on persons.person_id = applications_at_d.person_id
    left join erasures_by_d
        on persons.person_id = erasures_by_d.person_id
    left join queue
        on persons.person_id = queue.person_id
    left join quality_held
        on persons.person_id = quality_held.person_id
    left join blocked
        on persons.person_id = blocked.person_id
)

select
    due.person_id,
    due.person_id is not null as is_linked,
    due.held_only_as_suppressed,
    -- NULL (not checked) for a person held only as suppressed re-deliveries
    due.has_eligibility_row,
    due.hired_or_open,
    due.purge_due_on,
    not due.hired_or_open and coalesce(due.purge_due_on <= as_of.d, false) as purge_due,
    due.is_quality_held,
    due.in_purge_queue,
    due.in_blocked_list,
    due.blocked_covers_every_record,
    due.queue_duplicate_rows,
    due.queue_covers_every_record,
    due.queue_as_of_matches,
    -- NULL (not checked) for persons not in the queue
    case when due.in_purge_queue then due.queue_purge_due_on is not distinct from due.purge_due_on end
        as queue_due_on_matches,
    not due.hired_or_open and coalesce(due.purge_due_on <= as_of.d, false)
    and not due.is_quality_held and not due.in_purge_queue
        as overdue_not_queued,
    due.in_purge_queue
    and not (not due.hired_or_open and coalesce(due.purge_due_on <= as_of.d, false) and not due.is_quality_held)
        as queued_not_due,
    not due.hired_or_open and coalesce(due.purge_due_on <= as_of.d, false)
    and due.is_quality_held and not due.in_blocked_list
        as held_due_not_listed,
    due.in_blocked_list
    and not (not due.hired_or_open and coalesce(due.purge_due_on <= as_of.d, false) and due.is_quality_held)
        as listed_not_held_due
from due
cross join as_of
order by due.person_id nulls first
