{{ base_consent_events('canonical') }}
