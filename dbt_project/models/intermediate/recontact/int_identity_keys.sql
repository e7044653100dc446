{#- The matching keys of every candidate record (docs/identity.md), and which of them the
    record shares with another record: only those can make two records one person. A table
    of its own so that the label propagation in int_person_identity, which names it several
    times per round, reads a stored relation (engines that inline a CTE at every mention,
    Spark, would otherwise recompute these aggregates 3^rounds times). -#}
with

candidates as (select * from {{ ref('int_candidates_unioned') }}),

keyed as (
    select
        source_system,
        candidate_id,
        {{ identity_email_key('email') }} as email_key,
        {{ identity_phone_key('phone') }} as phone_key,
        {{ identity_name_key('full_name') }} as name_key
    from candidates
),

shared_email_keys as (
    select email_key
    from keyed
    where email_key is not null
    group by email_key
    having count(*) > 1
),

shared_phone_name_keys as (
    select
        phone_key,
        name_key
    from keyed
    where phone_key is not null and name_key is not null
    group by phone_key, name_key
    having count(*) > 1
),

identity_keys as (
    select
        keyed.source_system,
        keyed.candidate_id,
        keyed.email_key,
        keyed.phone_key,
        keyed.name_key,
        shared_email_keys.email_key as shared_email_key,
        shared_phone_name_keys.phone_key as shared_phone_key,
        shared_phone_name_keys.name_key as shared_name_key
    from keyed
    left join shared_email_keys on keyed.email_key = shared_email_keys.email_key
    left join shared_phone_name_keys
        on keyed.phone_key = shared_phone_name_keys.phone_key
        and keyed.name_key = shared_phone_name_keys.name_key
)

select * from identity_keys
