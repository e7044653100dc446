with

outreach_events as (
    select * from {{ ref('stg_lever__outreach_events') }}
    where _fate = 'staged'
),

staged as (
    select
        'lever' as source_system,
        outreach_id,
        candidate_id,
        sent_at,
        cast(sent_at as date) as sent_on,
        channel,
        cohort,
        outcome,
        outcome_at,
        cast(outcome_at as date) as outcome_on,
        _batch_id as batch_id
    from outreach_events
)

select * from staged
