{{ append_only_events_config('canonical', 'evaluations') }}
{%- set increment = landing_increment('canonical', 'evaluations') %}

with

landed as (
    {{ read_landing(
        'canonical', 'evaluations',
        suppressed_when=is_suppressed_application('application_id', 'stg_canonical__applications'), batches=increment.batches
    ) }}
),

parsed as (
    select
        evaluation_id,
        application_id,
        stage,
        {{ to_local_timestamp('evaluated_at', 'canonical') }} as evaluated_at,
        {{ parse_integer('rating') }} as rating,
        strengths,
        concerns,
        evaluated_at as evaluated_at_text,
        rating as rating_text,
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
            ('evaluation_id is null', 'missing evaluation_id'),
            ('application_id is null', 'missing application_id'),
            ('evaluated_at_text is null', 'missing evaluated_at'),
            (unreadable('evaluated_at'), 'unparseable evaluated_at'),
            (after_build_clock('evaluated_at', 'canonical'), 'evaluated_at in the future'),
            (unreadable('rating'), 'rating is not an integer'),
            ('rating not between 1 and 5', 'rating outside 1-5'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins(
    'checked', 'evaluation_id', landing_columns('canonical', 'evaluations'), appending=increment.appending
) }}
