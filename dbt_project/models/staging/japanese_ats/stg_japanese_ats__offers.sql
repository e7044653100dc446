{{ mutable_entities_config('japanese_ats', 'offers', 'offer_id') }}
{%- set increment = landing_increment('japanese_ats', 'offers', by_key=true) %}

-- 内定; 内定ステータス mapped by japanese_ats_map (macros/japanese_ats.sql).
with

landed as (
    {{ read_landing(
        'japanese_ats', 'offers',
        suppressed_when=is_suppressed_application('application_id', 'stg_japanese_ats__applications')
    ) }}
),

parsed as (
    select
        offer_id,
        application_id,
        {{ to_local_timestamp('extended_at', 'japanese_ats') }} as extended_at,
        {{ japanese_ats_map('status', 'offer_status') }} as status,
        decline_reason,
        {{ to_local_timestamp('updated_at', 'japanese_ats') }} as updated_at,
        extended_at as extended_at_text,
        status as status_text,
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
            (after_build_clock('extended_at', 'japanese_ats'), 'extended_at in the future'),
            ('status_text is null', 'missing status'),
            (unreadable('status'), 'unknown offer status'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'japanese_ats'), 'updated_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'offer_id', 'updated_at', landing_columns('japanese_ats', 'offers'), batches=increment.batches
) }}
