{#- Per-source landing bookkeeping. Every source's staging has a quarantine and a
    reconciliation model built from its base models (base_<source>__<entity>, each
    ending with latest_version_wins or first_delivery_wins, see landed_rows.sql). -#}

{#- Every landed row that was not used, with where it came from and why.
    No personal data: the record's key and its location are enough to find it.
    entities: entity name -> its key column. -#}
{% macro landing_quarantine(source_system, entities) -%}
with

{% for entity, key in entities.items() %}
{{ entity }} as (
    select
        '{{ entity }}' as entity,
        {{ key }} as record_key,
        _batch_id as batch_id,
        _source_file as source_file,
        _source_row as source_row,
        quarantine_reason
    from {{ ref('base_' ~ source_system ~ '__' ~ entity) }}
    where _fate = 'quarantined'
),
{% endfor %}

quarantined as (
    {%- for entity in entities %}
    select * from {{ entity }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

located as (
    select
        '{{ source_system }}' as source_system,
        entity,
        record_key,
        batch_id,
        source_file,
        source_row,
        quarantine_reason
    from quarantined
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
    select '{{ entity }}' as entity, _batch_id as batch_id, _fate
    from {{ ref('base_' ~ source_system ~ '__' ~ entity) }}
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
