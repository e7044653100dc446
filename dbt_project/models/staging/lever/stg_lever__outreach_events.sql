{{ append_only_events_config('lever', 'outreach_events') }}
{%- set increment = landing_increment('lever', 'outreach_events') %}

with

landed as (
    {{ read_landing(
        'lever', 'outreach_events',
        suppressed_when=is_tombstoned('candidate_id', 'lever'), batches=increment.batches
    ) }}
),

parsed as (
    select
        outreach_id,
        candidate_id,
        {{ to_local_timestamp('sent_at', 'lever') }} as sent_at,
        channel,
        cohort,
        {{ mapping_key('outcome') }} as outcome,
        {{ to_local_timestamp('outcome_at', 'lever') }} as outcome_at,
        sent_at as sent_at_text,
        outcome_at as outcome_at_text,
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
            ('outreach_id is null', 'missing outreach_id'),
            ('candidate_id is null', 'missing candidate_id'),
            ('sent_at_text is null', 'missing sent_at'),
            (unreadable('sent_at'), 'unparseable sent_at'),
            ("outcome not in ('no_response', 'interested', 'not_interested', 'opt_out', 'reapplied')", 'unknown outreach outcome'),
            (unreadable('outcome_at'), 'unparseable outcome_at'),
            (after_build_clock('sent_at', 'lever'), 'sent_at in the future'),
            (after_build_clock('outcome_at', 'lever'), 'outcome_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins(
    'checked', 'outreach_id', landing_columns('lever', 'outreach_events'), appending=increment.appending
) }}
