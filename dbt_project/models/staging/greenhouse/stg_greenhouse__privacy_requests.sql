{{ staged_privacy_requests('greenhouse') }}
