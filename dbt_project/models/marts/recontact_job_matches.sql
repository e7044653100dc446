{#- Public contract (recontact-outreach v1, "Matching"): for each eligible person's cohort
    row at D and each opening open at D in the same source, whether the opening's job is
    the qualifying application's job, of the same job family or of the same department;
    a pair matches when one of these holds and the opening is meant for the cohort (its
    target_cohorts name it, or are empty). One row per person and opening: the cohort with
    the highest score (ties: the rules' cohort order). Ids, dates and decisions only. -#}
with

cohorts as (select * from {{ ref('recontact_cohorts') }}),

candidates as (select * from {{ ref('int_candidates_unioned') }}),

jobs as (select * from {{ ref('int_jobs_unioned') }}),

openings as (select * from {{ ref('int_openings_open') }}),

-- each cohort row with its qualifying application's job and the person's language:
-- `ja` when the candidate record the row names lives in Japan, else `en`
cohort_jobs as (
    select
        cohorts.source_system,
        cohorts.candidate_id,
        cohorts.person_id,
        cohorts.cohort,
        case
            {%- for cohort in cohorts() %}
            when cohorts.cohort = '{{ cohort }}' then {{ loop.index }}
            {%- endfor %}
        end as cohort_order,
        cohorts.application_id,
        cohorts.job_id as applied_job_id,
        cohorts.priority_score,
        nullif(trim(jobs.job_family), '') as applied_job_family,
        nullif(trim(jobs.department), '') as applied_department,
        case when candidates.country = 'JP' then 'ja' else 'en' end as person_language
    from cohorts
    inner join candidates
        on cohorts.source_system = candidates.source_system
        and cohorts.candidate_id = candidates.candidate_id
    left join jobs
        on cohorts.source_system = jobs.source_system
        and cohorts.job_id = jobs.job_id
),

-- the jobs applied to, once each: whether an opening matches depends on the job only
applied_jobs as (
    select distinct
        source_system,
        applied_job_id,
        applied_job_family,
        applied_department
    from cohort_jobs
),

-- the openings each applied job matches (same job, same job family or same department),
-- each found by an equality join rather than by pairing every job with every opening
reason_pairs as (
    {%- for reason, applied, opened in [
        ('is_same_job', 'applied_job_id', 'job_id'),
        ('is_same_job_family', 'applied_job_family', 'job_family'),
        ('is_same_department', 'applied_department', 'department'),
    ] %}
    select
        applied_jobs.source_system,
        applied_jobs.applied_job_id,
        openings.opening_id,
        '{{ reason }}' as reason
    from applied_jobs
    inner join openings
        on applied_jobs.source_system = openings.source_system
        and applied_jobs.{{ applied }} = openings.{{ opened }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
),

job_opening_pairs as (
    select
        source_system,
        applied_job_id,
        opening_id,
        max(case when reason = 'is_same_job' then 1 else 0 end) = 1 as is_same_job,
        max(case when reason = 'is_same_job_family' then 1 else 0 end) = 1 as is_same_job_family,
        max(case when reason = 'is_same_department' then 1 else 0 end) = 1 as is_same_department
    from reason_pairs
    group by source_system, applied_job_id, opening_id
),

-- a cohort row and an opening its job matches, when the opening is meant for the cohort
pairs as (
    select
        cohort_jobs.source_system,
        cohort_jobs.candidate_id,
        cohort_jobs.person_id,
        cohort_jobs.cohort,
        cohort_jobs.cohort_order,
        cohort_jobs.application_id,
        cohort_jobs.priority_score,
        cohort_jobs.person_language,
        openings.opening_id,
        openings.job_id,
        openings.language as opening_language,
        job_opening_pairs.is_same_job,
        job_opening_pairs.is_same_job_family,
        job_opening_pairs.is_same_department
    from cohort_jobs
    inner join job_opening_pairs
        on cohort_jobs.source_system = job_opening_pairs.source_system
        and cohort_jobs.applied_job_id = job_opening_pairs.applied_job_id
    inner join openings
        on job_opening_pairs.source_system = openings.source_system
        and job_opening_pairs.opening_id = openings.opening_id
    where
        openings.target_cohorts is null
        or openings.target_cohorts like {{ dbt.concat(["'%;'", 'cohort_jobs.cohort', "';%'"]) }}
),

matched as (
    select
        *,
        concat_ws(
            ',',
            case when is_same_job then 'same_job' end,
            case when is_same_job_family then 'same_job_family' end,
            case when is_same_department then 'same_department' end
        ) as match_reasons,
        priority_score
        + case when is_same_job then 20 else 0 end
        + case when is_same_job_family then 10 else 0 end
        + case when is_same_department then 5 else 0 end as match_score
    from pairs
),

-- one row per person and opening: the cohort with the highest score
best_cohort_per_opening as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by person_id, source_system, opening_id
                order by match_score desc, cohort_order asc
            ) as cohort_rank
        from matched
    ) as ranked_cohorts
    where cohort_rank = 1
),

ranked as (
    select
        source_system,
        candidate_id,
        person_id,
        {{ as_of_date() }} as as_of_date,
        opening_id,
        job_id,
        cohort,
        application_id,
        match_reasons,
        match_score,
        -- bigint on every engine (Spark's row_number() is an int), as the contract says
        cast(row_number() over (
            partition by person_id
            order by
                match_score desc,
                case when opening_language = person_language then 0 else 1 end,
                opening_id asc,
                source_system asc
        ) as {{ dbt.type_bigint() }}) as match_rank
    from best_cohort_per_opening
)

-- ordered like every mart, so that a rebuild and its BI release are byte-identical
select * from ranked
order by source_system, candidate_id, match_rank
