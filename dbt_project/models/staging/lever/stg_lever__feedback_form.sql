{#- Lever feedback forms: one interviewer's evaluation of an opportunity. The rating is the
    leading integer of score_system_value (`3 - Hire` -> 3). Fivetran re-syncs a form when
    it changes, so the latest sync wins. -#}
{{ mutable_entities_config('lever', 'feedback_form', 'evaluation_id') }}
{%- set increment = landing_increment('lever', 'feedback_form', by_key=true) %}

with

landed as (
    {{ read_landing(
        'lever', 'feedback_form',
        suppressed_when=is_suppressed_application('opportunity_id', 'stg_lever__opportunity')
    ) }}
),

parsed as (
    select
        id as evaluation_id,
        opportunity_id as application_id,
        text as form_title,
        {{ to_local_timestamp('coalesce(completed_at, created_at)', 'lever') }} as evaluated_at,
        {{ parse_integer(lever_score_digits('score_system_value')) }} as rating,
        {{ to_local_timestamp('deleted_at', 'lever') }} as deleted_at,
        {{ to_local_timestamp('_fivetran_synced', 'lever') }} as synced_at,
        coalesce(completed_at, created_at) as evaluated_at_text,
        nullif(lower(score_system_value), 'null') as rating_text,
        deleted_at as deleted_at_text,
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
        -- rows without a sync time count as the oldest version
        coalesce(synced_at, cast('1970-01-01' as timestamp)) as synced_version,
        {{ first_failed_check([
            ('evaluation_id is null', 'missing id'),
            ('application_id is null', 'missing opportunity_id'),
            ('evaluated_at_text is null', 'missing completed_at and created_at'),
            (unreadable('evaluated_at'), 'unparseable completed_at or created_at'),
            (after_build_clock('evaluated_at', 'lever'), 'completed_at or created_at in the future'),
            (unreadable('rating'), 'score_system_value does not start with an integer'),
            (unreadable('deleted_at'), 'unparseable deleted_at'),
            (after_build_clock('deleted_at', 'lever'), 'deleted_at in the future'),
            (unreadable('synced_at'), 'unparseable _fivetran_synced'),
            (after_build_clock('synced_at', 'lever'), '_fivetran_synced in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins('checked', 'evaluation_id', 'synced_version', [
    'evaluation_id',
    'application_id',
    'form_title',
    'evaluated_at_text',
    'rating_text',
    'deleted_at_text',
], batches=increment.batches) }}
