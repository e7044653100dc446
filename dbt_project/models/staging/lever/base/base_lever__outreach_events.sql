{{ base_outreach_events('lever') }}
