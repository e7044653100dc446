{#- Cross-source identity (docs/identity.md): which candidate records, in any source,
    are one person. Two records match when they have the same e-mail key, or the same
    phone key and the same name key; matching is transitive. Label propagation: every
    record starts with its own key as person_label and takes the smallest person_label of
    any record it matches, var('identity_rounds') times (a data test proves no further round
    would change one). person_id is the hash of the smallest record key of the person, so
    a person of one record keeps the id md5(source_system|candidate_id).
    Only records that share a key with another record can match: the propagation runs over
    those (a few in a thousand), every other record is a person of its own. -#}
with

identity_keys as (select * from {{ ref('int_identity_keys') }}),

keyed as (
    select
        *,
        {{ dbt.concat(['source_system', "'|'", 'candidate_id']) }} as record_key
    from identity_keys
),

-- the records that match at least one other record, with the keys they share
matching as (
    select
        record_key,
        shared_email_key as email_key,
        shared_phone_key as phone_key,
        shared_name_key as name_key
    from keyed
    where shared_email_key is not null or shared_phone_key is not null
),

labels_0 as (
    select
        record_key,
        record_key as person_label
    from matching
),

{% for round in range(1, var('identity_rounds') + 1) %}
{%- set previous = 'labels_' ~ (round - 1) %}
email_labels_{{ round }} as (
    select
        matching.email_key,
        min({{ previous }}.person_label) as person_label
    from matching
    inner join {{ previous }} on matching.record_key = {{ previous }}.record_key
    where matching.email_key is not null
    group by matching.email_key
),

phone_name_labels_{{ round }} as (
    select
        matching.phone_key,
        matching.name_key,
        min({{ previous }}.person_label) as person_label
    from matching
    inner join {{ previous }} on matching.record_key = {{ previous }}.record_key
    where matching.phone_key is not null
    group by matching.phone_key, matching.name_key
),

labels_{{ round }} as (
    select
        matching.record_key,
        least(
            {{ previous }}.person_label,
            coalesce(email_labels_{{ round }}.person_label, {{ previous }}.person_label),
            coalesce(phone_name_labels_{{ round }}.person_label, {{ previous }}.person_label)
        ) as person_label
    from matching
    inner join {{ previous }} on matching.record_key = {{ previous }}.record_key
    left join email_labels_{{ round }} on matching.email_key = email_labels_{{ round }}.email_key
    left join phone_name_labels_{{ round }}
        on matching.phone_key = phone_name_labels_{{ round }}.phone_key
        and matching.name_key = phone_name_labels_{{ round }}.name_key
),

{% endfor %}

labelled as (
    select
        keyed.source_system,
        keyed.candidate_id,
        keyed.email_key,
        keyed.phone_key,
        keyed.name_key,
        coalesce(labels.person_label, keyed.record_key) as person_label
    from keyed
    left join labels_{{ var('identity_rounds') }} as labels on keyed.record_key = labels.record_key
),

-- The matching keys are kept only as hashes: enough to prove the matching converged.
identified as (
    select
        source_system,
        candidate_id,
        {{ dbt.hash('person_label') }} as person_id,
        count(*) over (partition by person_label) as person_records,
        {{ dbt.hash('email_key') }} as email_key_hash,
        case
            when phone_key is not null and name_key is not null
                then {{ dbt.hash(dbt.concat(['phone_key', "'|'", 'name_key'])) }}
        end as phone_name_key_hash
    from labelled
)

select * from identified
