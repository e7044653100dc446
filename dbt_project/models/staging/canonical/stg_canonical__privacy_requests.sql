{{ staged_privacy_requests('canonical') }}
