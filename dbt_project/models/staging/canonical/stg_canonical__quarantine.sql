{#- Every landed row that was not used, with where it came from and why.
    No personal data: the record's key and its location are enough to find it. -#}
{%- set entities = {
    'candidates': 'candidate_id',
    'jobs': 'job_id',
    'applications': 'application_id',
    'stage_events': 'stage_event_id',
    'evaluations': 'evaluation_id',
    'offers': 'offer_id',
    'consent_events': 'consent_event_id',
    'privacy_requests': 'request_id',
    'outreach_events': 'outreach_id',
} -%}

with

{% for entity, key in entities.items() %}
{{ entity }} as (
    select
        '{{ entity }}' as entity,
        {{ key }} as record_key,
        _batch_id as batch_id,
        _source_file as source_file,
        _source_row as source_row,
        quarantine_reason
    from {{ ref('base_canonical__' ~ entity) }}
    where _fate = 'quarantined'
),
{% endfor %}

quarantined as (
    {%- for entity in entities %}
    select * from {{ entity }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

located as (
    select
        'canonical' as source_system,
        entity,
        record_key,
        batch_id,
        source_file,
        source_row,
        quarantine_reason
    from quarantined
)

select * from located
