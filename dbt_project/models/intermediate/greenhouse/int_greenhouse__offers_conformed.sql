with

offers as (
    select * from {{ ref('stg_greenhouse__offer') }}
    where _fate = 'staged'
),

reason_map as (
    {{ reason_map_of('greenhouse') }}
),

staged as (
    select
        'greenhouse' as source_system,
        offers.id as offer_id,
        offers.application_id,
        -- Greenhouse's offer statuses: unresolved, accepted, rejected (by the candidate), deprecated
        case offers.status
            when 'unresolved' then 'pending'
            when 'accepted' then 'accepted'
            when 'rejected' then 'declined'
            when 'deprecated' then 'rescinded'
        end as status,
        coalesce(offers.sent_at, offers.created_at) as extended_at,
        cast(coalesce(offers.sent_at, offers.created_at) as date) as extended_on,
        offers.custom_decline_reason as decline_reason,
        case
            when offers.custom_decline_reason is not null then coalesce(reason_map.category, 'other')
        end as decline_category,
        offers.custom_decline_reason is not null
        and reason_map.category is null as is_decline_reason_unmapped,
        offers.updated_at,
        offers._batch_id as batch_id
    from offers
    left join reason_map
        on {{ mapping_key('offers.custom_decline_reason') }} = reason_map.reason_key
)

select * from staged
