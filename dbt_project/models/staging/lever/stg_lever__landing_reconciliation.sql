{%- set entities = ['applications', 'application_postings', 'archive_reasons', 'stages',
                    'stage_events', 'evaluations', 'offers', 'jobs', 'contact_emails',
                    'contact_phones', 'contact_residences', 'consent_events',
                    'privacy_requests', 'outreach_events'] -%}

{{ landing_reconciliation('lever', entities) }}
