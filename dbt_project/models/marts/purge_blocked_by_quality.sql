{#- Public contract (recontact-rules v1.1, "Data-quality hold"): every record of a person
    who would be in retention_purge_queue at D but is held because a row that refers to
    them is quarantined, with the reason the purge would have had and every quarantine
    reason behind the hold, so that someone fixes the data (int_<source>__quarantine
    says where the rows are). -#}
with

due as (select * from {{ ref('int_purge_due') }}),

blocked as (
    select
        source_system,
        candidate_id,
        person_id,
        {{ as_of_date() }} as as_of_date,
        purge_reason as would_be_purge_reason,
        quarantine_reasons
    from due
    where is_data_quality_held
)

select * from blocked
order by source_system, candidate_id
