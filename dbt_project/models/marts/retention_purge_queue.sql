{#- Public contract (recontact-rules v1): every person whose data is due for deletion
    at D, once, with the first reason that applies. Hired persons and persons with an
    open application are never queued (their erasure is HR's process). -#}
with

persons as (select * from {{ ref('int_persons_evaluated') }}),

reasoned as (
    select
        source_system,
        candidate_id,
        person_id,
        case
            when is_erasure_requested then 'erasure_requested'
            when is_deleted_in_source then 'deleted_in_source'
            when is_retention_expired and {{ as_of_date() }} >= legal_hold_until then 'retention_expired'
        end as purge_reason,
        -- greatest() of a date and a legal hold that may be NULL (no closed application)
        case
            when is_erasure_requested
                then greatest(first_erasure_received_on, coalesce(legal_hold_until, first_erasure_received_on))
            when is_deleted_in_source
                then greatest(deleted_in_source_on, coalesce(legal_hold_until, deleted_in_source_on))
            when is_retention_expired
                then greatest(use_allowed_until, legal_hold_until)
        end as purge_due_on
    from persons
    where not is_hired and not has_open_application
),

queued as (
    select
        source_system,
        candidate_id,
        person_id,
        {{ as_of_date() }} as as_of_date,
        purge_reason,
        purge_due_on
    from reasoned
    where purge_reason is not null and purge_due_on <= {{ as_of_date() }}
)

select * from queued
order by source_system, candidate_id
