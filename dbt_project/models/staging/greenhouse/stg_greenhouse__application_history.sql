{#- Append-only. Fivetran's table has no id: a change is keyed by everything it says
    (application, time, new stage, new status), so an identical re-delivery is recognised. -#}
with

landed as (
    {{ read_landing(
        'greenhouse', 'application_history',
        suppressed_when=is_suppressed_application('application_id', 'stg_greenhouse__application', 'id')
    ) }}
),

parsed as (
    select
        {{ dbt.concat([
            'application_id', "'@'", 'updated_at',
            "'#'", "coalesce(new_stage_id, '')", "'#'", "coalesce(new_status, '')",
        ]) }} as history_key,
        application_id,
        {{ to_local_timestamp('updated_at', 'greenhouse') }} as updated_at,
        new_stage_id,
        {{ mapping_key('new_status') }} as new_status,
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
            ('application_id is null', 'missing application_id'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'greenhouse'), 'updated_at in the future'),
            ('new_stage_id is null and new_status is null', 'neither new_stage_id nor new_status'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins('checked', 'history_key', ['application_id', 'updated_at', 'new_stage_id', 'new_status']) }}
