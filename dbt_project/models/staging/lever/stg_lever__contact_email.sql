{#- A contact's e-mail addresses (one row per contact and address). -#}
with

landed as (
    {{ read_landing('lever', 'contact_email', suppressed_when=is_tombstoned('contact_id', 'lever')) }}
),

parsed as (
    select
        {{ dbt.concat(['contact_id', "'|'", 'lower(email)']) }} as contact_email_key,
        contact_id,
        email,
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
            ('email is null', 'missing email'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins('checked', 'contact_email_key', ['contact_id', 'email']) }}
