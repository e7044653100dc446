{#- Every landed row of the Lever export that was not used, with where it came from and
    why, and the ids of the candidate (the contact) and the application (the opportunity)
    it refers to (rule set v1.1: their person is held, int_persons_held). No personal data:
    keys and the location are enough to find it. A consent event or privacy request naming
    no staged candidate is quarantined here as `unknown_candidate`
    (company_records_of_candidates, landed_rows.sql).
    Per entity (as the quarantine names it): its staging model (stg_lever__<table>), its
    key, and the columns naming the candidate and the application a row refers to. -#}
{%- set entities = {
    'applications': {
        'table': 'opportunity', 'key': 'application_id',
        'candidate_id': 'candidate_id', 'application_id': 'application_id',
    },
    'application_postings': {
        'table': 'application', 'key': 'application_posting_id',
        'application_id': 'opportunity_id',
    },
    'archive_reasons': {'table': 'archive_reason', 'key': 'archive_reason_id'},
    'stages': {'table': 'stage', 'key': 'stage_id'},
    'stage_events': {
        'table': 'opportunity_stage_history', 'key': 'stage_event_id',
        'application_id': 'application_id',
    },
    'evaluations': {
        'table': 'feedback_form', 'key': 'evaluation_id',
        'application_id': 'application_id',
    },
    'offers': {'table': 'offer', 'key': 'offer_id', 'application_id': 'application_id'},
    'jobs': {'table': 'posting', 'key': 'job_id'},
    'contact_emails': {'table': 'contact_email', 'key': 'contact_id', 'candidate_id': 'contact_id'},
    'contact_phones': {
        'table': 'contact_phone', 'key': 'contact_phone_key',
        'candidate_id': 'contact_id',
    },
    'contact_residences': {
        'table': 'contact_residences', 'key': 'contact_id',
        'candidate_id': 'contact_id',
    },
    'consent_events': {
        'table': 'consent_events', 'key': 'consent_event_id',
        'candidate_id': 'candidate_id',
    },
    'privacy_requests': {
        'table': 'privacy_requests', 'key': 'request_id',
        'candidate_id': 'candidate_id',
    },
    'outreach_events': {
        'table': 'outreach_events', 'key': 'outreach_id',
        'candidate_id': 'candidate_id',
    },
} -%}
{%- set no_id = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}

with

{% for entity, columns in entities.items() %}
{{ entity }} as (
    select
        '{{ entity }}' as entity,
        entity_rows.{{ columns.key }} as record_key,
        {{ 'entity_rows.' ~ columns.candidate_id if columns.candidate_id else no_id }} as candidate_id,
        {{ 'entity_rows.' ~ columns.application_id if columns.application_id else no_id }} as application_id,
        entity_rows._batch_id as batch_id,
        entity_rows._source_file as source_file,
        entity_rows._source_row as source_row,
        {%- if entity in company_records_of_candidates() %}
        case
            when entity_rows._fate = 'quarantined' then entity_rows.quarantine_reason
            else 'unknown_candidate'
        end as quarantine_reason
    from {{ ref('stg_lever__' ~ columns.table) }} as entity_rows
    left join {{ ref('int_lever__candidates_conformed') }} as known
        on entity_rows.candidate_id = known.candidate_id
    where entity_rows._fate = 'quarantined' or (entity_rows._fate = 'staged' and known.candidate_id is null)
        {%- else %}
        entity_rows.quarantine_reason
    from {{ ref('stg_lever__' ~ columns.table) }} as entity_rows
    where entity_rows._fate = 'quarantined'
        {%- endif %}
),
{% endfor %}

located as (
    {%- for entity in entities %}
    select
        'lever' as source_system,
        entity,
        record_key,
        candidate_id,
        application_id,
        batch_id,
        source_file,
        source_row,
        quarantine_reason
    from {{ entity }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from located
