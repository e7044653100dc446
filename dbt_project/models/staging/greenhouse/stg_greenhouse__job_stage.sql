{{ mutable_entities_config('greenhouse', 'job_stage', 'id') }}
{%- set increment = landing_increment('greenhouse', 'job_stage', by_key=true) %}

with

landed as (
    {{ read_landing('greenhouse', 'job_stage') }}
),

parsed as (
    select
        id,
        job_id,
        name,
        {{ to_local_timestamp('updated_at', 'greenhouse') }} as updated_at,
        coalesce({{ parse_boolean('_fivetran_deleted') }}, false) as is_fivetran_deleted,
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
            (deleted_in_greenhouse('id', 'updated_at'), 'deleted in Greenhouse (_fivetran_deleted)'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'id', 'updated_at', landing_columns('greenhouse', 'job_stage'), batches=increment.batches
) }}
