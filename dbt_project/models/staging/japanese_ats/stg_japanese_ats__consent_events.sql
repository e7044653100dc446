{{ staged_consent_events('japanese_ats') }}
