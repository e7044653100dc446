{#- How every landed row of the Lever export was used, per entity and batch:
    landed_rows = staged_rows + superseded_rows + redelivered_rows + quarantined_rows
    + suppressed_rows (rows of persons purged earlier, re-delivered). A consent event or
    privacy request naming no staged candidate counts as quarantined (int_lever__quarantine). -#}
{#- Per entity (as the reconciliation names it): its staging model, stg_lever__<table>. -#}
{%- set entities = {
    'applications': 'opportunity',
    'application_postings': 'application',
    'archive_reasons': 'archive_reason',
    'stages': 'stage',
    'stage_events': 'opportunity_stage_history',
    'evaluations': 'feedback_form',
    'offers': 'offer',
    'jobs': 'posting',
    'contact_emails': 'contact_email',
    'contact_phones': 'contact_phone',
    'contact_residences': 'contact_residences',
    'consent_events': 'consent_events',
    'privacy_requests': 'privacy_requests',
    'outreach_events': 'outreach_events',
} -%}

with

landed as (
    {%- for entity, table in entities.items() %}
    {%- if entity in company_records_of_candidates() %}
    select
        '{{ entity }}' as entity,
        entity_rows._batch_id as batch_id,
        case
            when entity_rows._fate = 'staged' and known.candidate_id is null then 'quarantined'
            else entity_rows._fate
        end as _fate
    from {{ ref('stg_lever__' ~ table) }} as entity_rows
    left join {{ ref('int_lever__candidates_conformed') }} as known
        on entity_rows.candidate_id = known.candidate_id
    {%- else %}
    select '{{ entity }}' as entity, _batch_id as batch_id, _fate
    from {{ ref('stg_lever__' ~ table) }}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

counted as (
    select
        'lever' as source_system,
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
