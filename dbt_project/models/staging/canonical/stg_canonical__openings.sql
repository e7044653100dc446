{#- Openings (recontact-outreach v1, "New input: openings"): the company's hiring occasions,
    each naming a job of this source and the situation HR writes about. Mutable: the row
    with the latest updated_at wins. They name no person, so a quarantined opening holds
    nobody; it is simply not offered. -#}
{{ mutable_entities_config('canonical', 'openings', 'opening_id') }}
{%- set increment = landing_increment('canonical', 'openings', by_key=true) %}

with

landed as (
    {{ read_landing('canonical', 'openings') }}
),

parsed as (
    select
        opening_id,
        job_id,
        situation,
        -- `language` is the contract's column name, keyword or not
        lower(trim(language)) as language,  -- noqa: RF04
        target_cohorts,
        cast({{ to_local_timestamp('opened_on', 'canonical') }} as date) as opened_on,
        cast({{ to_local_timestamp('closes_on', 'canonical') }} as date) as closes_on,
        {{ to_local_timestamp('updated_at', 'canonical') }} as updated_at,
        opened_on as opened_on_text,
        closes_on as closes_on_text,
        updated_at as updated_at_text,
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
            ('opening_id is null', 'missing opening_id'),
            ('job_id is null', 'missing job_id'),
            ("nullif(trim(situation), '') is null", 'missing situation'),
            ('language is null', 'missing language'),
            ("language not in ('ja', 'en')", 'unknown opening language'),
            ('opened_on_text is null', 'missing opened_on'),
            ('updated_at_text is null', 'missing updated_at'),
            (unreadable('opened_on'), 'unparseable opened_on'),
            (unreadable('closes_on'), 'unparseable closes_on'),
            (unreadable('updated_at'), 'unparseable updated_at'),
            ('closes_on < opened_on', 'closes_on before opened_on'),
            (after_build_clock('updated_at', 'canonical'), 'updated_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins(
    'checked', 'opening_id', 'updated_at', landing_columns('canonical', 'openings'), batches=increment.batches
) }}
