{{ mutable_entities_config('greenhouse', 'candidate', 'id') }}
{%- set increment = landing_increment('greenhouse', 'candidate', by_key=true) %}

with

landed as (
    {{ read_landing(
        'greenhouse', 'candidate',
        suppressed_when=is_tombstoned('id', 'greenhouse')
    ) }}
),

parsed as (
    select
        id,
        first_name,
        last_name,
        {{ to_local_timestamp('created_at', 'greenhouse') }} as created_at,
        {{ to_local_timestamp('updated_at', 'greenhouse') }} as updated_at,
        coalesce({{ parse_boolean('_fivetran_deleted') }}, false) as is_fivetran_deleted,
        {{ parse_boolean('can_email') }} as can_email,
        {{ parse_boolean('gdpr_retention_consent_given') }} as gdpr_retention_consent_given,
        upper(custom_country) as custom_country,
        upper(custom_region) as custom_region,
        created_at as created_at_text,
        updated_at as updated_at_text,
        _fivetran_deleted as is_fivetran_deleted_text,
        can_email as can_email_text,
        gdpr_retention_consent_given as gdpr_retention_consent_given_text,
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
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'greenhouse'), 'updated_at in the future'),
            (unreadable('created_at'), 'unparseable created_at'),
            (after_build_clock('created_at', 'greenhouse'), 'created_at in the future'),
            ("is_fivetran_deleted_text is not null and " ~ parse_boolean('is_fivetran_deleted_text') ~ " is null", 'unreadable _fivetran_deleted'),
            (unreadable('can_email'), 'unreadable can_email'),
            (unreadable('gdpr_retention_consent_given'), 'unreadable gdpr_retention_consent_given'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'id', 'updated_at', landing_columns('greenhouse', 'candidate'), batches=increment.batches
) }}
