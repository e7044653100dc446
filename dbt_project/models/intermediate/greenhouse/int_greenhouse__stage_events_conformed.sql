{#- A stage event is an application_history row that moved the application to a stage;
    the stage's name comes from job_stage and is mapped by the stage_map seed. -#}
with

application_history as (
    select * from {{ ref('stg_greenhouse__application_history') }}
    where _fate = 'staged' and new_stage_id is not null
),

job_stages as (
    select * from {{ ref('stg_greenhouse__job_stage') }}
    where _fate = 'staged'
),

stage_map as (
    {{ stage_map_of('greenhouse') }}
),

staged as (
    select
        'greenhouse' as source_system,
        application_history.history_key as stage_event_id,
        application_history.application_id,
        job_stages.name as source_stage,
        stage_map.stage,
        stage_map.stage_order,
        stage_map.stage is null as is_stage_unmapped,
        application_history.updated_at as entered_at,
        cast(application_history.updated_at as date) as entered_on,
        application_history._batch_id as batch_id
    from application_history
    left join job_stages
        on application_history.new_stage_id = job_stages.id
    left join stage_map
        on {{ mapping_key('job_stages.name') }} = stage_map.stage_key
)

select * from staged
