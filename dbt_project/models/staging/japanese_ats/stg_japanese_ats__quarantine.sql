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

{{ landing_quarantine('japanese_ats', entities) }}
