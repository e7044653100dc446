{#- How every landed row was used, per entity and batch:
    landed_rows = staged_rows + superseded_rows + redelivered_rows + quarantined_rows
    + suppressed_rows (rows of persons purged earlier, re-delivered). -#}
{%- set entities = ['candidates', 'jobs', 'applications', 'stage_events', 'evaluations',
                    'offers', 'consent_events', 'privacy_requests', 'outreach_events'] -%}

with

landed as (
    {%- for entity in entities %}
    select '{{ entity }}' as entity, _batch_id as batch_id, _fate
    from {{ ref('base_canonical__' ~ entity) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

counted as (
    select
        'canonical' as source_system,
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
