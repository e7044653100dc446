{{ base_privacy_requests('canonical') }}
