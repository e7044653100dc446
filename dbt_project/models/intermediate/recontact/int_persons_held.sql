{#- Rule set v1.1, "Data-quality hold": the persons at least one quarantined row refers
    to, in any source, by the candidate_id of one of their records or by the
    application_id of one of their applications, with the distinct quarantine reasons.
    A held person is excluded (`data_quality_hold`) and never queued for purge: a row we
    could not read may be the one that would have kept them (docs/rules-interpretation.md). -#}
with

quarantine as (select * from {{ ref('int_quarantine_unioned') }}),

records as (select * from {{ ref('int_person_identity') }}),

applications as (select * from {{ ref('int_applications_unioned') }}),

-- Rows a source's mapping sets aside by design (set_aside_reasons) are no faults: they
-- hold nobody.
faults as (
    select * from quarantine
    where quarantine_reason not in ({{ "'" ~ (set_aside_reasons() | join("', '")) ~ "'" }})
),

-- A quarantined application names its candidate itself; any other row naming only an
-- application reaches its candidate through the staged application.
referred_records as (
    select
        source_system,
        candidate_id,
        quarantine_reason
    from faults
    where candidate_id is not null
    union all
    select
        faults.source_system,
        applications.candidate_id,
        faults.quarantine_reason
    from faults
    inner join applications
        on faults.source_system = applications.source_system
        and faults.application_id = applications.application_id
),

held_reasons as (
    select distinct
        records.person_id,
        referred_records.quarantine_reason
    from referred_records
    inner join records
        on referred_records.source_system = records.source_system
        and referred_records.candidate_id = records.candidate_id
),

held as (
    select
        person_id,
        {{ sorted_text_list('quarantine_reason') }} as quarantine_reasons
    from held_reasons
    group by person_id
)

select * from held
