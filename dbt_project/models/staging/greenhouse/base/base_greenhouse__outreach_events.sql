{{ base_outreach_events('greenhouse') }}
