"""Converters from the canonical export to vendor-shaped exports (synthetic data only)."""
