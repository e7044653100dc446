{#- Lever offers (status mapped by lever_offer_statuses). Lever has no rescinded status:
    an offer still open (pending) on an opportunity archived as rejected or withdrawn was
    withdrawn by the company, i.e. rescinded. Lever records no reason on the offer: a
    declined offer's reason is its opportunity's archive reason. -#}
with

offers as (
    select * from {{ ref('stg_lever__offer') }}
    where _fate = 'staged'
),

applications as (
    select * from {{ ref('int_lever__applications_conformed') }}
),

reason_map as (
    {{ reason_map_of('lever') }}
),

statused as (
    select
        offers.*,
        case
            when {{ lever_offer_status('offers.lever_status') }} = 'pending'
                and applications.status in ('rejected', 'withdrawn')
                then 'rescinded'
            else {{ lever_offer_status('offers.lever_status') }}
        end as status,
        applications.rejection_reason as archive_reason
    from offers
    left join applications
        on offers.application_id = applications.application_id
),

reasoned as (
    select
        statused.*,
        case when statused.status = 'declined' then statused.archive_reason end as decline_reason
    from statused
),

staged as (
    select
        'lever' as source_system,
        reasoned.offer_id,
        reasoned.application_id,
        reasoned.status,
        reasoned.extended_at,
        cast(reasoned.extended_at as date) as extended_on,
        reasoned.decline_reason,
        case
            when reasoned.decline_reason is not null then coalesce(reason_map.category, 'other')
        end as decline_category,
        reasoned.decline_reason is not null
        and reason_map.category is null as is_decline_reason_unmapped,
        reasoned.updated_at,
        reasoned._batch_id as batch_id
    from reasoned
    left join reason_map
        on {{ mapping_key('reasoned.decline_reason') }} = reason_map.reason_key
)

select * from staged
