{{ mutable_entities_config('greenhouse', 'scorecard', 'id') }}
{%- set increment = landing_increment('greenhouse', 'scorecard', by_key=true) %}

with

landed as (
    {{ read_landing(
        'greenhouse', 'scorecard',
        suppressed_when=is_suppressed_application('application_id', 'stg_greenhouse__application', 'id')
    ) }}
),

parsed as (
    select
        id,
        application_id,
        interview,
        overall_recommendation,
        {{ greenhouse_rating('overall_recommendation') }} as rating,
        {{ to_local_timestamp('submitted_at', 'greenhouse') }} as submitted_at,
        {{ to_local_timestamp('updated_at', 'greenhouse') }} as updated_at,
        coalesce({{ parse_boolean('_fivetran_deleted') }}, false) as is_fivetran_deleted,
        submitted_at as submitted_at_text,
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
            ('submitted_at_text is null', 'missing submitted_at'),
            (unreadable('submitted_at'), 'unparseable submitted_at'),
            (after_build_clock('submitted_at', 'greenhouse'), 'submitted_at in the future'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'greenhouse'), 'updated_at in the future'),
            ('overall_recommendation is not null and rating is null', 'unknown overall_recommendation'),
            (deleted_in_greenhouse('id', 'updated_at'), 'deleted in Greenhouse (_fivetran_deleted)'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'id', 'updated_at', landing_columns('greenhouse', 'scorecard'), batches=increment.batches
) }}
