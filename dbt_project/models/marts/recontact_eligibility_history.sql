{#- Every as-of date's decisions, kept: recontact_eligibility as it was built for each D
    (incremental, one slice per as_of_date; building a D again replaces that D's slice).
    An auditor asks "what did we decide on 2026-03-01 and why" with a filter on as_of_date,
    without re-running anything. rule_set_version says which rules decided. -#}
{{ replace_slices_config('as_of_date') }}
{#- An incremental model under a contract must add or fail on a new column (dbt refuses
    `ignore`). Failing would leave a full refresh, which deletes every past day's
    decisions: a column added to the contract is added here, NULL on the days before. -#}
{{ config(on_schema_change='append_new_columns') }}

with

eligibility as (select * from {{ ref('recontact_eligibility') }})

select * from eligibility
