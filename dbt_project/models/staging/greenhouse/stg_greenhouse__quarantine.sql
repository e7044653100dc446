{#- Per Fivetran table: its key (the tables without an id get a composite key in their
    base model), and the columns naming the candidate and the application a row refers to
    (a quarantined row holds that person, rule set v1.1). -#}
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

{{ landing_quarantine('greenhouse', entities) }}
