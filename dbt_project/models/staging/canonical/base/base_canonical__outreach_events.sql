{{ base_outreach_events('canonical') }}
