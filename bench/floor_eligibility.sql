-- The floor: marts.recontact_eligibility computed in one DuckDB script straight from
-- the raw canonical CSV files (recontact-rules v1 with docs/rules-interpretation.md,
-- default parameters). It assumes clean canonical data: no quarantine, no reconciliation,
-- no tests, no tombstones. It only exists to say how fast the same answer can be had.
--
-- The runner sets three variables first:
--   SET VARIABLE landing_dir = '/path/to/landing';   -- holds canonical/<batch_id>/*.csv
--   SET VARIABLE seeds_dir = '/path/to/seeds';
--   SET VARIABLE as_of = DATE '2026-11-27';

-- A timestamp with an offset is converted to Tokyo time; one without already is.
create or replace macro local_ts(s) as
    case
        when nullif(trim(s), '') is null then null
        when regexp_matches(trim(s), '(Z|[+-]\d\d:?\d\d)$')
            then timezone('Asia/Tokyo', trim(s)::timestamptz)
        else trim(s)::timestamp
    end;

create or replace macro clean(s) as nullif(trim(s), '');

create or replace macro landed(entity) as table
    select
        *,
        regexp_extract(filename, '/canonical/([^/]+)/[^/]+$', 1) as batch_id
    from read_csv(
        getvariable('landing_dir') || '/canonical/*/' || entity || '.csv',
        all_varchar = true, header = true, filename = true
    );

create or replace temp table policies as
select * from read_csv(getvariable('seeds_dir') || '/retention_policies.csv', header = true);

create or replace temp table eu as
select country from read_csv(getvariable('seeds_dir') || '/eu_member_states.csv', header = true);

create or replace temp table reason_map as
select lower(trim(source_reason)) as reason, category
from read_csv(getvariable('seeds_dir') || '/rejection_reason_map.csv', header = true)
where source_system = 'canonical';

-- Mutable entities: the latest updated_at wins, ties to the later batch.
create or replace temp table candidates as
select
    clean(candidate_id) as candidate_id,
    upper(clean(country)) as country,
    upper(clean(region)) as region,
    local_ts(updated_at) as updated_at,
    coalesce(lower(clean(is_deleted)) in ('true', 't', '1', 'yes'), false)
        and local_ts(updated_at)::date <= getvariable('as_of') as is_deleted,
    case when regexp_full_match(lower(trim(email)), '[^@ ]+@[^@ ]+[.][^@ ]+')
        then lower(trim(email)) end as email_key,
    case
        when length(regexp_replace(phone, '[^0-9]', '', 'g')) < 7 then null
        when trim(phone) like '+81%' then '0' || regexp_replace(phone, '[^0-9]', '', 'g')[3:]
        when trim(phone) like '+%' then '+' || regexp_replace(phone, '[^0-9]', '', 'g')
        else regexp_replace(phone, '[^0-9]', '', 'g')
    end as phone_key,
    nullif(lower(replace(replace(full_name, ' ', ''), '　', '')), '') as name_key
from landed('candidates')
qualify row_number() over (
    partition by clean(candidate_id) order by local_ts(updated_at) desc, batch_id desc
) = 1;

-- Identity (docs/identity.md): the same e-mail, or the same phone and name, is one person;
-- each round every record takes the smallest label among the records it matches.
create or replace temp macro relabel(previous) as table
    with labels as (from query_table(previous)),
    by_email as (
        select c.email_key, min(l.label) as label
        from candidates as c join labels as l on l.candidate_id = c.candidate_id
        where c.email_key is not null group by all
    ),
    by_phone_and_name as (
        select c.phone_key, c.name_key, min(l.label) as label
        from candidates as c join labels as l on l.candidate_id = c.candidate_id
        where c.phone_key is not null and c.name_key is not null group by all
    )
    select c.candidate_id, least(l.label, coalesce(e.label, l.label), coalesce(n.label, l.label)) as label
    from candidates as c
    join labels as l on l.candidate_id = c.candidate_id
    left join by_email as e on e.email_key = c.email_key
    left join by_phone_and_name as n on n.phone_key = c.phone_key and n.name_key = c.name_key;

create or replace temp table labels_0 as
select candidate_id, 'canonical|' || candidate_id as label from candidates;
create or replace temp table labels_1 as from relabel('labels_0');
create or replace temp table labels_2 as from relabel('labels_1');
create or replace temp table labels_3 as from relabel('labels_2');
create or replace temp table person_of as from relabel('labels_3');

create or replace temp table applications as
select
    a.candidate_id,
    a.status,
    a.closed_on,
    a.status in ('rejected', 'withdrawn', 'offer_declined')
        and a.closed_on <= getvariable('as_of') as is_closed,
    a.status = 'hired' and a.closed_on <= getvariable('as_of') as is_hired,
    m.category = 'disqualified' as is_disqualified
from (
    select
        clean(candidate_id) as candidate_id,
        lower(clean(status)) as status,
        coalesce(local_ts(closed_at), local_ts(updated_at))::date as closed_on,
        local_ts(applied_at)::date as applied_on,
        lower(clean(rejection_reason)) as reason
    from landed('applications')
    qualify row_number() over (
        partition by clean(application_id) order by local_ts(updated_at) desc, batch_id desc
    ) = 1
) as a
left join reason_map as m on m.reason = a.reason
where a.applied_on <= getvariable('as_of');

create or replace temp table person_applications as
select
    p.label,
    bool_or(is_hired) as has_hired,
    bool_or(not is_closed and not is_hired) as has_open,
    bool_or(is_closed) as has_closed,
    max(closed_on) filter (where is_closed) as last_closed_on,
    coalesce(bool_or(is_disqualified) filter (where is_closed), false) as disqualified
from applications join person_of as p using (candidate_id)
group by p.label;

-- Event entities: first delivery of an id wins; only what was recorded by D.
create or replace temp table record_consents as
select
    candidate_id,
    purpose,
    action = 'granted' as is_granted,
    action = 'granted'
        and (expires_on is null or expires_on > getvariable('as_of')) as is_valid,
    case when action = 'granted' then expires_on end as expires_on
from (
    select
        clean(candidate_id) as candidate_id,
        lower(clean(purpose)) as purpose,
        lower(clean(action)) as action,
        local_ts(recorded_at) as recorded_at,
        local_ts(expires_at)::date as expires_on,
        clean(consent_event_id) as consent_event_id
    from landed('consent_events')
    qualify row_number() over (partition by clean(consent_event_id) order by batch_id) = 1
)
where recorded_at::date <= getvariable('as_of')
qualify row_number() over (
    partition by candidate_id, purpose
    order by recorded_at desc, (action = 'withdrawn') desc, expires_on asc nulls last,
        consent_event_id
) = 1;

-- The most restrictive consent wins across a person's records.
create or replace temp table consents as
select
    p.label,
    purpose,
    bool_and(is_valid) as is_valid,
    case when bool_and(is_granted) then min(expires_on) end as expires_on
from record_consents join person_of as p using (candidate_id)
group by all;

create or replace temp table privacy as
select
    p.label,
    bool_or(lower(clean(request_type)) = 'erasure') as erasure,
    bool_or(lower(clean(request_type)) = 'stop_use') as stop_use,
    bool_or(lower(clean(request_type)) = 'stop_contact') as stop_contact
from (
    select * from landed('privacy_requests')
    qualify row_number() over (partition by clean(request_id) order by batch_id) = 1
) as r
join person_of as p on p.candidate_id = clean(r.candidate_id)
where local_ts(received_at)::date <= getvariable('as_of')
group by 1;

create or replace temp table outreach as
select
    p.label,
    bool_or(
        lower(clean(outcome)) = 'opt_out'
        and coalesce(local_ts(outcome_at), local_ts(sent_at))::date <= getvariable('as_of')
    ) as opted_out,
    max(local_ts(sent_at)::date) filter (
        where local_ts(sent_at)::date <= getvariable('as_of')
    ) as last_sent_on
from (
    select * from landed('outreach_events')
    qualify row_number() over (partition by clean(outreach_id) order by batch_id) = 1
) as o
join person_of as p on p.candidate_id = clean(o.candidate_id)
group by 1;

-- Per person: deleted in any record; residence of the most recently updated record.
create or replace temp table person_records as
select
    p.label,
    bool_or(c.is_deleted) as is_deleted,
    arg_min(c.country, (-epoch_us(c.updated_at), 'canonical|' || c.candidate_id)) as country,
    arg_min(c.region, (-epoch_us(c.updated_at), 'canonical|' || c.candidate_id)) as region
from candidates as c join person_of as p using (candidate_id)
group by 1;

create or replace table floor_eligibility as
with persons as (
    select
        c.candidate_id,
        md5(p.label) as person_id,
        case
            when pc.jurisdiction is not null then pc.jurisdiction
            when pn.jurisdiction is not null then pn.jurisdiction
            when eu.country is not null then 'EU'
            else 'default'
        end as jurisdiction,
        coalesce(pr.erasure, false) as erasure,
        r.is_deleted,
        coalesce(pr.stop_use, false) as stop_use,
        coalesce(pa.has_hired, false) as has_hired,
        coalesce(pa.has_open, false) as has_open,
        coalesce(pa.has_closed, false) as has_closed,
        pa.last_closed_on,
        coalesce(pa.disqualified, false) as disqualified,
        coalesce(ret.is_valid, false) as retention_valid,
        ret.expires_on as retention_expires_on,
        coalesce(rec.is_valid, false) as recontact_valid,
        rec.expires_on as recontact_consent_expires_on,
        coalesce(pr.stop_contact, false) or coalesce(o.opted_out, false) as stop_contact,
        o.last_sent_on,
        coalesce(pc.months_without_consent, pn.months_without_consent, pe.months_without_consent,
            pd.months_without_consent) as months_without,
        coalesce(pc.months_with_consent, pn.months_with_consent, pe.months_with_consent,
            pd.months_with_consent) as months_with,
        coalesce(pc.legal_min_months, pn.legal_min_months, pe.legal_min_months,
            pd.legal_min_months) as legal_min_months
    from candidates as c
    join person_of as p using (candidate_id)
    join person_records as r using (label)
    left join policies as pc on pc.jurisdiction = r.country || '-' || r.region
    left join policies as pn on pn.jurisdiction = r.country
    left join eu on eu.country = r.country
    left join policies as pe on pe.jurisdiction = 'EU' and eu.country is not null
    left join policies as pd on pd.jurisdiction = 'default'
    left join person_applications as pa on pa.label = p.label
    left join consents as ret on ret.label = p.label and ret.purpose = 'retention'
    left join consents as rec on rec.label = p.label and rec.purpose = 'recontact'
    left join privacy as pr on pr.label = p.label
    left join outreach as o on o.label = p.label
),

retention as (
    select
        *,
        case when has_closed and not has_open and not has_hired then
            case
                when retention_valid then least(
                    (last_closed_on + to_months(months_with))::date, retention_expires_on
                )
                else (last_closed_on + to_months(months_without))::date
            end
        end as use_allowed_until,
        case when has_closed and not has_open and not has_hired then
            (last_closed_on + to_months(legal_min_months))::date
        end as legal_hold_until
    from persons
),

reasons as (
    select
        *,
        nullif(concat_ws(',',
            case when erasure then 'erasure_requested' end,
            case when is_deleted then 'deleted_in_source' end,
            case when stop_use then 'stop_use_requested' end,
            case when has_hired then 'hired' end,
            case when has_open then 'active_application' end,
            case when not has_closed then 'no_closed_application' end,
            case when getvariable('as_of') >= use_allowed_until
                and legal_hold_until is not null then 'retention_expired' end,
            case when not recontact_valid then 'no_recontact_consent' end,
            case when stop_contact then 'stop_contact_requested' end,
            case when disqualified then 'disqualified' end,
            case when getvariable('as_of') < last_sent_on + 180 then 'recently_contacted' end,
            case when getvariable('as_of') < last_closed_on + interval 3 month
                then 'too_recent' end,
            case when getvariable('as_of') >= last_closed_on + interval 36 month
                then 'outside_lookback' end
        ), '') as exclusion_reasons
    from retention
)

select
    'canonical' as source_system,
    candidate_id,
    person_id,
    getvariable('as_of') as as_of_date,
    jurisdiction,
    exclusion_reasons is null as is_eligible,
    split_part(exclusion_reasons, ',', 1) as primary_exclusion_reason,
    exclusion_reasons,
    last_closed_on,
    use_allowed_until,
    legal_hold_until,
    recontact_consent_expires_on,
    'v1' as rule_set_version
from reasons
order by candidate_id;
