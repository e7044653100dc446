{{ staged_jobs('japanese_ats') }}
