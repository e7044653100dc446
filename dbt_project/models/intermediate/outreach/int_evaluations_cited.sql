{#- Per application, the evaluation a draft cites (recontact-outreach v1, "Past
    evaluation"): among its evaluations given by D with a non-empty strengths text, the
    highest rating (a missing rating lowest; ties: the later canonical stage, an unmapped
    stage lowest, then the later evaluated_at, then the smaller evaluation_id), with the
    text as cited (at most 120 characters, cut at a clause end, macros/outreach.sql).
    `concerns` is never read. -#}
with

evaluations as (select * from {{ ref('int_evaluations_unioned') }}),

stage_map as (select * from {{ ref('stage_map') }}),

evaluations_with_strengths as (
    select
        evaluations.source_system,
        evaluations.application_id,
        evaluations.evaluation_id,
        evaluations.rating,
        stage_map.stage_order,
        evaluations.evaluated_at,
        evaluations.strengths
    from evaluations
    left join stage_map
        on evaluations.source_system = stage_map.source_system
        and {{ mapping_key('evaluations.source_stage') }} = {{ mapping_key('stage_map.source_stage') }}
    where
        evaluations.evaluated_on <= {{ as_of_date() }}
        and nullif(trim(evaluations.strengths), '') is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by source_system, application_id
            order by
                rating desc nulls last,
                stage_order desc nulls last,
                evaluated_at desc,
                evaluation_id asc
        ) as citation_rank
    from evaluations_with_strengths
),

cited as (
    select
        source_system,
        application_id,
        evaluation_id as cited_evaluation_id,
        {{ cited_strengths('strengths') }} as cited_strengths
    from ranked
    where citation_rank = 1
)

select * from cited
