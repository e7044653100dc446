{#- Eligibility is decided per person: every record of one person carries the same
    decision, reasons and dates (docs/identity.md). -#}
with

eligibility as (select * from {{ ref('recontact_eligibility') }}),

decisions as (
    select
        person_id,
        count(
            distinct {{ dbt.concat([
                "cast(is_eligible as " ~ dbt.type_string() ~ ")",
                "'|'", "coalesce(exclusion_reasons, '')",
                "'|'", "coalesce(cast(use_allowed_until as " ~ dbt.type_string() ~ "), '')",
                "'|'", "coalesce(cast(last_closed_on as " ~ dbt.type_string() ~ "), '')",
                "'|'", "jurisdiction",
            ]) }}
        ) as decisions
    from eligibility
    group by person_id
)

select * from decisions
where decisions > 1
