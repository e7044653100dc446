{#- Per-source landing bookkeeping. Every source's staging has a quarantine and a
    reconciliation model built from its base models (base_<source>__<entity>, each
    ending with latest_version_wins or first_delivery_wins, see landed_rows.sql). -#}

{#- Every landed row that was not used, with where it came from and why, and the ids of
    the candidate and the application it refers to (rule set v1.1: their person is held,
    int_persons_held). No personal data: keys and the location are enough to find it.
    entities: entity name -> {'key': its key column, 'candidate_id': the column of the
    candidate it refers to, 'application_id': of the application}, each optional but key. -#}
{% macro landing_quarantine(source_system, entities) -%}
with

{% for entity, columns in entities.items() %}
{{ entity }} as (
    select
        '{{ entity }}' as entity,
        rows.{{ columns.key }} as record_key,
        {{ 'rows.' ~ columns.candidate_id if columns.candidate_id else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as candidate_id,
        {{ 'rows.' ~ columns.application_id if columns.application_id else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as application_id,
        rows._batch_id as batch_id,
        rows._source_file as source_file,
        rows._source_row as source_row,
        {%- if entity in company_records_of_candidates() %}
        case
            when rows._fate = 'quarantined' then rows.quarantine_reason
            else 'unknown_candidate'
        end as quarantine_reason
    from {{ ref('base_' ~ source_system ~ '__' ~ entity) }} as rows
    left join {{ ref('stg_' ~ source_system ~ '__candidates') }} as known
        on rows.candidate_id = known.candidate_id
    where rows._fate = 'quarantined' or (rows._fate = 'staged' and known.candidate_id is null)
        {%- else %}
        rows.quarantine_reason
    from {{ ref('base_' ~ source_system ~ '__' ~ entity) }} as rows
    where rows._fate = 'quarantined'
        {%- endif %}
),
{% endfor %}

located as (
    {%- for entity in entities %}
    select
        '{{ source_system }}' as source_system,
        entity,
        record_key,
        candidate_id,
        application_id,
        batch_id,
        source_file,
        source_row,
        quarantine_reason
    from {{ entity }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from located
{%- endmacro %}

{#- How every landed row was used, per entity and batch:
    landed_rows = staged_rows + superseded_rows + redelivered_rows + quarantined_rows
    + suppressed_rows (rows of persons purged earlier, re-delivered). -#}
{#- entities: the entity names. -#}
{% macro landing_reconciliation(source_system, entities) -%}
with

landed as (
    {%- for entity in entities %}
    {%- if entity in company_records_of_candidates() %}
    select
        '{{ entity }}' as entity,
        rows._batch_id as batch_id,
        case when rows._fate = 'staged' and known.candidate_id is null then 'quarantined' else rows._fate end as _fate
    from {{ ref('base_' ~ source_system ~ '__' ~ entity) }} as rows
    left join {{ ref('stg_' ~ source_system ~ '__candidates') }} as known
        on rows.candidate_id = known.candidate_id
    {%- else %}
    select '{{ entity }}' as entity, _batch_id as batch_id, _fate
    from {{ ref('base_' ~ source_system ~ '__' ~ entity) }}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

counted as (
    select
        '{{ source_system }}' as source_system,
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
{%- endmacro %}
