{{ base_consent_events('greenhouse') }}
