{{ staged_consent_events('canonical') }}
