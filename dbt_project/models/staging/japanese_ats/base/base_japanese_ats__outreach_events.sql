{{ base_outreach_events('japanese_ats') }}
