{{ staged_applications('japanese_ats') }}
