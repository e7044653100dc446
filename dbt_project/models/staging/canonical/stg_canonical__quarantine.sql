{#- Per entity: its key, and the columns naming the candidate and the application a row
    refers to (a quarantined row holds that person, rule set v1.1). -#}
{%- set entities = {
    'candidates': {'key': 'candidate_id', 'candidate_id': 'candidate_id'},
    'jobs': {'key': 'job_id'},
    'applications': {'key': 'application_id', 'candidate_id': 'candidate_id', 'application_id': 'application_id'},
    'stage_events': {'key': 'stage_event_id', 'application_id': 'application_id'},
    'evaluations': {'key': 'evaluation_id', 'application_id': 'application_id'},
    'offers': {'key': 'offer_id', 'application_id': 'application_id'},
    'consent_events': {'key': 'consent_event_id', 'candidate_id': 'candidate_id'},
    'privacy_requests': {'key': 'request_id', 'candidate_id': 'candidate_id'},
    'outreach_events': {'key': 'outreach_id', 'candidate_id': 'candidate_id'},
    'openings': {'key': 'opening_id'},
} -%}

{{ landing_quarantine('canonical', entities) }}
