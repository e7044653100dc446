with

offers as (
    select * from {{ ref('stg_japanese_ats__offers') }}
    where _fate = 'staged'
),

reason_map as (
    {{ reason_map_of('japanese_ats') }}
),

staged as (
    select
        'japanese_ats' as source_system,
        offers.offer_id,
        offers.application_id,
        offers.status,
        offers.extended_at,
        cast(offers.extended_at as date) as extended_on,
        offers.decline_reason,
        case
            when offers.decline_reason is not null then coalesce(reason_map.category, 'other')
        end as decline_category,
        offers.decline_reason is not null
        and reason_map.category is null as is_decline_reason_unmapped,
        offers.updated_at,
        offers._batch_id as batch_id
    from offers
    left join reason_map
        on {{ mapping_key('offers.decline_reason') }} = reason_map.reason_key
)

select * from staged
