{#- Cross-source identity (docs/identity.md): which candidate records, in any source,
    are one person. Two records match when they have the same e-mail key, or the same
    phone key and the same name key; matching is transitive. Label propagation: every
    record starts with its own key as person_label and takes the smallest person_label of
    any record it matches, var('identity_rounds') times (a data test proves no further round
    would change one). person_id is the hash of the smallest record key of the person, so
    a person of one record keeps the id md5(source_system|candidate_id). -#}
with

candidates as (select * from {{ ref('int_candidates_unioned') }}),

keyed as (
    select
        source_system,
        candidate_id,
        {{ dbt.concat(['source_system', "'|'", 'candidate_id']) }} as record_key,
        {{ identity_email_key('email') }} as email_key,
        {{ identity_phone_key('phone') }} as phone_key,
        {{ identity_name_key('full_name') }} as name_key
    from candidates
),

labels_0 as (
    select
        record_key,
        record_key as person_label
    from keyed
),

{% for round in range(1, var('identity_rounds') + 1) %}
{%- set previous = 'labels_' ~ (round - 1) %}
email_labels_{{ round }} as (
    select
        keyed.email_key,
        min({{ previous }}.person_label) as person_label
    from keyed
    inner join {{ previous }} on keyed.record_key = {{ previous }}.record_key
    where keyed.email_key is not null
    group by keyed.email_key
),

phone_name_labels_{{ round }} as (
    select
        keyed.phone_key,
        keyed.name_key,
        min({{ previous }}.person_label) as person_label
    from keyed
    inner join {{ previous }} on keyed.record_key = {{ previous }}.record_key
    where keyed.phone_key is not null and keyed.name_key is not null
    group by keyed.phone_key, keyed.name_key
),

labels_{{ round }} as (
    select
        keyed.record_key,
        least(
            {{ previous }}.person_label,
            coalesce(email_labels_{{ round }}.person_label, {{ previous }}.person_label),
            coalesce(phone_name_labels_{{ round }}.person_label, {{ previous }}.person_label)
        ) as person_label
    from keyed
    inner join {{ previous }} on keyed.record_key = {{ previous }}.record_key
    left join email_labels_{{ round }} on keyed.email_key = email_labels_{{ round }}.email_key
    left join phone_name_labels_{{ round }}
        on keyed.phone_key = phone_name_labels_{{ round }}.phone_key
        and keyed.name_key = phone_name_labels_{{ round }}.name_key
),

{% endfor %}

-- The matching keys are kept only as hashes: enough to prove the matching converged.
identified as (
    select
        keyed.source_system,
        keyed.candidate_id,
        {{ dbt.hash('labels.person_label') }} as person_id,
        count(*) over (partition by labels.person_label) as person_records,
        {{ dbt.hash('keyed.email_key') }} as email_key_hash,
        case
            when keyed.phone_key is not null and keyed.name_key is not null
                then {{ dbt.hash(dbt.concat(['keyed.phone_key', "'|'", 'keyed.name_key'])) }}
        end as phone_name_key_hash
    from keyed
    inner join labels_{{ var('identity_rounds') }} as labels on keyed.record_key = labels.record_key
)

select * from identified
