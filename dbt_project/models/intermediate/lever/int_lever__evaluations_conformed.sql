{#- Lever feedback forms as evaluations; deleted forms are left out. Lever keeps the
    answers' free text in feedback_form_field, which is not read (no rule uses it). -#}
with

evaluations as (
    select * from {{ ref('stg_lever__feedback_form') }}
    where _fate = 'staged' and deleted_at is null
),

staged as (
    select
        'lever' as source_system,
        evaluation_id,
        application_id,
        form_title as source_stage,
        evaluated_at,
        cast(evaluated_at as date) as evaluated_on,
        rating,
        cast(null as {{ dbt.type_string() }}) as strengths,
        cast(null as {{ dbt.type_string() }}) as concerns,
        _batch_id as batch_id
    from evaluations
)

select * from staged
