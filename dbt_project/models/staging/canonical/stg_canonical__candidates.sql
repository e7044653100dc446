{{ mutable_entities_config('canonical', 'candidates', 'candidate_id') }}
{%- set increment = landing_increment('canonical', 'candidates', by_key=true) %}

with

landed as (
    {{ read_landing('canonical', 'candidates', suppressed_when=is_tombstoned('candidate_id', 'canonical')) }}
),

parsed as (
    select
        candidate_id,
        full_name,
        email,
        phone,
        upper(country) as country,
        upper(region) as region,
        {{ to_local_timestamp('created_at', 'canonical') }} as created_at,
        {{ to_local_timestamp('updated_at', 'canonical') }} as updated_at,
        coalesce({{ parse_boolean('is_deleted') }}, false) as is_deleted,
        created_at as created_at_text,
        updated_at as updated_at_text,
        is_deleted as is_deleted_text,
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
            ('candidate_id is null', 'missing candidate_id'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            (unreadable('created_at'), 'unparseable created_at'),
            (after_build_clock('updated_at', 'canonical'), 'updated_at in the future'),
            (after_build_clock('created_at', 'canonical'), 'created_at in the future'),
            ('country is null', 'missing country'),
            ("not " ~ regexp_like('country', "'^[A-Z]{2}$'"), 'country is not an ISO 3166-1 alpha-2 code'),
            ("is_deleted_text is not null and " ~ parse_boolean('is_deleted_text') ~ " is null", 'unreadable is_deleted'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'candidate_id', 'updated_at', landing_columns('canonical', 'candidates'), batches=increment.batches
) }}
