{#- The openings open at D (recontact-outreach v1, "New input: openings"): opened_on <= D,
    closes_on empty or after D, and the job's latest status `open`; with the job's title,
    family and department, which the matching and the drafts read. -#}
with

openings as (select * from {{ ref('int_openings_unioned') }}),

jobs as (select * from {{ ref('int_jobs_unioned') }}),

openings_open as (
    select
        openings.source_system,
        openings.opening_id,
        openings.job_id,
        openings.situation,
        openings.language,
        openings.target_cohorts,
        openings.opened_on,
        openings.closes_on,
        jobs.title as job_title,
        nullif(trim(jobs.job_family), '') as job_family,
        nullif(trim(jobs.department), '') as department
    from openings
    inner join jobs
        on openings.source_system = jobs.source_system
        and openings.job_id = jobs.job_id
    where
        openings.opened_on <= {{ as_of_date() }}
        and (openings.closes_on is null or openings.closes_on > {{ as_of_date() }})
        and jobs.status = 'open'
)

select * from openings_open
