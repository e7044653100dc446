{{ staged_candidates('japanese_ats') }}
