{#- Public contract (recontact-outreach v1, "Matching"): for each eligible person's cohort
    row at D and each opening open at D in the same source, whether the opening's job is
    the qualifying application's job, of the same job family or of the same department;
    a pair matches when one of these holds and the opening is meant for the cohort (its
    target_cohorts name it, or are empty). One row per person and opening: the cohort with
    the highest score (ties: the rules' cohort order). Ids, dates and decisions only.

    Cost: the output is ~380 rows per eligible person (46 M at 1M candidates). Everything
    that depends on a job and a cohort only is decided once per (applied job, cohort) and
    opening; the per-person steps (best cohort per opening, rank, order) then run over
    integer keys, and the ids are joined back last. The best cohort per opening is a
    GROUP BY over integers rather than a window over every pair (65 M pairs at 1M
    candidates): at 1M, 57.5 s against 75.7 s, and it runs within 1.6 GB where the window
    needed more (BENCHMARKS.md, 2026-12-06, second session). -#}
{%- if cohorts() | length > 15 %}
    {{ exceptions.raise_compiler_error(
        'recontact_job_matches: cohort_choice holds a cohort order of at most 15, and '
        ~ (cohorts() | length) ~ ' cohorts are defined (macros/vocabulary.sql)'
    ) }}
{%- endif %}
with

cohorts as (select * from {{ ref('recontact_cohorts') }}),

candidates as (select * from {{ ref('int_candidates_unioned') }}),

jobs as (select * from {{ ref('int_jobs_unioned') }}),

openings as (select * from {{ ref('int_openings_open') }}),

-- each cohort row with its qualifying application's job and the person's language (`ja`
-- when the candidate record the row names lives in Japan, else `en`), and integer keys:
-- cohort_row_key for the row, person_key for the person, candidate_order in the order of
-- (source_system, candidate_id)
cohort_rows as (
    select
        row_number() over (
            order by cohorts.source_system, cohorts.candidate_id, cohorts.cohort
        ) as cohort_row_key,
        dense_rank() over (order by cohorts.person_id) as person_key,
        dense_rank() over (
            order by cohorts.source_system, cohorts.candidate_id
        ) as candidate_order,
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

-- the open openings with an integer key in the order of the rank's last tie-breakers
-- (opening_id, then source_system)
opening_rows as (
    select
        row_number() over (order by opening_id, source_system) as opening_key,
        *
    from openings
),

-- the jobs applied to with each cohort, once each, with an integer key: whether an
-- opening matches depends on the job and the cohort only
applied_jobs as (
    select
        row_number() over (order by source_system, applied_job_id, cohort) as applied_job_key,
        source_system,
        applied_job_id,
        applied_job_family,
        applied_department,
        cohort
    from (
        select distinct
            source_system,
            applied_job_id,
            applied_job_family,
            applied_department,
            cohort
        from cohort_rows
    ) as distinct_applied_jobs
),

-- the openings each applied job matches (same job, same job family or same department),
-- each found by an equality join rather than by pairing every job with every opening,
-- when the opening is meant for the cohort
reason_pairs as (
    {%- for reason, applied, opened in [
        ('is_same_job', 'applied_job_id', 'job_id'),
        ('is_same_job_family', 'applied_job_family', 'job_family'),
        ('is_same_department', 'applied_department', 'department'),
    ] %}
    select
        applied_jobs.applied_job_key,
        opening_rows.opening_key,
        '{{ reason }}' as reason
    from applied_jobs
    inner join opening_rows
        on applied_jobs.source_system = opening_rows.source_system
        and applied_jobs.{{ applied }} = opening_rows.{{ opened }}
    where
        opening_rows.target_cohorts is null
        or opening_rows.target_cohorts like {{ dbt.concat(["'%;'", 'applied_jobs.cohort', "';%'"]) }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
),

-- an applied job and an opening it matches: the score the reasons add (20 same job,
-- 10 same job family, 5 same department) and the reasons as three bits (4, 2, 1)
job_opening_pairs as (
    select
        applied_job_key,
        opening_key,
        max(case when reason = 'is_same_job' then 20 else 0 end)
        + max(case when reason = 'is_same_job_family' then 10 else 0 end)
        + max(case when reason = 'is_same_department' then 5 else 0 end) as match_bonus,
        max(case when reason = 'is_same_job' then 4 else 0 end)
        + max(case when reason = 'is_same_job_family' then 2 else 0 end)
        + max(case when reason = 'is_same_department' then 1 else 0 end) as reason_bits
    from reason_pairs
    group by applied_job_key, opening_key
),

-- a cohort row and an opening it matches, in integer keys only. cohort_choice orders the
-- cohort rows of one person for one opening as the contract chooses between them (the
-- highest score, then the rules' cohort order: cohort_order 1 wins) and carries the pair's
-- reason bits in its last three bits: (match_score × 16 + 15 − cohort_order) × 8 + bits
-- (the rules have four cohorts; more than 15 would not fit its four bits: checked above)
pairs as (
    select
        cohort_rows.person_key,
        job_opening_pairs.opening_key,
        cohort_rows.priority_score + job_opening_pairs.match_bonus as match_score,
        (
            (cohort_rows.priority_score + job_opening_pairs.match_bonus) * 16
            + 15 - cohort_rows.cohort_order
        ) * 8
        + job_opening_pairs.reason_bits as cohort_choice
    from cohort_rows
    inner join applied_jobs
        on cohort_rows.source_system = applied_jobs.source_system
        and cohort_rows.applied_job_id = applied_jobs.applied_job_id
        and cohort_rows.cohort = applied_jobs.cohort
    inner join job_opening_pairs
        on applied_jobs.applied_job_key = job_opening_pairs.applied_job_key
),

-- one row per person and opening: the chosen cohort row's score, cohort and reasons
best_choice_per_opening as (
    select
        person_key,
        opening_key,
        max(match_score) as match_score,
        max(cohort_choice) as cohort_choice
    from pairs
    group by person_key, opening_key
),

-- the chosen cohort row (one per person and cohort: 15 − cohort_order is bits 3 to 6 of
-- the choice) and whether the opening is in the language of its candidate record
best_cohort_per_opening as (
    select
        best_choice_per_opening.person_key,
        best_choice_per_opening.opening_key,
        cohort_rows.cohort_row_key,
        best_choice_per_opening.match_score,
        best_choice_per_opening.cohort_choice % 8 as reason_bits,
        case
            when opening_rows.language = cohort_rows.person_language then 0
            else 1
        end as is_other_language
    from best_choice_per_opening
    inner join cohort_rows
        on best_choice_per_opening.person_key = cohort_rows.person_key
        and (15 - cohort_rows.cohort_order) * 8
        = best_choice_per_opening.cohort_choice % 128 - best_choice_per_opening.cohort_choice % 8
    inner join opening_rows
        on best_choice_per_opening.opening_key = opening_rows.opening_key
),

-- a person's openings by score; on a tie, the person's language first, then opening_id
-- and source_system (the order of opening_key)
ranked as (
    select
        cohort_row_key,
        opening_key,
        reason_bits,
        match_score,
        row_number() over (
            partition by person_key
            order by match_score desc, is_other_language asc, opening_key asc
        ) as match_rank
    from best_cohort_per_opening
)

-- ordered like every mart (source_system, candidate_id, match_rank), so that a rebuild
-- and its BI release are byte-identical
select
    cohort_rows.source_system,
    cohort_rows.candidate_id,
    cohort_rows.person_id,
    {{ as_of_date() }} as as_of_date,
    opening_rows.opening_id,
    opening_rows.job_id,
    cohort_rows.cohort,
    cohort_rows.application_id,
    concat_ws(
        ',',
        case when ranked.reason_bits >= 4 then 'same_job' end,
        case when ranked.reason_bits % 4 >= 2 then 'same_job_family' end,
        case when ranked.reason_bits % 2 = 1 then 'same_department' end
    ) as match_reasons,
    ranked.match_score,
    -- bigint on every engine (Spark's row_number() is an int), as the contract says
    cast(ranked.match_rank as {{ dbt.type_bigint() }}) as match_rank
from ranked
inner join cohort_rows
    on ranked.cohort_row_key = cohort_rows.cohort_row_key
inner join opening_rows
    on ranked.opening_key = opening_rows.opening_key
order by cohort_rows.candidate_order, ranked.match_rank
