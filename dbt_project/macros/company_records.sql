{#- Entities that are the company's own records rather than the ATS's: consent events
    (often a consent-management tool), privacy requests (the privacy desk) and outreach
    events (the CRM). They arrive in the canonical shape (ats-export-v1) for every source,
    under <landing_dir>/<source>/<batch_id>/<entity>.<ext>, keyed by that source's
    candidate id, so each source's staging reuses one definition:
      base_<source>__<entity>.sql  = {{ base_<entity>('<source>') }}
      stg_<source>__<entity>.sql   = {{ staged_<entity>('<source>') }}
    A vendor source that does carry such records (e.g. Lever's data-protection fields)
    unions its own rows into its stg model after these. -#}

{% macro base_consent_events(source_system) -%}
{{ append_only_events_config(source_system, 'consent_events') }}
{%- set increment = landing_increment(source_system, 'consent_events') %}

with

landed as (
    {{ read_landing(source_system, 'consent_events', suppressed_when=is_tombstoned('candidate_id', source_system), batches=increment.batches) }}
),

parsed as (
    select
        consent_event_id,
        candidate_id,
        {{ mapping_key('purpose') }} as purpose,
        -- `action` is the export contract's column name, keyword or not
        {{ mapping_key('action') }} as action,  -- noqa: RF04
        {{ to_local_timestamp('recorded_at', source_system) }} as recorded_at,
        {{ to_local_timestamp('expires_at', source_system) }} as expires_at,
        notice_version,
        channel,
        recorded_at as recorded_at_text,
        expires_at as expires_at_text,
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
            ('consent_event_id is null', 'missing consent_event_id'),
            ('candidate_id is null', 'missing candidate_id'),
            ('purpose is null', 'missing purpose'),
            ("purpose not in ('retention', 'recontact')", 'unknown consent purpose'),
            ('action is null', 'missing action'),
            ("action not in ('granted', 'withdrawn')", 'unknown consent action'),
            ('recorded_at_text is null', 'missing recorded_at'),
            (unreadable('recorded_at'), 'unparseable recorded_at'),
            (unreadable('expires_at'), 'unparseable expires_at'),
            (after_build_clock('recorded_at', source_system), 'recorded_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins(
    'checked', 'consent_event_id', landing_columns(source_system, 'consent_events'), appending=increment.appending
) }}
{%- endmacro %}

{% macro staged_consent_events(source_system) -%}
with

-- only the rows about a known candidate (company_records_of_candidates, landed_rows.sql)
consent_events as (
    select * from {{ ref('base_' ~ source_system ~ '__consent_events') }}
    where _fate = 'staged'
        and candidate_id in (select known.candidate_id from {{ ref('stg_' ~ source_system ~ '__candidates') }} as known)
),

staged as (
    select
        '{{ source_system }}' as source_system,
        consent_event_id,
        candidate_id,
        purpose,
        action,
        recorded_at,
        cast(recorded_at as date) as recorded_on,
        expires_at,
        cast(expires_at as date) as expires_on,
        notice_version,
        channel,
        _batch_id as batch_id
    from consent_events
)

select * from staged
{%- endmacro %}

{% macro base_privacy_requests(source_system) -%}
{{ append_only_events_config(source_system, 'privacy_requests') }}
{%- set increment = landing_increment(source_system, 'privacy_requests') %}

with

landed as (
    {{ read_landing(source_system, 'privacy_requests', suppressed_when=is_tombstoned('candidate_id', source_system), batches=increment.batches) }}
),

parsed as (
    select
        request_id,
        candidate_id,
        {{ mapping_key('request_type') }} as request_type,
        {{ to_local_timestamp('received_at', source_system) }} as received_at,
        {{ to_local_timestamp('completed_at', source_system) }} as completed_at,
        received_at as received_at_text,
        completed_at as completed_at_text,
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
            ('request_id is null', 'missing request_id'),
            ('candidate_id is null', 'missing candidate_id'),
            ('request_type is null', 'missing request_type'),
            ("request_type not in ('erasure', 'stop_use', 'stop_contact')", 'unknown request_type'),
            ('received_at_text is null', 'missing received_at'),
            (unreadable('received_at'), 'unparseable received_at'),
            (unreadable('completed_at'), 'unparseable completed_at'),
            (after_build_clock('received_at', source_system), 'received_at in the future'),
            (after_build_clock('completed_at', source_system), 'completed_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins(
    'checked', 'request_id', landing_columns(source_system, 'privacy_requests'), appending=increment.appending
) }}
{%- endmacro %}

{% macro staged_privacy_requests(source_system) -%}
with

-- only the rows about a known candidate (company_records_of_candidates, landed_rows.sql)
privacy_requests as (
    select * from {{ ref('base_' ~ source_system ~ '__privacy_requests') }}
    where _fate = 'staged'
        and candidate_id in (select known.candidate_id from {{ ref('stg_' ~ source_system ~ '__candidates') }} as known)
),

staged as (
    select
        '{{ source_system }}' as source_system,
        request_id,
        candidate_id,
        request_type,
        received_at,
        cast(received_at as date) as received_on,
        completed_at,
        _batch_id as batch_id
    from privacy_requests
)

select * from staged
{%- endmacro %}

{% macro base_outreach_events(source_system) -%}
{{ append_only_events_config(source_system, 'outreach_events') }}
{%- set increment = landing_increment(source_system, 'outreach_events') %}

with

landed as (
    {{ read_landing(source_system, 'outreach_events', suppressed_when=is_tombstoned('candidate_id', source_system), batches=increment.batches) }}
),

parsed as (
    select
        outreach_id,
        candidate_id,
        {{ to_local_timestamp('sent_at', source_system) }} as sent_at,
        channel,
        cohort,
        {{ mapping_key('outcome') }} as outcome,
        {{ to_local_timestamp('outcome_at', source_system) }} as outcome_at,
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
            (after_build_clock('sent_at', source_system), 'sent_at in the future'),
            (after_build_clock('outcome_at', source_system), 'outcome_at in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ first_delivery_wins(
    'checked', 'outreach_id', landing_columns(source_system, 'outreach_events'), appending=increment.appending
) }}
{%- endmacro %}

{% macro staged_outreach_events(source_system) -%}
with

outreach_events as (
    select * from {{ ref('base_' ~ source_system ~ '__outreach_events') }}
    where _fate = 'staged'
),

staged as (
    select
        '{{ source_system }}' as source_system,
        outreach_id,
        candidate_id,
        sent_at,
        cast(sent_at as date) as sent_on,
        channel,
        cohort,
        outcome,
        outcome_at,
        cast(outcome_at as date) as outcome_on,
        _batch_id as batch_id
    from outreach_events
)

select * from staged
{%- endmacro %}
