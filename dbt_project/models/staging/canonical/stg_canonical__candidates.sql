{{ staged_candidates('canonical') }}
