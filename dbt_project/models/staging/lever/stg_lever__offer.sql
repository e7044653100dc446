{#- Lever offers. Fivetran's table has no updated_at: the sync time is the version. The
    opportunity is `opportunity_id`, or the legacy `candidate_id` of older syncs. -#}
{{ mutable_entities_config('lever', 'offer', 'offer_id') }}
{%- set increment = landing_increment('lever', 'offer', by_key=true) %}

with

landed as (
    {{ read_landing(
        'lever', 'offer',
        suppressed_when=is_suppressed_application('coalesce(opportunity_id, candidate_id)', 'stg_lever__opportunity')
    ) }}
),

parsed as (
    select
        id as offer_id,
        coalesce(opportunity_id, candidate_id) as application_id,
        {{ to_local_timestamp('created_at', 'lever') }} as extended_at,
        {{ mapping_key('status') }} as lever_status,
        {{ to_local_timestamp('_fivetran_synced', 'lever') }} as synced_at,
        coalesce(
            {{ to_local_timestamp('_fivetran_synced', 'lever') }},
            {{ to_local_timestamp('created_at', 'lever') }}
        ) as updated_at,
        created_at as extended_at_text,
        _fivetran_synced as synced_at_text,
        _batch_id,
        _source_file,
        _source_row,
        is_suppressed
    from landed
),

checked as (
    select
        *,
        {{ first_failed_check([
            ('offer_id is null', 'missing id'),
            ('application_id is null', 'missing opportunity_id and candidate_id'),
            ('extended_at_text is null', 'missing created_at'),
            (unreadable('extended_at'), 'unparseable created_at'),
            (after_build_clock('extended_at', 'lever'), 'created_at in the future'),
            ('lever_status is null', 'missing status'),
            (lever_offer_status('lever_status') ~ ' is null', 'unknown offer status'),
            (unreadable('synced_at'), 'unparseable _fivetran_synced'),
            (after_build_clock('synced_at', 'lever'), '_fivetran_synced in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins('checked', 'offer_id', 'updated_at', [
    'offer_id',
    'application_id',
    'extended_at_text',
    'lever_status',
    'synced_at_text',
], batches=increment.batches) }}
