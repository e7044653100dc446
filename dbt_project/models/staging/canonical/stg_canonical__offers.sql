{{ mutable_entities_config('canonical', 'offers', 'offer_id') }}
{%- set increment = landing_increment('canonical', 'offers', by_key=true) %}

with

landed as (
    {{ read_landing(
        'canonical', 'offers',
        suppressed_when=is_suppressed_application('application_id', 'stg_canonical__applications')
    ) }}
),

parsed as (
    select
        offer_id,
        application_id,
        {{ to_local_timestamp('extended_at', 'canonical') }} as extended_at,
        {{ mapping_key('status') }} as status,
        decline_reason,
        {{ to_local_timestamp('updated_at', 'canonical') }} as updated_at,
        extended_at as extended_at_text,
        updated_at as updated_at_text,
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
            ('offer_id is null', 'missing offer_id'),
            ('application_id is null', 'missing application_id'),
            ('extended_at_text is null', 'missing extended_at'),
            (unreadable('extended_at'), 'unparseable extended_at'),
            ('status is null', 'missing status'),
            ("status not in ('pending', 'accepted', 'declined', 'rescinded')", 'unknown offer status'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('extended_at', 'canonical'), 'extended_at in the future'),
            (after_build_clock('updated_at', 'canonical'), 'updated_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'offer_id', 'updated_at', landing_columns('canonical', 'offers'), batches=increment.batches
) }}
