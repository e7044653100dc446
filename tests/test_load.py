"""The loader (loader/load.py): the landing is an inbox, read once into raw tables.

dbt reads the raw tables only; these tests pin what the loader promises: lineage per
row, a loaded batch out of the landing (deleted, or kept in the archive as Parquet of
the rows loaded), a re-sent batch replacing its rows in one go, a refused batch left in
the landing with nothing of it loaded, a file lacking a required column refused by
name, the record of what was loaded, and nothing of a row's content in any message.
"""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
import pytest

from loader.intake import IntakeError, write_manifest
from loader.load import LoadError, inputs_fingerprint, load, raw_tables
from orchestration.warehouse import DAILY_RUN_EXCLUDES, dbt_args, dbt_vars, run_dbt
from sample_exports.generate import generate_export
from tests.support import (
    END_DATE,
    MODELS_ONLY,
    application,
    candidate,
    new_warehouse,
    write_entity,
)

FIRST, SECOND = "2026-01-01T0300", "2026-02-01T0300"


@pytest.fixture
def warehouse(tmp_path):
    warehouse = new_warehouse(tmp_path / "w")
    write_entity(warehouse.export_dir, FIRST, "candidates", [candidate("c1"), candidate("c2")])
    write_entity(warehouse.export_dir, FIRST, "applications", [application("a1", "c1")])
    write_entity(warehouse.export_dir, SECOND, "candidates", [candidate("c3")])
    return warehouse


def raw(paths, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchall()


def files_under(directory) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def test_every_row_lands_once_with_its_lineage_and_the_batch_leaves_the_landing(warehouse):
    paths = warehouse.paths
    warehouse.deliver()
    assert files_under(paths.landing_dir)
    report = load(paths)
    assert report.loaded == {f"canonical/{FIRST}": 3, f"canonical/{SECOND}": 1}
    assert raw(
        paths,
        "select candidate_id, _batch_id, _file, _row_number from raw.canonical__candidates"
        " order by candidate_id",
    ) == [
        ("c1", FIRST, f"canonical/{FIRST}/candidates.csv", 1),
        ("c2", FIRST, f"canonical/{FIRST}/candidates.csv", 2),
        ("c3", SECOND, f"canonical/{SECOND}/candidates.csv", 1),
    ]
    # a column the file lacks (phone) is NULL; every raw table exists, filled or not
    assert raw(paths, "select count(*) from raw.canonical__candidates where phone is null") == [
        (3,)
    ]
    names = {name for (name,) in raw(paths, "select table_name from duckdb_tables()")}
    assert {table.name for table in raw_tables()} <= names
    # the landing is an inbox: the loaded batches are gone (no archive configured), the
    # record of what was loaded says what they held
    assert files_under(paths.landing_dir) == []
    assert not (paths.landing_dir / "canonical" / FIRST).exists()
    assert raw(paths, "select file, batch_id, rows from raw._loaded_files order by file") == [
        (f"canonical/{FIRST}/applications.csv", FIRST, 1),
        (f"canonical/{FIRST}/candidates.csv", FIRST, 2),
        (f"canonical/{SECOND}/candidates.csv", SECOND, 1),
    ]
    # read once: a second load finds nothing to read and changes nothing
    fingerprint = inputs_fingerprint(paths.duckdb_path)
    assert load(paths).loaded == {}
    assert inputs_fingerprint(paths.duckdb_path) == fingerprint


def test_with_an_archive_a_loaded_batch_is_kept_as_parquet_of_the_rows_loaded(tmp_path):
    warehouse = new_warehouse(tmp_path / "w", archive=True)
    write_entity(warehouse.export_dir, FIRST, "candidates", [candidate("c1"), candidate("c2")])
    warehouse.load()
    paths = warehouse.paths
    assert files_under(paths.landing_dir) == []
    archived = paths.archive_dir / "canonical" / FIRST / "candidates.parquet"
    assert files_under(paths.archive_dir) == [f"canonical/{FIRST}/candidates.parquet"]
    table = pq.read_table(archived)
    contract = next(t for t in raw_tables() if t.name == "canonical__candidates").columns
    assert table.column_names == [*contract, "_batch_id", "_file", "_row_number"]
    columns = ", ".join(table.column_names)
    assert sorted(table.to_pylist(), key=lambda row: row["_row_number"]) == [
        dict(zip(table.column_names, row, strict=True))
        for row in raw(paths, f"select {columns} from raw.canonical__candidates order by all")
    ]


def test_a_re_sent_batch_replaces_its_rows(warehouse):
    paths = warehouse.paths
    warehouse.load()
    [(first_loaded,)] = raw(
        paths, "select max(_loaded_at) from raw.canonical__candidates where _batch_id = ?", [FIRST]
    )
    (warehouse.export_dir / "canonical" / FIRST / "applications.csv").unlink()
    write_entity(warehouse.export_dir, FIRST, "candidates", [candidate("c1", country="DE")])
    assert warehouse.deliver() == [f"canonical/{FIRST}"]
    report = load(paths)
    assert report.loaded == {f"canonical/{FIRST}": 1}
    assert raw(
        paths,
        "select candidate_id, country, _loaded_at > ? from raw.canonical__candidates"
        " where _batch_id = ?",
        [first_loaded, FIRST],
    ) == [("c1", "DE", True)]
    # the batch as re-sent: its applications file is no longer part of it
    assert raw(paths, "select count(*) from raw.canonical__applications") == [(0,)]
    assert raw(paths, "select file, rows from raw._loaded_files order by file") == [
        (f"canonical/{FIRST}/candidates.csv", 1),
        (f"canonical/{SECOND}/candidates.csv", 1),
    ]
    assert files_under(paths.landing_dir) == []


def test_a_batch_the_intake_refuses_stays_in_the_landing_and_nothing_is_loaded(warehouse):
    """A ragged row: the intake refuses the export, nothing of any batch is loaded, every
    batch stays in the landing, and the error says so (naming file and line only)."""
    path = warehouse.export_dir / "canonical" / SECOND / "candidates.csv"
    path.write_text(path.read_text() + "c9,Hanako Yamada\n")
    with pytest.raises(IntakeError) as refused:
        warehouse.load()
    message = str(refused.value)
    assert "nothing was loaded, every batch stays in the landing" in message
    assert f"canonical/{SECOND}/candidates.csv line 3" in message
    assert "Hanako" not in message
    assert raw(warehouse.paths, "select count(*) from raw.canonical__candidates") == [(0,)]
    assert files_under(warehouse.landing_dir) == files_under(warehouse.export_dir)
    # fixed and delivered again: loaded, and out of the landing
    path.write_text(path.read_text().replace("c9,Hanako Yamada\n", ""))
    assert warehouse.load().loaded == {f"canonical/{FIRST}": 3, f"canonical/{SECOND}": 1}
    assert files_under(warehouse.landing_dir) == []


def test_a_file_lacking_a_required_column_is_refused_by_name_and_its_batch_stays(warehouse):
    row = candidate("c9", full_name="Hanako Yamada")
    del row["updated_at"]
    write_entity(warehouse.export_dir, SECOND, "candidates", [row])
    with pytest.raises(LoadError) as refused:
        warehouse.load()
    message = str(refused.value)
    assert "could not be loaded and stay in the landing" in message
    assert (
        f"landing file canonical/{SECOND}/candidates.csv lacks required column(s) updated_at"
        in message
    )
    assert "Hanako" not in message and "c9" not in message
    # the other batch is loaded and gone; the refused one waits, with nothing of it loaded
    assert raw(warehouse.paths, "select candidate_id from raw.canonical__candidates") == [
        ("c1",),
        ("c2",),
    ]
    assert files_under(warehouse.landing_dir) == [f"canonical/{SECOND}/candidates.csv"]


def test_a_manifest_may_name_a_previous_batch_that_was_loaded(warehouse):
    """The previous batch left the landing when it was loaded: the raw tables' record
    counts as delivered; a previous batch neither there nor loaded is still refused."""
    warehouse.load()
    third = "2026-03-01T0300"
    write_entity(warehouse.export_dir, third, "candidates", [candidate("c4")])
    write_manifest(warehouse.export_dir / "canonical" / third, {"candidates": 1}, SECOND)
    assert warehouse.load().loaded == {f"canonical/{third}": 1}
    fourth, missing = "2026-04-01T0300", "2026-03-15T0300"
    write_entity(warehouse.export_dir, fourth, "candidates", [candidate("c5")])
    write_manifest(warehouse.export_dir / "canonical" / fourth, {"candidates": 1}, missing)
    with pytest.raises(IntakeError, match=f"previous batch {missing} is neither in the landing"):
        warehouse.load()


def test_columns_outside_the_contract_are_reported_by_name(warehouse):
    rows = [{**candidate("c4"), "Favourite Colour": "blue"}]
    write_entity(warehouse.export_dir, "2026-03-01T0300", "candidates", rows)
    report = warehouse.load()
    assert report.ignored_columns == {
        "canonical/2026-03-01T0300/candidates.csv": ["favourite colour"]
    }
    assert "favourite colour" in report.render() and "blue" not in report.render()


def test_dbt_reads_the_raw_tables_not_the_files(tmp_path):
    """After a build the landing is empty, and a dbt build without a load (no file to
    read) decides exactly the same: dbt never opens a landing file."""
    warehouse = new_warehouse(tmp_path / "w")
    generate_export(warehouse.export_dir, candidates=200, seed=3, end_date=END_DATE, batches=2)
    warehouse.build(END_DATE, data_tests=False)  # seeds and models: the marts are compared
    assert files_under(warehouse.landing_dir) == []
    before = warehouse.frame("select * from marts.recontact_eligibility order by person_id")
    args = dbt_args("build", dbt_vars(END_DATE.isoformat()), target_path=warehouse.target_path)
    run_dbt([*args, *DAILY_RUN_EXCLUDES, *MODELS_ONLY], warehouse.paths, quiet=True)
    after = warehouse.frame("select * from marts.recontact_eligibility order by person_id")
    assert len(before) > 100
    assert after.equals(before)


def test_a_person_purged_earlier_reaches_the_raw_tables_with_ids_only(warehouse):
    """A tombstoned person re-delivered by the ATS: the loader keeps the row's ids (so the
    rules and the purge still see whose it is) and nothing else of it."""
    from erasure.purge import QueuedPerson, write_tombstones

    paths = warehouse.paths
    purged = [QueuedPerson("canonical", "c2", "-", "erasure_requested", None)]
    write_tombstones(paths.state_dir, purged, "2026-06-01T00:00:00Z")
    warehouse.load()
    assert raw(
        paths,
        "select candidate_id, full_name, email, country, _row_number"
        " from raw.canonical__candidates where _batch_id = ? order by candidate_id",
        [FIRST],
    ) == [
        ("c1", "Test Person", "c1@example.com", "JP", 1),
        ("c2", None, None, None, 2),
    ]
    # an application of someone else is untouched; the salt is in no table
    assert raw(paths, "select count(*) from raw.canonical__applications where status is null") == [
        (0,)
    ]
    salt = (paths.state_dir / "tombstone_salt").read_text().strip()
    assert salt.encode() not in paths.duckdb_path.read_bytes()
