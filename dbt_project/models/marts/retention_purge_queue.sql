{#- Public contract (recontact-rules v1.1): every record whose person's data is due for
    deletion at D, with the first reason that applies (int_purge_due), except persons
    held for data quality: nothing is deleted on the strength of a row we could not read
    (purge_blocked_by_quality lists them). -#}
with

due as (select * from {{ ref('int_purge_due') }}),

queued as (
    select
        source_system,
        candidate_id,
        person_id,
        {{ as_of_date() }} as as_of_date,
        purge_reason,
        purge_due_on
    from due
    where not is_data_quality_held
)

select * from queued
order by source_system, candidate_id
