"""The loader: the landing's batches checked (intake, CP932 decoding) and read once into the
raw tables of the dbt target (load), with the small helpers the whole project shares:
where things are (paths), atomic writes (files), the export contract (contract), the dbt
target (engines), the purge tombstones a load suppresses (tombstones), and the hash-chained
audit log (audit), which the erasure engine records itself in and so must find below
`orchestration`. It imports nothing of `erasure` or `orchestration`, which build on it.
"""
