{{ staged_applications('canonical') }}
