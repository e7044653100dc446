{{ staged_outreach_events('canonical') }}
