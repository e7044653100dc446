{{ staged_evaluations('canonical') }}
