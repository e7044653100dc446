{#- int_person_identity stops after var('identity_rounds') rounds of label propagation.
    If records that match (same e-mail, or same phone and name) still carry different
    person_ids, a chain of matches was longer than that: raise identity_rounds. -#}
{{ config(severity='error') }}

with

identity as (select * from {{ ref('int_person_identity') }}),

split_email_matches as (
    select
        'email' as matching_key,
        email_key_hash as key_hash,
        count(distinct person_id) as person_ids
    from identity
    where email_key_hash is not null
    group by email_key_hash
    having count(distinct person_id) > 1
),

split_phone_name_matches as (
    select
        'phone_and_name' as matching_key,
        phone_name_key_hash as key_hash,
        count(distinct person_id) as person_ids
    from identity
    where phone_name_key_hash is not null
    group by phone_name_key_hash
    having count(distinct person_id) > 1
)

select * from split_email_matches
union all
select * from split_phone_name_matches
