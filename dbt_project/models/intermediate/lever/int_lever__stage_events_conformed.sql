{#- Lever's stage history, the stage named by the `stage` table (its id when unnamed:
    Lever's built-in stages have readable ids such as `applicant-new`), mapped by the seed. -#}
with

stage_events as (
    select * from {{ ref('stg_lever__opportunity_stage_history') }}
    where _fate = 'staged'
),

stages as (
    select * from {{ ref('stg_lever__stage') }}
    where _fate = 'staged'
),

stage_map as (
    {{ stage_map_of('lever') }}
),

named as (
    select
        stage_events.*,
        coalesce(stages.stage_text, stage_events.stage_id) as source_stage
    from stage_events
    left join stages
        on stage_events.stage_id = stages.stage_id
),

staged as (
    select
        'lever' as source_system,
        named.stage_event_id,
        named.application_id,
        named.source_stage,
        stage_map.stage,
        stage_map.stage_order,
        stage_map.stage is null as is_stage_unmapped,
        named.entered_at,
        cast(named.entered_at as date) as entered_on,
        named._batch_id as batch_id
    from named
    left join stage_map
        on {{ mapping_key('named.source_stage') }} = stage_map.stage_key
)

select * from staged
