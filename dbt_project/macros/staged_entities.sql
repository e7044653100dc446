{#- The staged relations of the ATS's own entities, for sources whose base models already
    carry the canonical columns (canonical itself, and the Japanese ATS once decoded and
    mapped, docs/source-japanese-ats.md): stg_<source>__<entity>.sql = {{ staged_<entity>('<source>') }}.
    Greenhouse and Lever have their own shapes and their own stg models (docs/sources.md). -#}

{% macro staged_candidates(source_system) -%}
with

candidates as (
    select * from {{ ref('base_' ~ source_system ~ '__candidates') }}
    where _fate = 'staged'
),

staged as (
    select
        '{{ source_system }}' as source_system,
        candidate_id,
        full_name,
        email,
        phone,
        country,
        region,
        created_at,
        updated_at,
        cast(updated_at as date) as updated_on,
        is_deleted,
        _batch_id as batch_id
    from candidates
)

select * from staged
{%- endmacro %}

{% macro staged_jobs(source_system) -%}
with

jobs as (
    select * from {{ ref('base_' ~ source_system ~ '__jobs') }}
    where _fate = 'staged'
),

staged as (
    select
        '{{ source_system }}' as source_system,
        job_id,
        title,
        job_family,
        department,
        country,
        status,
        opened_at,
        closed_at,
        updated_at,
        _batch_id as batch_id
    from jobs
)

select * from staged
{%- endmacro %}

{% macro staged_applications(source_system) -%}
with

applications as (
    select * from {{ ref('base_' ~ source_system ~ '__applications') }}
    where _fate = 'staged'
),

reason_map as (
    {{ reason_map_of(source_system) }}
),

staged as (
    select
        '{{ source_system }}' as source_system,
        applications.application_id,
        applications.candidate_id,
        applications.job_id,
        applications.status,
        applications.applied_at,
        cast(applications.applied_at as date) as applied_on,
        applications.closed_at,
        -- the spec's closed_on: date of closed_at, or of updated_at when closed_at is empty
        cast(coalesce(applications.closed_at, applications.updated_at) as date) as closed_on,
        applications.rejection_reason,
        case
            when applications.rejection_reason is not null then coalesce(reason_map.category, 'other')
        end as rejection_category,
        applications.rejection_reason is not null
        and reason_map.category is null as is_rejection_reason_unmapped,
        applications.updated_at,
        applications._batch_id as batch_id
    from applications
    left join reason_map
        on {{ mapping_key('applications.rejection_reason') }} = reason_map.reason_key
)

select * from staged
{%- endmacro %}

{% macro staged_stage_events(source_system) -%}
with

stage_events as (
    select * from {{ ref('base_' ~ source_system ~ '__stage_events') }}
    where _fate = 'staged'
),

stage_map as (
    {{ stage_map_of(source_system) }}
),

staged as (
    select
        '{{ source_system }}' as source_system,
        stage_events.stage_event_id,
        stage_events.application_id,
        stage_events.stage as source_stage,
        stage_map.stage,
        stage_map.stage_order,
        stage_map.stage is null as is_stage_unmapped,
        stage_events.entered_at,
        cast(stage_events.entered_at as date) as entered_on,
        stage_events._batch_id as batch_id
    from stage_events
    left join stage_map
        on {{ mapping_key('stage_events.stage') }} = stage_map.stage_key
)

select * from staged
{%- endmacro %}

{% macro staged_evaluations(source_system) -%}
with

evaluations as (
    select * from {{ ref('base_' ~ source_system ~ '__evaluations') }}
    where _fate = 'staged'
),

staged as (
    select
        '{{ source_system }}' as source_system,
        evaluation_id,
        application_id,
        stage as source_stage,
        evaluated_at,
        cast(evaluated_at as date) as evaluated_on,
        rating,
        strengths,
        concerns,
        _batch_id as batch_id
    from evaluations
)

select * from staged
{%- endmacro %}

{% macro staged_offers(source_system) -%}
with

offers as (
    select * from {{ ref('base_' ~ source_system ~ '__offers') }}
    where _fate = 'staged'
),

reason_map as (
    {{ reason_map_of(source_system) }}
),

staged as (
    select
        '{{ source_system }}' as source_system,
        offers.offer_id,
        offers.application_id,
        offers.status,
        offers.extended_at,
        cast(offers.extended_at as date) as extended_on,
        offers.decline_reason,
        case
            when offers.decline_reason is not null then coalesce(reason_map.category, 'other')
        end as decline_category,
        offers.decline_reason is not null
        and reason_map.category is null as is_decline_reason_unmapped,
        offers.updated_at,
        offers._batch_id as batch_id
    from offers
    left join reason_map
        on {{ mapping_key('offers.decline_reason') }} = reason_map.reason_key
)

select * from staged
{%- endmacro %}
