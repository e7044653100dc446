{#- Each candidate record's retention and recontact consent at D: the latest event per
    purpose recorded by D (ties: withdrawn wins, then the earliest expiry, then the
    smallest id); valid when it is a grant whose expiry date is empty or after D. -#}
with

consent_events as (select * from {{ ref('int_consent_events_unioned') }}),

events_by_as_of as (
    select
        source_system,
        candidate_id,
        consent_event_id,
        purpose,
        action,
        recorded_at,
        expires_on,
        row_number() over (
            partition by source_system, candidate_id, purpose
            order by
                recorded_at desc,
                case when action = 'withdrawn' then 0 else 1 end,
                expires_on asc nulls last,
                consent_event_id asc
        ) as recency_rank
    from consent_events
    where recorded_on <= {{ as_of_date() }}
),

latest_events as (
    select
        source_system,
        candidate_id,
        purpose,
        action = 'granted' as is_granted,
        action = 'granted'
        and (expires_on is null or expires_on > {{ as_of_date() }}) as is_valid,
        expires_on
    from events_by_as_of
    where recency_rank = 1
),

resolved as (
    select
        source_system,
        candidate_id,
        {%- for purpose in ['retention', 'recontact'] %}
        max(case when purpose = '{{ purpose }}' then 1 else 0 end) = 1
            as has_{{ purpose }}_consent_event,
        max(case when purpose = '{{ purpose }}' and is_granted then 1 else 0 end) = 1
            as is_{{ purpose }}_consent_granted,
        max(case when purpose = '{{ purpose }}' and is_valid then 1 else 0 end) = 1
            as is_{{ purpose }}_consent_valid,
        max(case when purpose = '{{ purpose }}' and is_granted then expires_on end)
            as {{ purpose }}_consent_expires_on{{ ',' if not loop.last }}
        {%- endfor %}
    from latest_events
    group by source_system, candidate_id
)

select * from resolved
