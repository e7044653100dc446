{{ staged_offers('japanese_ats') }}
