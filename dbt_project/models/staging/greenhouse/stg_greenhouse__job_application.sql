{#- Keyed by (application_id, job_id); a link is a fact, so the first delivery wins. -#}
with

landed as (
    {{ read_landing(
        'greenhouse', 'job_application',
        suppressed_when=is_suppressed_application('application_id', 'stg_greenhouse__application', 'id')
    ) }}
),

parsed as (
    select
        {{ dbt.concat(['application_id', "'#'", 'job_id']) }} as job_application_key,
        application_id,
        job_id,
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
            ('job_id is null', 'missing job_id'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins('checked', 'job_application_key', ['application_id', 'job_id']) }}
