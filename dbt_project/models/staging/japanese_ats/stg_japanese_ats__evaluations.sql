{{ staged_evaluations('japanese_ats') }}
