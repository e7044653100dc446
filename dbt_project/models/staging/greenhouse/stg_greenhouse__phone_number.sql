{#- A candidate's phone numbers (Fivetran table phone_number): keyed by (candidate_id,
    index); the latest Fivetran sync of a key wins. Fivetran names the column `index`, a
    keyword in some dialects. -#}
{{ mutable_entities_config('greenhouse', 'phone_number', 'contact_key') }}
{%- set increment = landing_increment('greenhouse', 'phone_number', by_key=true) %}

-- noqa: disable=RF04
with

landed as (
    {{ read_landing(
        'greenhouse', 'phone_number',
        suppressed_when=is_tombstoned('candidate_id', 'greenhouse')
    ) }}
),

parsed as (
    select
        {{ dbt.concat(['candidate_id', "'#'", 'index']) }} as contact_key,
        candidate_id,
        {{ parse_integer('index') }} as position,
        type,
        value,
        {{ to_local_timestamp('_fivetran_synced', 'greenhouse') }} as synced_at,
        index as position_text,
        _fivetran_synced as synced_at_text,
        index,
        _fivetran_synced,
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
            ('position_text is null', 'missing index'),
            (unreadable('position'), 'index is not an integer'),
            ('synced_at_text is null', 'missing _fivetran_synced'),
            (unreadable('synced_at'), 'unparseable _fivetran_synced'),
            (after_build_clock('synced_at', 'greenhouse'), '_fivetran_synced in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'contact_key', 'synced_at', landing_columns('greenhouse', 'phone_number'), batches=increment.batches
) }}
