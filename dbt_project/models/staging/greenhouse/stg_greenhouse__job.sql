{{ mutable_entities_config('greenhouse', 'job', 'id') }}
{%- set increment = landing_increment('greenhouse', 'job', by_key=true) %}

with

landed as (
    {{ read_landing('greenhouse', 'job') }}
),

parsed as (
    select
        id,
        name,
        {{ mapping_key('status') }} as status,
        {{ to_local_timestamp('created_at', 'greenhouse') }} as created_at,
        {{ to_local_timestamp('closed_at', 'greenhouse') }} as closed_at,
        {{ to_local_timestamp('updated_at', 'greenhouse') }} as updated_at,
        coalesce({{ parse_boolean('_fivetran_deleted') }}, false) as is_fivetran_deleted,
        created_at as created_at_text,
        closed_at as closed_at_text,
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
            ('name is null', 'missing name'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'greenhouse'), 'updated_at in the future'),
            (unreadable('created_at'), 'unparseable created_at'),
            (after_build_clock('created_at', 'greenhouse'), 'created_at in the future'),
            (unreadable('closed_at'), 'unparseable closed_at'),
            ("status not in ('open', 'closed', 'draft')", 'unknown job status'),
            (deleted_in_greenhouse('id', 'updated_at'), 'deleted in Greenhouse (_fivetran_deleted)'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'id', 'updated_at', landing_columns('greenhouse', 'job'), batches=increment.batches
) }}
