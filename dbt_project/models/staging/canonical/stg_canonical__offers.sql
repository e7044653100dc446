{{ staged_offers('canonical') }}
