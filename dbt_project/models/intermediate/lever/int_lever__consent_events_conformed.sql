{#- Consent events: the company-side consent records first, then those read from Lever's
    data-protection fields (docs/source-lever.md, "Consent"). Those fields are the current
    state of an opportunity, so they are read as one event per contact and purpose: the
    state on the contact's latest opportunity version, recorded at its updated_at;
    allowed = true -> granted, false -> withdrawn, empty -> no event; expires_at from
    *_expires_at. store -> retention, contact -> recontact. Anonymised opportunities
    state nothing. -#}
with

-- the company's records: only the rows about a known candidate
-- (company_records_of_candidates, landed_rows.sql)
company_consent_events as (
    select * from {{ ref('stg_lever__consent_events') }}
    where _fate = 'staged'
        and candidate_id in (
            select known.candidate_id from {{ ref('int_lever__candidates_conformed') }} as known
        )
),

company_side as (
    select
        'lever' as source_system,
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

opportunities as (
    select * from {{ ref('stg_lever__opportunity') }}
    where _fate = 'staged' and not coalesce(is_anonymized, false)
),

latest_per_contact as (
    select
        *,
        row_number() over (
            partition by candidate_id
            order by updated_at desc, application_id desc
        ) as recency_rank
    from opportunities
),

stated as (
    select
        application_id,
        candidate_id,
        'retention' as purpose,
        is_store_allowed as is_allowed,
        store_expires_at as expires_at,
        updated_at,
        _batch_id
    from latest_per_contact
    where recency_rank = 1
    union all
    select
        application_id,
        candidate_id,
        'recontact' as purpose,
        is_contact_allowed as is_allowed,
        contact_expires_at as expires_at,
        updated_at,
        _batch_id
    from latest_per_contact
    where recency_rank = 1
),

lever_side as (
    select
        'lever' as source_system,
        {{ dbt.concat(["'lever-data-protection|'", 'application_id', "'|'", 'purpose']) }} as consent_event_id,
        candidate_id,
        purpose,
        case when is_allowed then 'granted' else 'withdrawn' end as action,  -- noqa: RF04
        updated_at as recorded_at,
        cast(updated_at as date) as recorded_on,
        expires_at,
        cast(expires_at as date) as expires_on,
        cast(null as {{ dbt.type_string() }}) as notice_version,
        'lever_data_protection' as channel,
        _batch_id as batch_id
    from stated
    where is_allowed is not null
),

unioned as (
    select * from company_side
    union all
    select * from lever_side
)

select * from unioned
