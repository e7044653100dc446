{#- Rule set v1.1: a person held for data quality is never queued for deletion, and is
    listed in purge_blocked_by_quality exactly when they would otherwise be queued. Rows
    returned are violations, by pseudonymous key only. -#}
with

eligibility as (select * from {{ ref('recontact_eligibility') }}),

queue as (select * from {{ ref('retention_purge_queue') }}),

blocked as (select * from {{ ref('purge_blocked_by_quality') }}),

held_and_queued as (
    select
        queue.person_id,
        'held person in retention_purge_queue' as violation
    from queue
    inner join eligibility
        on queue.source_system = eligibility.source_system
        and queue.candidate_id = eligibility.candidate_id
    where eligibility.exclusion_reasons like '%data_quality_hold%'
),

blocked_not_held as (
    select
        blocked.person_id,
        'purge_blocked_by_quality lists a person not held' as violation
    from blocked
    inner join eligibility
        on blocked.source_system = eligibility.source_system
        and blocked.candidate_id = eligibility.candidate_id
    where eligibility.exclusion_reasons not like '%data_quality_hold%'
        or eligibility.exclusion_reasons is null
)

select * from held_and_queued
union all
select * from blocked_not_held
