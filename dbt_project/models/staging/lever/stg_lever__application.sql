{#- Lever's `application` table: which posting (job) an opportunity applied to. -#}
with

landed as (
    {{ read_landing(
        'lever', 'application',
        suppressed_when=is_suppressed_application('opportunity_id', 'stg_lever__opportunity')
    ) }}
),

parsed as (
    select
        id as application_posting_id,
        opportunity_id,
        posting_id,
        {{ to_local_timestamp('created_at', 'lever') }} as created_at,
        created_at as created_at_text,
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
            ('application_posting_id is null', 'missing id'),
            ('opportunity_id is null', 'missing opportunity_id'),
            (unreadable('created_at'), 'unparseable created_at'),
            (after_build_clock('created_at', 'lever'), 'created_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins('checked', 'application_posting_id', [
    'application_posting_id',
    'opportunity_id',
    'posting_id',
    'created_at_text',
]) }}
