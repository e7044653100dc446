{{ staged_stage_events('canonical') }}
