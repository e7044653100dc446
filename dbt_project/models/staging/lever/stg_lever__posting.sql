{#- Lever postings: the jobs. Mutable, latest updated_at (else sync time) wins. -#}
{{ mutable_entities_config('lever', 'posting', 'job_id') }}
{%- set increment = landing_increment('lever', 'posting', by_key=true) %}

with

landed as (
    {{ read_landing('lever', 'posting') }}
),

parsed as (
    select
        id as job_id,
        text as title,
        categories_team as job_family,
        categories_department as department,
        categories_location as posting_location,
        {{ mapping_key('state') }} as state,
        {{ to_local_timestamp('created_at', 'lever') }} as opened_at,
        {{ to_local_timestamp('coalesce(updated_at, _fivetran_synced, created_at)', 'lever') }} as updated_at,
        created_at as opened_at_text,
        coalesce(updated_at, _fivetran_synced, created_at) as updated_at_text,
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
            ('job_id is null', 'missing id'),
            ('title is null', 'missing text'),
            ('updated_at_text is null', 'missing updated_at, _fivetran_synced and created_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'lever'), 'updated_at in the future'),
            (unreadable('opened_at'), 'unparseable created_at'),
            (after_build_clock('opened_at', 'lever'), 'created_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins('checked', 'job_id', 'updated_at', [
    'job_id',
    'title',
    'job_family',
    'department',
    'posting_location',
    'state',
    'opened_at_text',
    'updated_at_text',
], batches=increment.batches) }}
