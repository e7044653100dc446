{#- Lever opportunities: one candidacy of a contact, i.e. an application. Mutable: the
    latest version wins, by updated_at (Fivetran leaves it empty on some rows, then the
    sync time stands in). -#}
{{ mutable_entities_config('lever', 'opportunity', 'application_id') }}
{%- set increment = landing_increment('lever', 'opportunity', by_key=true) %}

with

landed as (
    {{ read_landing('lever', 'opportunity', suppressed_when=is_tombstoned('contact', 'lever')) }}
),

parsed as (
    select
        id as application_id,
        contact as candidate_id,
        name as full_name,
        stage_id,
        {{ to_local_timestamp('created_at', 'lever') }} as applied_at,
        {{ to_local_timestamp('archived_at', 'lever') }} as archived_at,
        archived_reason_id,
        {{ to_local_timestamp('coalesce(updated_at, _fivetran_synced)', 'lever') }} as updated_at,
        {{ parse_boolean('is_anonymized') }} as is_anonymized,
        {{ parse_boolean('data_protection_store_allowed') }} as is_store_allowed,
        {{ to_local_timestamp('data_protection_store_expires_at', 'lever') }} as store_expires_at,
        {{ parse_boolean('data_protection_contact_allowed') }} as is_contact_allowed,
        {{ to_local_timestamp('data_protection_contact_expires_at', 'lever') }} as contact_expires_at,
        created_at as applied_at_text,
        archived_at as archived_at_text,
        coalesce(updated_at, _fivetran_synced) as updated_at_text,
        is_anonymized as is_anonymized_text,
        data_protection_store_allowed as is_store_allowed_text,
        data_protection_store_expires_at as store_expires_at_text,
        data_protection_contact_allowed as is_contact_allowed_text,
        data_protection_contact_expires_at as contact_expires_at_text,
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
            ('application_id is null', 'missing id'),
            ('candidate_id is null', 'missing contact'),
            ('applied_at_text is null', 'missing created_at'),
            (unreadable('applied_at'), 'unparseable created_at'),
            (after_build_clock('applied_at', 'lever'), 'created_at in the future'),
            ('updated_at_text is null', 'missing updated_at and _fivetran_synced'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'lever'), 'updated_at in the future'),
            (unreadable('archived_at'), 'unparseable archived_at'),
            (after_build_clock('archived_at', 'lever'), 'archived_at in the future'),
            (unreadable('is_anonymized'), 'unreadable is_anonymized'),
            (unreadable('is_store_allowed'), 'unreadable data_protection_store_allowed'),
            (unreadable('store_expires_at'), 'unparseable data_protection_store_expires_at'),
            (unreadable('is_contact_allowed'), 'unreadable data_protection_contact_allowed'),
            (unreadable('contact_expires_at'), 'unparseable data_protection_contact_expires_at'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins('checked', 'application_id', 'updated_at', [
    'application_id',
    'candidate_id',
    'full_name',
    'stage_id',
    'applied_at_text',
    'archived_at_text',
    'archived_reason_id',
    'updated_at_text',
    'is_anonymized_text',
    'is_store_allowed_text',
    'store_expires_at_text',
    'is_contact_allowed_text',
    'contact_expires_at_text',
], batches=increment.batches) }}
