{{ staged_outreach_events('greenhouse') }}
