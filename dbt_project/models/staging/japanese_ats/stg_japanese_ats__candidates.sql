{{ mutable_entities_config('japanese_ats', 'candidates', 'candidate_id') }}
{%- set increment = landing_increment('japanese_ats', 'candidates', by_key=true) %}

-- 応募者 as decoded by loader/decode.py (NFKC names, e-mails, phones; ISO dates;
-- 都道府県 as JIS X 0401 codes). 削除フラグ is 1/0 (or true/false).
with

landed as (
    {{ read_landing('japanese_ats', 'candidates', suppressed_when=is_tombstoned('candidate_id', 'japanese_ats')) }}
),

parsed as (
    select
        candidate_id,
        full_name,
        name_kana,
        email,
        phone,
        upper(country) as country,
        upper(region) as region,
        {{ to_local_timestamp('created_at', 'japanese_ats') }} as created_at,
        {{ to_local_timestamp('updated_at', 'japanese_ats') }} as updated_at,
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
            (after_build_clock('updated_at', 'japanese_ats'), 'updated_at in the future'),
            (unreadable('created_at'), 'unparseable created_at'),
            (after_build_clock('created_at', 'japanese_ats'), 'created_at in the future'),
            ('country is null', 'missing country'),
            ("not " ~ regexp_like('country', "'^[A-Z]{2}$'"), 'country is not an ISO 3166-1 alpha-2 code'),
            ("is_deleted_text is not null and " ~ parse_boolean('is_deleted_text') ~ " is null", 'unreadable is_deleted'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'candidate_id', 'updated_at', landing_columns('japanese_ats', 'candidates'), batches=increment.batches
) }}
