{#- The latest version of each opening, with its target cohorts as a `;`-list of trimmed,
    lower-case names wrapped in `;` (`;final_interview;culture_fit;`), so that a cohort is
    matched by `like '%;' || cohort || ';%'` on every engine; NULL = every cohort. -#}
with

openings as (
    select * from {{ ref('stg_canonical__openings') }}
    where _fate = 'staged'
),

staged as (
    select
        'canonical' as source_system,
        opening_id,
        job_id,
        trim(situation) as situation,
        language,
        case
            when nullif(replace(replace(target_cohorts, ';', ''), ' ', ''), '') is not null
                then ';' || lower(replace(target_cohorts, ' ', '')) || ';'
        end as target_cohorts,
        opened_on,
        closes_on,
        updated_at,
        _batch_id as batch_id
    from openings
)

select * from staged
