-- Frame of the `landing_reconciliation` suite: one row per (entity, batch) the loader
-- loaded (raw._loaded_files) or in intermediate.int_canonical__landing_reconciliation (full
-- outer join).
--
-- raw._loaded_files is the loader's record of what it read (loader/load.py): per
-- file of a batch, the rows it wrote to the raw tables, lowered by what a purge deleted
-- since. The landing files themselves are gone once loaded, so the loader's count, not a
-- re-count of files, is what staging must account for.
--
-- Every loaded row must end with exactly one fate: staged, superseded, redelivered,
-- quarantined, or suppressed (a purge tombstone; the column is optional, 0 when absent).
-- Counts only.
with

loaded as (
    select
        regexp_extract(file, '^canonical/[^/]+/([^/]+)\.[a-z]+$', 1) as entity,
        batch_id,
        count(*) as files,
        sum(rows) as loaded_rows
    from raw._loaded_files
    where file like 'canonical/%'
    group by 1, 2
),

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
    coalesce(loaded.entity, reconciliation.entity) || '/' || coalesce(loaded.batch_id, reconciliation.batch_id)
        as reconciliation_key,
    loaded.entity is not null as in_loaded_files,
    reconciliation.entity is not null as in_staging,
    coalesce(loaded.files, 0) as files,
    coalesce(loaded.loaded_rows, 0) as loaded_rows,
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
from loaded
full outer join reconciliation
    on loaded.entity = reconciliation.entity
    and loaded.batch_id = reconciliation.batch_id
order by reconciliation_key
