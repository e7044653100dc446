{#- Every landed row of the Greenhouse export that was not used, with where it came from
    and why, and the ids of the candidate and the application it refers to (rule set v1.1:
    their person is held, int_persons_held). No personal data: keys and the location are
    enough to find it. A consent event or privacy request naming no staged candidate is
    quarantined here as `unknown_candidate` (company_records_of_candidates, landed_rows.sql).
    Per Fivetran table (stg_greenhouse__<table>): its key (the tables without an id get a
    composite key in their staging model), and the columns naming the candidate and the
    application a row refers to. -#}
{%- set entities = {
    'candidate': {'key': 'id', 'candidate_id': 'id'},
    'email_address': {'key': 'contact_key', 'candidate_id': 'candidate_id'},
    'phone_number': {'key': 'contact_key', 'candidate_id': 'candidate_id'},
    'job': {'key': 'id'},
    'application': {'key': 'id', 'candidate_id': 'candidate_id', 'application_id': 'id'},
    'job_application': {'key': 'job_application_key', 'application_id': 'application_id'},
    'application_history': {'key': 'history_key', 'application_id': 'application_id'},
    'job_stage': {'key': 'id'},
    'rejection_reason': {'key': 'id'},
    'scorecard': {'key': 'id', 'application_id': 'application_id'},
    'offer': {'key': 'id', 'application_id': 'application_id'},
    'consent_events': {'key': 'consent_event_id', 'candidate_id': 'candidate_id'},
    'privacy_requests': {'key': 'request_id', 'candidate_id': 'candidate_id'},
    'outreach_events': {'key': 'outreach_id', 'candidate_id': 'candidate_id'},
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
    from {{ ref('stg_greenhouse__' ~ entity) }} as entity_rows
    left join {{ ref('int_greenhouse__candidates_conformed') }} as known
        on entity_rows.candidate_id = known.candidate_id
    where entity_rows._fate = 'quarantined' or (entity_rows._fate = 'staged' and known.candidate_id is null)
        {%- else %}
        entity_rows.quarantine_reason
    from {{ ref('stg_greenhouse__' ~ entity) }} as entity_rows
    where entity_rows._fate = 'quarantined'
        {%- endif %}
),
{% endfor %}

located as (
    {%- for entity in entities %}
    select
        'greenhouse' as source_system,
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
