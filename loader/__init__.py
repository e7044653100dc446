"""The loader: the landing's batches checked (intake, CP932 decoding) and read once into the
raw tables of the dbt target (load), with the small helpers the whole project shares and
that the loader needs first: where things are (paths), atomic writes (files), the export
contract (contract), the dbt target (engines) and the purge tombstones a load suppresses
(tombstones). It imports nothing of `orchestration`, which builds on it.
"""
