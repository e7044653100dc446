{%- set entities = ['candidates', 'jobs', 'applications', 'stage_events', 'evaluations',
                    'offers', 'consent_events', 'privacy_requests', 'outreach_events'] -%}

{{ landing_reconciliation('japanese_ats', entities) }}
