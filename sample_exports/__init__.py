"""Synthetic ATS exports for the demo, the tests and the benchmarks: the canonical
generator (generate.py) and the converters to the vendors' file shapes (vendors/).
Not part of the warehouse: `recontact generate` and `recontact demo` call them; the
loader and dbt never import them."""
