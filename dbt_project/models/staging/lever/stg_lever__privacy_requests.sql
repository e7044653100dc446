{{ staged_privacy_requests('lever') }}
