{{ staged_outreach_events('lever') }}
