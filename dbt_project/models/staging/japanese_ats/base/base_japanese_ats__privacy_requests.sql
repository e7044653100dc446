{{ base_privacy_requests('japanese_ats') }}
