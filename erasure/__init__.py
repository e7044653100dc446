"""The erasure engine: every person in marts.retention_purge_queue deleted from the raw
tables and every other warehouse table, the archive, the Spark target's raw files and the
outreach export files, behind a salted-hash tombstone (purge), and the registry of those
export files (exports). Domain logic, not orchestration: it builds on `loader` only and
imports nothing of `orchestration`, whose entry points (`recontact purge`, the Dagster
purge job) run it and then replace the copies orchestration made (BI releases, a
building copy of the warehouse).
"""
