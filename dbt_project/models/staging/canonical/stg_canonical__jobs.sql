{{ staged_jobs('canonical') }}
