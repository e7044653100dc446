{#- Greenhouse has no country of residence: it comes from the custom candidate fields
    custom_country / custom_region; without a valid ISO code it is NULL and the person
    falls under the 'default' jurisdiction (docs/source-greenhouse.md). -#}
with

candidates as (
    select * from {{ ref('stg_greenhouse__candidate') }}
    where _fate = 'staged'
),

email_addresses as (
    select * from {{ ref('stg_greenhouse__email_address') }}
    where _fate = 'staged'
),

phone_numbers as (
    select * from {{ ref('stg_greenhouse__phone_number') }}
    where _fate = 'staged'
),

first_emails as (
    select
        candidate_id,
        value as email,
        row_number() over (partition by candidate_id order by position, contact_key) as position_rank
    from email_addresses
    where value is not null
),

first_phones as (
    select
        candidate_id,
        value as phone,
        row_number() over (partition by candidate_id order by position, contact_key) as position_rank
    from phone_numbers
    where value is not null
),

staged as (
    select
        'greenhouse' as source_system,
        candidates.id as candidate_id,
        nullif(trim({{ dbt.concat([
            "coalesce(candidates.first_name, '')", "' '", "coalesce(candidates.last_name, '')",
        ]) }}), '') as full_name,
        first_emails.email,
        first_phones.phone,
        case
            when {{ regexp_like('candidates.custom_country', "'^[A-Z]{2}$'") }} then candidates.custom_country
        end as country,
        case
            when {{ regexp_like('candidates.custom_country', "'^[A-Z]{2}$'") }} then candidates.custom_region
        end as region,
        candidates.created_at,
        candidates.updated_at,
        cast(candidates.updated_at as date) as updated_on,
        candidates.is_fivetran_deleted as is_deleted,
        candidates._batch_id as batch_id
    from candidates
    left join first_emails
        on candidates.id = first_emails.candidate_id
        and first_emails.position_rank = 1
    left join first_phones
        on candidates.id = first_phones.candidate_id
        and first_phones.position_rank = 1
)

select * from staged
