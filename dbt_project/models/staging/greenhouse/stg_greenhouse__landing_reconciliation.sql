{%- set entities = ['candidate', 'email_address', 'phone_number', 'job', 'application',
                    'job_application', 'application_history', 'job_stage', 'rejection_reason',
                    'scorecard', 'offer', 'consent_events', 'privacy_requests', 'outreach_events'] -%}

{{ landing_reconciliation('greenhouse', entities) }}
