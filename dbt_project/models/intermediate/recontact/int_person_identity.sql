{#- Cross-source identity (docs/identity.md): which candidate records, in any source,
    are one person. Two records match when they have the same e-mail key, or the same
    phone key and the same name key; matching is transitive. Label propagation: every
    record starts with its own key as person_label and takes the smallest person_label of
    any record it matches, var('identity_rounds') times (a data test proves no further round
    would change one). person_id is the hash of the smallest record key of the person, so
    a person of one record keeps the id md5(source_system|candidate_id).
    Only records that share a key with another record can match: the propagation runs over
    those (a few in a thousand), every other record is a person of its own.

    Incremental (docs/identity.md, "A daily run"): a run recomputes only the persons a
    changed record can touch, and keeps every other row. A record is changed when it is
    new, gone, or its matching keys differ from the ones this table holds (their hashes);
    the persons recomputed are the ones the changed records belonged to (a person can
    split) and the ones holding a record that shares a key with a changed record (persons
    can merge). Spark's Parquet tables take no delete: there the model is a table. -#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    incremental_strategy='delete+insert',
    unique_key=['source_system', 'candidate_id'],
    on_schema_change='fail',
    post_hook="{{ delete_identity_of_gone_records() }}",
) }}
with

identity_keys as (select * from {{ ref('int_identity_keys') }}),

keyed as (
    select
        *,
        {{ dbt.concat(['source_system', "'|'", 'candidate_id']) }} as record_key,
        {{ dbt.hash('email_key') }} as email_key_hash,
        case
            when phone_key is not null and name_key is not null
                then {{ dbt.hash(dbt.concat(['phone_key', "'|'", 'name_key'])) }}
        end as phone_name_key_hash
    from identity_keys
),

{% if is_incremental() %}
previous as (
    select
        source_system,
        candidate_id,
        person_id,
        email_key_hash,
        phone_name_key_hash
    from {{ this }}
),

-- new records, and records whose matching keys changed
changed_records as (
    select keyed.*
    from keyed
    left join previous
        on keyed.source_system = previous.source_system
        and keyed.candidate_id = previous.candidate_id
    where
        previous.candidate_id is null
        or previous.email_key_hash is distinct from keyed.email_key_hash
        or previous.phone_name_key_hash is distinct from keyed.phone_name_key_hash
),

-- the shared keys whose records this table gives more than one person: the matching had not
-- converged (assert_identity_matching_converged failed), and a run with more
-- identity_rounds recomputes those persons
split_keys as (
    select
        keyed.shared_email_key,
        keyed.shared_phone_key,
        keyed.shared_name_key,
        previous.person_id
    from keyed
    inner join previous
        on keyed.source_system = previous.source_system
        and keyed.candidate_id = previous.candidate_id
    where keyed.shared_email_key is not null or keyed.shared_phone_key is not null
),

-- the persons a changed or gone record belonged to, the persons of every record that
-- shares a key with a changed record, and the persons not converged yet
touched_persons as (
    select previous.person_id
    from previous
    inner join changed_records
        on previous.source_system = changed_records.source_system
        and previous.candidate_id = changed_records.candidate_id

    union

    select previous.person_id
    from previous
    left join keyed
        on previous.source_system = keyed.source_system
        and previous.candidate_id = keyed.candidate_id
    where keyed.candidate_id is null

    union

    select previous.person_id
    from keyed
    inner join changed_records on keyed.shared_email_key = changed_records.email_key
    inner join previous
        on keyed.source_system = previous.source_system
        and keyed.candidate_id = previous.candidate_id

    union

    select previous.person_id
    from keyed
    inner join changed_records
        on keyed.shared_phone_key = changed_records.phone_key
        and keyed.shared_name_key = changed_records.name_key
    inner join previous
        on keyed.source_system = previous.source_system
        and keyed.candidate_id = previous.candidate_id

    union

    select split_keys.person_id
    from split_keys
    where split_keys.shared_email_key in (
        select shared_email_key
        from split_keys
        group by shared_email_key
        having count(distinct person_id) > 1
    )

    union

    select split_keys.person_id
    from split_keys
    inner join (
        select
            shared_phone_key,
            shared_name_key
        from split_keys
        where shared_phone_key is not null
        group by shared_phone_key, shared_name_key
        having count(distinct person_id) > 1
    ) as split_phone_name_keys
        on split_keys.shared_phone_key = split_phone_name_keys.shared_phone_key
        and split_keys.shared_name_key = split_phone_name_keys.shared_name_key
),

-- what this run recomputes: every record of a touched person, and the changed records
recomputed as (
    select keyed.*
    from keyed
    inner join previous
        on keyed.source_system = previous.source_system
        and keyed.candidate_id = previous.candidate_id
    where previous.person_id in (select touched_persons.person_id from touched_persons)

    union

    select *
    from changed_records
),
{% else %}
recomputed as (select * from keyed),
{% endif %}

-- the records that match at least one other record, with the keys they share
matching as (
    select
        record_key,
        shared_email_key as email_key,
        shared_phone_key as phone_key,
        shared_name_key as name_key
    from recomputed
    where shared_email_key is not null or shared_phone_key is not null
),

labels_0 as (
    select
        record_key,
        record_key as person_label
    from matching
),

{% for round in range(1, var('identity_rounds') + 1) %}
{%- set previous_labels = 'labels_' ~ (round - 1) %}
email_labels_{{ round }} as (
    select
        matching.email_key,
        min({{ previous_labels }}.person_label) as person_label
    from matching
    inner join {{ previous_labels }} on matching.record_key = {{ previous_labels }}.record_key
    where matching.email_key is not null
    group by matching.email_key
),

phone_name_labels_{{ round }} as (
    select
        matching.phone_key,
        matching.name_key,
        min({{ previous_labels }}.person_label) as person_label
    from matching
    inner join {{ previous_labels }} on matching.record_key = {{ previous_labels }}.record_key
    where matching.phone_key is not null
    group by matching.phone_key, matching.name_key
),

labels_{{ round }} as (
    select
        matching.record_key,
        least(
            {{ previous_labels }}.person_label,
            coalesce(email_labels_{{ round }}.person_label, {{ previous_labels }}.person_label),
            coalesce(phone_name_labels_{{ round }}.person_label, {{ previous_labels }}.person_label)
        ) as person_label
    from matching
    inner join {{ previous_labels }} on matching.record_key = {{ previous_labels }}.record_key
    left join email_labels_{{ round }} on matching.email_key = email_labels_{{ round }}.email_key
    left join phone_name_labels_{{ round }}
        on matching.phone_key = phone_name_labels_{{ round }}.phone_key
        and matching.name_key = phone_name_labels_{{ round }}.name_key
),

{% endfor %}

labelled as (
    select
        recomputed.source_system,
        recomputed.candidate_id,
        recomputed.email_key_hash,
        recomputed.phone_name_key_hash,
        coalesce(labels.person_label, recomputed.record_key) as person_label
    from recomputed
    left join labels_{{ var('identity_rounds') }} as labels on recomputed.record_key = labels.record_key
),

-- The matching keys are kept only as hashes: enough to prove the matching converged, and
-- to tell a changed record in the next run.
identified as (
    select
        source_system,
        candidate_id,
        {{ dbt.hash('person_label') }} as person_id,
        count(*) over (partition by person_label) as person_records,
        email_key_hash,
        phone_name_key_hash
    from labelled
)

select * from identified
