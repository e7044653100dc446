-- 選考履歴: one row per step an application entered (選考ステップ, mapped by the stage_map seed).
with

landed as (
    {{ read_landing(
        'japanese_ats', 'stage_events',
        suppressed_when=is_suppressed_application('application_id', 'stg_japanese_ats__applications')
    ) }}
),

parsed as (
    select
        stage_event_id,
        application_id,
        stage,
        {{ to_local_timestamp('entered_at', 'japanese_ats') }} as entered_at,
        entered_at as entered_at_text,
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
            ('stage_event_id is null', 'missing stage_event_id'),
            ('application_id is null', 'missing application_id'),
            ('stage is null', 'missing stage'),
            ('entered_at_text is null', 'missing entered_at'),
            (unreadable('entered_at'), 'unparseable entered_at'),
            (after_build_clock('entered_at', 'japanese_ats'), 'entered_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins('checked', 'stage_event_id', landing_columns('japanese_ats', 'stage_events')) }}
