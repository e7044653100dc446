{#- A scorecard is an evaluation; its overall recommendation is the 1-5 rating
    (greenhouse_rating). Scorecard answers are not read: no free text is needed. -#}
with

scorecards as (
    select * from {{ ref('stg_greenhouse__scorecard') }}
    where _fate = 'staged'
),

staged as (
    select
        'greenhouse' as source_system,
        id as evaluation_id,
        application_id,
        interview as source_stage,
        submitted_at as evaluated_at,
        cast(submitted_at as date) as evaluated_on,
        rating,
        cast(null as {{ dbt.type_string() }}) as strengths,
        cast(null as {{ dbt.type_string() }}) as concerns,
        _batch_id as batch_id
    from scorecards
)

select * from staged
