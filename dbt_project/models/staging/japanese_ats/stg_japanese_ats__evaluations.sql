-- 評価: the grade is S/A/B/C/D or 1-5 (S = 5 ... D = 1, macros/japanese_ats.sql).
with

landed as (
    {{ read_landing(
        'japanese_ats', 'evaluations',
        suppressed_when=is_suppressed_application('application_id', 'stg_japanese_ats__applications')
    ) }}
),

parsed as (
    select
        evaluation_id,
        application_id,
        stage,
        {{ to_local_timestamp('evaluated_at', 'japanese_ats') }} as evaluated_at,
        {{ japanese_ats_map('rating', 'rating') }} as rating,
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
            (after_build_clock('evaluated_at', 'japanese_ats'), 'evaluated_at in the future'),
            (unreadable('rating'), 'rating is not S/A/B/C/D or 1-5'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins('checked', 'evaluation_id', landing_columns('japanese_ats', 'evaluations')) }}
