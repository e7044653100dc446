-- Frame of the `landing_reconciliation` suite: one row per (entity, batch) found in the
-- landing files or in intermediate.int_canonical__landing_reconciliation (full outer join).
--
-- `landing_file_counts(entity, batch_id, files, file_rows)` is a frame that
-- orchestration/compliance.py registers before this query, counted from the files
-- themselves without DuckDB's readers: CSV records with Python's csv module (header
-- excluded, empty lines skipped), Parquet rows from the file metadata, JSON lines as
-- non-blank lines, for every <landing_dir>/canonical/<batch_id>/<entity>.{csv,parquet,jsonl}.
--
-- Every landed row must end with exactly one fate: staged, superseded, redelivered,
-- quarantined, or suppressed (a purge tombstone; the column is optional, 0 when absent).
-- Counts only.
with

reconciliation as (
    select
        entity,
        batch_id,
        landed_rows,
        staged_rows,
        superseded_rows,
        redelivered_rows,
        quarantined_rows,
        -- read through the row as JSON so the query works with or without the column
        coalesce(cast(to_json(counted) ->> 'suppressed_rows' as bigint), 0) as suppressed_rows
    from intermediate.int_canonical__landing_reconciliation as counted
)

select
    coalesce(files.entity, reconciliation.entity) || '/' || coalesce(files.batch_id, reconciliation.batch_id)
        as reconciliation_key,
    files.entity is not null as in_landing_files,
    reconciliation.entity is not null as in_staging,
    coalesce(files.files, 0) as files,
    coalesce(files.file_rows, 0) as file_rows,
    coalesce(reconciliation.landed_rows, 0) as landed_rows,
    coalesce(reconciliation.staged_rows, 0) as staged_rows,
    coalesce(reconciliation.superseded_rows, 0) as superseded_rows,
    coalesce(reconciliation.redelivered_rows, 0) as redelivered_rows,
    coalesce(reconciliation.quarantined_rows, 0) as quarantined_rows,
    coalesce(reconciliation.suppressed_rows, 0) as suppressed_rows,
    coalesce(
        reconciliation.staged_rows + reconciliation.superseded_rows + reconciliation.redelivered_rows
        + reconciliation.quarantined_rows + reconciliation.suppressed_rows,
        0
    ) as accounted_rows
from landing_file_counts as files
full outer join reconciliation
    on files.entity = reconciliation.entity
    and files.batch_id = reconciliation.batch_id
order by reconciliation_key
