{#- Public contract (recontact-rules v1.1): one row per candidate, whether they may be
    re-contacted at D and every reason why not, in the spec's priority order. -#}
with

persons as (select * from {{ ref('int_persons_evaluated') }}),

reasons as (
    select
        *,
        nullif(
            concat_ws(
                ','
                {%- for reason, flag in exclusion_reasons() %},
                case when {{ flag }} then '{{ reason }}' end
                {%- endfor %}
            ),
            ''
        ) as exclusion_reasons
    from persons
),

eligibility as (
    select
        source_system,
        candidate_id,
        person_id,
        {{ as_of_date() }} as as_of_date,
        jurisdiction,
        exclusion_reasons is null as is_eligible,
        case
            {%- for reason, flag in exclusion_reasons() %}
            when {{ flag }} then '{{ reason }}'
            {%- endfor %}
        end as primary_exclusion_reason,
        exclusion_reasons,
        last_closed_on,
        use_allowed_until,
        legal_hold_until,
        recontact_consent_expires_on,
        {{ rule_set_version() }} as rule_set_version
    from reasons
)

select * from eligibility
order by source_system, candidate_id
