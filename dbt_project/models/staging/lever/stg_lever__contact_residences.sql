{#- Company-side: a contact's country and region of residence (Lever's `location` is free
    text). Mutable, latest updated_at wins; its version is the person record's version. -#}
{{ mutable_entities_config('lever', 'contact_residences', 'contact_id') }}
{%- set increment = landing_increment('lever', 'contact_residences', by_key=true) %}

with

landed as (
    {{ read_landing('lever', 'contact_residences', suppressed_when=is_tombstoned('contact_id', 'lever')) }}
),

parsed as (
    select
        contact_id,
        upper(country) as country,
        upper(region) as region,
        {{ to_local_timestamp('updated_at', 'lever') }} as updated_at,
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
            ('contact_id is null', 'missing contact_id'),
            ('country is null', 'missing country'),
            ("not " ~ regexp_like('country', "'^[A-Z]{2}$'"), 'country is not an ISO 3166-1 alpha-2 code'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (after_build_clock('updated_at', 'lever'), 'updated_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'contact_id', 'updated_at', landing_columns('lever', 'contact_residences'), batches=increment.batches
) }}
