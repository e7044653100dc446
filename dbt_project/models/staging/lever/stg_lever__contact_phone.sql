{#- A contact's phone numbers, by position (`index`); the latest sync of a position wins. -#}
{{ mutable_entities_config('lever', 'contact_phone', 'contact_phone_key') }}
{%- set increment = landing_increment('lever', 'contact_phone', by_key=true) %}

with

landed as (
    {{ read_landing('lever', 'contact_phone', suppressed_when=is_tombstoned('contact_id', 'lever')) }}
),

parsed as (
    select
        {{ dbt.concat(['contact_id', "'|'", "coalesce(index, '0')"]) }} as contact_phone_key,
        contact_id,
        {{ parse_integer("coalesce(index, '0')") }} as phone_index,
        value as phone,
        {{ to_local_timestamp('_fivetran_synced', 'lever') }} as synced_at,
        index as phone_index_text,
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
            ('contact_id is null', 'missing contact_id'),
            ('phone_index is null', 'index is not an integer'),
            (unreadable('synced_at'), 'unparseable _fivetran_synced'),
            (after_build_clock('synced_at', 'lever'), '_fivetran_synced in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins('checked', 'contact_phone_key', 'synced_version', [
    'contact_phone_key',
    'phone',
    'synced_at_text',
], batches=increment.batches) }}
