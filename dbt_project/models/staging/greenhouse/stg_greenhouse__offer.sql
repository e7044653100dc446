{{ mutable_entities_config('greenhouse', 'offer', 'id') }}
{%- set increment = landing_increment('greenhouse', 'offer', by_key=true) %}

with

landed as (
    {{ read_landing(
        'greenhouse', 'offer',
        suppressed_when=is_suppressed_application('application_id', 'stg_greenhouse__application', 'id')
    ) }}
),

parsed as (
    select
        id,
        application_id,
        {{ to_local_timestamp('created_at', 'greenhouse') }} as created_at,
        {{ to_local_timestamp('sent_at', 'greenhouse') }} as sent_at,
        {{ to_local_timestamp('resolved_at', 'greenhouse') }} as resolved_at,
        {{ mapping_key('status') }} as status,
        custom_decline_reason,
        {{ to_local_timestamp('updated_at', 'greenhouse') }} as updated_at,
        coalesce({{ parse_boolean('_fivetran_deleted') }}, false) as is_fivetran_deleted,
        created_at as created_at_text,
        sent_at as sent_at_text,
        resolved_at as resolved_at_text,
        updated_at as updated_at_text,
        _fivetran_deleted,
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
            ('id is null', 'missing id'),
            ('application_id is null', 'missing application_id'),
            (unreadable('created_at'), 'unparseable created_at'),
            (after_build_clock('created_at', 'greenhouse'), 'created_at in the future'),
            (unreadable('sent_at'), 'unparseable sent_at'),
            (after_build_clock('sent_at', 'greenhouse'), 'sent_at in the future'),
            (unreadable('resolved_at'), 'unparseable resolved_at'),
            (after_build_clock('resolved_at', 'greenhouse'), 'resolved_at in the future'),
            ('sent_at is null and created_at is null', 'neither sent_at nor created_at'),
            ('status is null', 'missing status'),
            ("status not in ('unresolved', 'accepted', 'rejected', 'deprecated')", 'unknown offer status'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'greenhouse'), 'updated_at in the future'),
            (deleted_in_greenhouse('id', 'updated_at'), 'deleted in Greenhouse (_fivetran_deleted)'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'id', 'updated_at', landing_columns('greenhouse', 'offer'), batches=increment.batches
) }}
