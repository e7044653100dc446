{{ base_privacy_requests('greenhouse') }}
