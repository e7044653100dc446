{%- set entities = ['candidates', 'jobs', 'applications', 'stage_events', 'evaluations',
                    'offers', 'consent_events', 'privacy_requests', 'outreach_events', 'openings'] -%}

{{ landing_reconciliation('canonical', entities) }}
