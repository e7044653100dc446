{#- Keys per Fivetran table; the tables without an id get a composite key in their base model. -#}
{%- set entities = {
    'candidate': 'id',
    'email_address': 'contact_key',
    'phone_number': 'contact_key',
    'job': 'id',
    'application': 'id',
    'job_application': 'job_application_key',
    'application_history': 'history_key',
    'job_stage': 'id',
    'rejection_reason': 'id',
    'scorecard': 'id',
    'offer': 'id',
    'consent_events': 'consent_event_id',
    'privacy_requests': 'request_id',
    'outreach_events': 'outreach_id',
} -%}

{{ landing_quarantine('greenhouse', entities) }}
