{#- Lever's person is the contact (candidate_id = the contact id). A contact's record is
    assembled from its opportunities (name, anonymisation), e-mails, phones and the
    company-side residence record (docs/source-lever.md, "Persons"):
      full_name   the name on its latest opportunity version
      email       the smallest address; phone: the lowest index
      country     from contact_residences; NULL (reported) when the company has none
      updated_at  the residence record's version, else the latest opportunity version
      is_deleted  any of its opportunities is anonymised (erasure performed in Lever) -#}
with

opportunities as (
    select * from {{ ref('stg_lever__opportunity') }}
    where _fate = 'staged'
),

emails as (
    select * from {{ ref('stg_lever__contact_email') }}
    where _fate = 'staged'
),

phones as (
    select * from {{ ref('stg_lever__contact_phone') }}
    where _fate = 'staged'
),

residences as (
    select * from {{ ref('stg_lever__contact_residences') }}
    where _fate = 'staged'
),

latest_names as (
    select
        candidate_id,
        full_name,
        row_number() over (
            partition by candidate_id
            order by updated_at desc, application_id desc
        ) as name_rank
    from opportunities
),

contacts as (
    select
        candidate_id,
        min(applied_at) as created_at,
        max(updated_at) as updated_at,
        max(_batch_id) as batch_id,
        max(case when is_anonymized then 1 else 0 end) = 1 as is_deleted
    from opportunities
    group by candidate_id
),

first_emails as (
    select
        contact_id,
        min(email) as email
    from emails
    group by contact_id
),

first_phones as (
    select
        contact_id,
        phone,
        row_number() over (partition by contact_id order by phone_index asc) as phone_rank
    from phones
),

staged as (
    select
        'lever' as source_system,
        contacts.candidate_id,
        latest_names.full_name,
        first_emails.email,
        first_phones.phone,
        residences.country,
        residences.region,
        contacts.created_at,
        coalesce(residences.updated_at, contacts.updated_at) as updated_at,
        cast(coalesce(residences.updated_at, contacts.updated_at) as date) as updated_on,
        contacts.is_deleted,
        coalesce(residences._batch_id, contacts.batch_id) as batch_id
    from contacts
    left join latest_names
        on contacts.candidate_id = latest_names.candidate_id
        and latest_names.name_rank = 1
    left join first_emails
        on contacts.candidate_id = first_emails.contact_id
    left join first_phones
        on contacts.candidate_id = first_phones.contact_id
        and first_phones.phone_rank = 1
    left join residences
        on contacts.candidate_id = residences.contact_id
)

select * from staged
