{{ base_privacy_requests('lever') }}
