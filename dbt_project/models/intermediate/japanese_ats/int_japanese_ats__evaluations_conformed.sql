with

evaluations as (
    select * from {{ ref('stg_japanese_ats__evaluations') }}
    where _fate = 'staged'
),

staged as (
    select
        'japanese_ats' as source_system,
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
