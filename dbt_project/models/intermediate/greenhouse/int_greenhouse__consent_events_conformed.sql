{#- The company's consent records first; then what Greenhouse's own flags say, for a
    purpose only when the company has no record of that purpose for the person (its
    records are dated and carry expiry; the flags are an undated current state):
      can_email = false                     -> recontact withdrawn
      can_email = true                      -> nothing (Greenhouse's default, not consent)
      gdpr_retention_consent_given = true   -> retention granted, no expiry
      gdpr_retention_consent_given = false  -> retention withdrawn
    each recorded at the candidate's updated_at (docs/source-greenhouse.md). -#}
with

-- the company's records: only the rows about a known candidate
-- (company_records_of_candidates, landed_rows.sql)
company_consent_events as (
    select * from {{ ref('stg_greenhouse__consent_events') }}
    where _fate = 'staged'
        and candidate_id in (
            select known.candidate_id from {{ ref('int_greenhouse__candidates_conformed') }} as known
        )
),

company_records as (
    select
        'greenhouse' as source_system,
        consent_event_id,
        candidate_id,
        purpose,
        action,
        recorded_at,
        cast(recorded_at as date) as recorded_on,
        expires_at,
        cast(expires_at as date) as expires_on,
        notice_version,
        channel,
        _batch_id as batch_id
    from company_consent_events
),

candidates as (
    select * from {{ ref('stg_greenhouse__candidate') }}
    where _fate = 'staged'
),

recorded_purposes as (
    select distinct
        candidate_id,
        purpose
    from company_records
),

flags as (
    select
        id as candidate_id,
        'recontact' as purpose,
        -- `action` is the export contract's column name, keyword or not
        'withdrawn' as action,  -- noqa: RF04
        'greenhouse_can_email' as channel,
        updated_at,
        _batch_id
    from candidates
    where can_email = false
    union all
    select
        id as candidate_id,
        'retention' as purpose,
        case when gdpr_retention_consent_given then 'granted' else 'withdrawn' end as action,  -- noqa: RF04
        'greenhouse_gdpr_retention_consent' as channel,
        updated_at,
        _batch_id
    from candidates
    where gdpr_retention_consent_given is not null
),

from_flags as (
    select
        'greenhouse' as source_system,
        {{ dbt.concat(['flags.channel', "':'", 'flags.candidate_id']) }} as consent_event_id,
        flags.candidate_id,
        flags.purpose,
        flags.action,
        flags.updated_at as recorded_at,
        cast(flags.updated_at as date) as recorded_on,
        cast(null as {{ dbt.type_timestamp() }}) as expires_at,
        cast(null as date) as expires_on,
        cast(null as {{ dbt.type_string() }}) as notice_version,
        flags.channel,
        flags._batch_id as batch_id
    from flags
    left join recorded_purposes
        on flags.candidate_id = recorded_purposes.candidate_id
        and flags.purpose = recorded_purposes.purpose
    where recorded_purposes.candidate_id is null
),

consent_events as (
    select * from company_records
    union all
    select * from from_flags
)

select * from consent_events
