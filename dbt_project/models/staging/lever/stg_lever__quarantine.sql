{#- Per Lever table: its key, and the columns naming the candidate (the contact) and the
    application (the opportunity) a row refers to (a quarantined row holds that person,
    rule set v1.1). -#}
{%- set entities = {
    'applications': {'key': 'application_id', 'candidate_id': 'candidate_id', 'application_id': 'application_id'},
    'application_postings': {'key': 'application_posting_id', 'application_id': 'opportunity_id'},
    'archive_reasons': {'key': 'archive_reason_id'},
    'stages': {'key': 'stage_id'},
    'stage_events': {'key': 'stage_event_id', 'application_id': 'application_id'},
    'evaluations': {'key': 'evaluation_id', 'application_id': 'application_id'},
    'offers': {'key': 'offer_id', 'application_id': 'application_id'},
    'jobs': {'key': 'job_id'},
    'contact_emails': {'key': 'contact_id', 'candidate_id': 'contact_id'},
    'contact_phones': {'key': 'contact_phone_key', 'candidate_id': 'contact_id'},
    'contact_residences': {'key': 'contact_id', 'candidate_id': 'contact_id'},
    'consent_events': {'key': 'consent_event_id', 'candidate_id': 'candidate_id'},
    'privacy_requests': {'key': 'request_id', 'candidate_id': 'candidate_id'},
    'outreach_events': {'key': 'outreach_id', 'candidate_id': 'candidate_id'},
} -%}

{{ landing_quarantine('lever', entities) }}
