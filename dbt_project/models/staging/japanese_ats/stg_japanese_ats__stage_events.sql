{{ staged_stage_events('japanese_ats') }}
