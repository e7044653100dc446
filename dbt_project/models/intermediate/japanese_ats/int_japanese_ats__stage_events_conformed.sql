with

stage_events as (
    select * from {{ ref('stg_japanese_ats__stage_events') }}
    where _fate = 'staged'
),

stage_map as (
    {{ stage_map_of('japanese_ats') }}
),

staged as (
    select
        'japanese_ats' as source_system,
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
