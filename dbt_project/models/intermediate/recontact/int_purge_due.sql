{#- Every record whose person's data is due for deletion at D (recontact-rules v1.1,
    "Purge queue"), with the first reason that applies and its due date, whether or not
    the person is held for data quality: retention_purge_queue takes those who are not,
    purge_blocked_by_quality those who are. Hired persons and persons with an open
    application are never due (their erasure is HR's process). -#}
with

persons as (select * from {{ ref('int_persons_evaluated') }}),

reasoned as (
    select
        source_system,
        candidate_id,
        person_id,
        is_data_quality_held,
        quarantine_reasons,
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

due as (
    select
        source_system,
        candidate_id,
        person_id,
        purge_reason,
        purge_due_on,
        is_data_quality_held,
        quarantine_reasons
    from reasoned
    where purge_reason is not null and purge_due_on <= {{ as_of_date() }}
)

select * from due
