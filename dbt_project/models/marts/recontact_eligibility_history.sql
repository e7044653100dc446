{#- Every as-of date's decisions, kept: recontact_eligibility as it was built for each D
    (incremental, one slice per as_of_date; building a D again replaces that D's slice).
    An auditor asks "what did we decide on 2026-03-01 and why" with a filter on as_of_date,
    without re-running anything. rule_set_version says which rules decided. -#}
{{ replace_slices_config('as_of_date') }}

with

eligibility as (select * from {{ ref('recontact_eligibility') }})

select * from eligibility
