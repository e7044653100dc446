{#- Lever's opportunity_stage_history: an opportunity entering a stage. Append-only; the
    event's id is (opportunity_id, stage_id, updated_at), as Fivetran keys the table. -#}
with

landed as (
    {{ read_landing(
        'lever', 'opportunity_stage_history',
        suppressed_when=is_suppressed_application('opportunity_id', 'stg_lever__opportunity')
    ) }}
),

parsed as (
    select
        {{ dbt.concat(['opportunity_id', "'|'", 'stage_id', "'|'", 'updated_at']) }} as stage_event_id,
        opportunity_id as application_id,
        stage_id,
        {{ to_local_timestamp('updated_at', 'lever') }} as entered_at,
        updated_at as entered_at_text,
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
            ('application_id is null', 'missing opportunity_id'),
            ('stage_id is null', 'missing stage_id'),
            ('entered_at_text is null', 'missing updated_at'),
            (unreadable('entered_at'), 'unparseable updated_at'),
            (after_build_clock('entered_at', 'lever'), 'updated_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins('checked', 'stage_event_id', ['stage_event_id']) }}
