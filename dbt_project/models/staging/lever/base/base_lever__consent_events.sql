{{ base_consent_events('lever') }}
