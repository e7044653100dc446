{#- Lever offers (status mapped by lever_offer_statuses). Lever records no reason on the
    offer: a declined offer's reason is its opportunity's archive reason. -#}
with

offers as (
    select * from {{ ref('base_lever__offers') }}
    where _fate = 'staged'
),

applications as (
    select * from {{ ref('stg_lever__applications') }}
),

reason_map as (
    select
        {{ mapping_key('source_reason') }} as reason_key,
        category
    from {{ ref('rejection_reason_map') }}
    where source_system = 'lever'
),

statused as (
    select
        offers.*,
        {{ lever_offer_status('offers.lever_status') }} as status
    from offers
),

reasoned as (
    select
        statused.*,
        case when statused.status = 'declined' then applications.rejection_reason end as decline_reason
    from statused
    left join applications
        on statused.application_id = applications.application_id
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
