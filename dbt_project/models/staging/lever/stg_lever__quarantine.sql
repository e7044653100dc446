{%- set entities = {
    'applications': 'application_id',
    'application_postings': 'application_posting_id',
    'archive_reasons': 'archive_reason_id',
    'stages': 'stage_id',
    'stage_events': 'stage_event_id',
    'evaluations': 'evaluation_id',
    'offers': 'offer_id',
    'jobs': 'job_id',
    'contact_emails': 'contact_id',
    'contact_phones': 'contact_phone_key',
    'contact_residences': 'contact_id',
    'consent_events': 'consent_event_id',
    'privacy_requests': 'request_id',
    'outreach_events': 'outreach_id',
} -%}

{{ landing_quarantine('lever', entities) }}
