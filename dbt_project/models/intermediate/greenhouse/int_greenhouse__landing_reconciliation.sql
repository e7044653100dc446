{#- How every landed row of the Greenhouse export was used, per entity and batch:
    landed_rows = staged_rows + superseded_rows + redelivered_rows + quarantined_rows
    + suppressed_rows (rows of persons purged earlier, re-delivered). A consent event or
    privacy request naming no staged candidate counts as quarantined (int_greenhouse__quarantine). -#}
{%- set entities = ['candidate', 'email_address', 'phone_number', 'job', 'application',
                    'job_application', 'application_history', 'job_stage', 'rejection_reason',
                    'scorecard', 'offer', 'consent_events', 'privacy_requests', 'outreach_events'] -%}

with

landed as (
    {%- for entity in entities %}
    {%- if entity in company_records_of_candidates() %}
    select
        '{{ entity }}' as entity,
        entity_rows._batch_id as batch_id,
        case
            when entity_rows._fate = 'staged' and known.candidate_id is null then 'quarantined'
            else entity_rows._fate
        end as _fate
    from {{ ref('stg_greenhouse__' ~ entity) }} as entity_rows
    left join {{ ref('int_greenhouse__candidates_conformed') }} as known
        on entity_rows.candidate_id = known.candidate_id
    {%- else %}
    select '{{ entity }}' as entity, _batch_id as batch_id, _fate
    from {{ ref('stg_greenhouse__' ~ entity) }}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

counted as (
    select
        'greenhouse' as source_system,
        entity,
        batch_id,
        count(*) as landed_rows,
        count(case when _fate = 'staged' then 1 end) as staged_rows,
        count(case when _fate = 'superseded' then 1 end) as superseded_rows,
        count(case when _fate = 'redelivered' then 1 end) as redelivered_rows,
        count(case when _fate = 'quarantined' then 1 end) as quarantined_rows,
        count(case when _fate = 'suppressed' then 1 end) as suppressed_rows
    from landed
    group by entity, batch_id
)

select * from counted
