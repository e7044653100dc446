"""The loader (orchestration/load.py): each landing batch read once into raw tables.

dbt reads the raw tables only; these tests pin what the loader promises: lineage per
row, a batch loaded once, a re-sent batch replacing its rows in one go, a gone batch
removed, a file lacking a required column refused by name, and nothing of a row's
content in any message.
"""

from __future__ import annotations

import dataclasses
import os
import shutil

import duckdb
import pytest

from orchestration.load import LoadError, load, raw_tables
from orchestration.warehouse import DAILY_RUN_EXCLUDES, dbt_args, dbt_vars, run_dbt
from sample_exports.generate import generate_export
from tests.support import END_DATE, application, candidate, new_warehouse, write_entity

FIRST, SECOND = "2026-01-01T0300", "2026-02-01T0300"


@pytest.fixture
def paths(tmp_path):
    warehouse = new_warehouse(tmp_path / "w")
    write_entity(warehouse.landing_dir, FIRST, "candidates", [candidate("c1"), candidate("c2")])
    write_entity(warehouse.landing_dir, FIRST, "applications", [application("a1", "c1")])
    write_entity(warehouse.landing_dir, SECOND, "candidates", [candidate("c3")])
    return warehouse.paths


def raw(paths, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchall()


def test_every_row_lands_once_with_its_lineage(paths):
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
    # loaded once: a second load reads nothing, touching a file without change neither
    again = load(paths)
    assert again.loaded == {} and again.unchanged == 2
    path = paths.landing_dir / "canonical" / FIRST / "candidates.csv"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert load(paths).loaded == {}


def test_a_re_sent_batch_replaces_its_rows_and_a_gone_batch_is_removed(paths):
    load(paths)
    [(first_loaded,)] = raw(
        paths, "select max(_loaded_at) from raw.canonical__candidates where _batch_id = ?", [FIRST]
    )
    write_entity(paths.landing_dir, FIRST, "candidates", [candidate("c1", country="DE")])
    report = load(paths)
    assert report.loaded == {f"canonical/{FIRST}": 2}  # the batch's two files, both replaced
    assert raw(
        paths,
        "select candidate_id, country, _loaded_at > ? from raw.canonical__candidates"
        " where _batch_id = ?",
        [first_loaded, FIRST],
    ) == [("c1", "DE", True)]
    assert raw(paths, "select count(*) from raw.canonical__applications") == [(1,)]
    shutil.rmtree(paths.landing_dir / "canonical" / SECOND)
    assert load(paths).removed == [f"canonical/{SECOND}"]
    assert raw(paths, "select distinct _batch_id from raw.canonical__candidates") == [(FIRST,)]
    assert raw(paths, "select count(*) from raw._loaded_files where file like '%/2026-02%'") == [
        (0,)
    ]


def test_a_file_lacking_a_required_column_is_refused_by_name_and_loads_nothing(paths):
    load(paths)
    row = candidate("c9", full_name="Hanako Yamada")
    del row["updated_at"]
    write_entity(paths.landing_dir, SECOND, "candidates", [row])
    with pytest.raises(LoadError) as refused:
        load(paths)
    message = str(refused.value)
    assert (
        f"landing file canonical/{SECOND}/candidates.csv lacks required column(s) updated_at"
        in message
    )
    assert "Hanako" not in message and "c9" not in message
    # the batch keeps what it had; the other batch is untouched
    assert raw(paths, "select candidate_id from raw.canonical__candidates order by 1") == [
        ("c1",),
        ("c2",),
        ("c3",),
    ]


def test_columns_outside_the_contract_are_reported_by_name(paths):
    rows = [{**candidate("c4"), "Favourite Colour": "blue"}]
    write_entity(paths.landing_dir, "2026-03-01T0300", "candidates", rows)
    report = load(paths)
    assert report.ignored_columns == {
        "canonical/2026-03-01T0300/candidates.csv": ["favourite colour"]
    }
    assert "favourite colour" in report.render() and "blue" not in report.render()


def test_dbt_reads_the_raw_tables_not_the_files(tmp_path):
    """After a load, a build whose landing directory is empty decides exactly as one
    with the files: dbt never opens a landing file."""
    warehouse = new_warehouse(tmp_path / "w")
    generate_export(warehouse.landing_dir, candidates=200, seed=3, end_date=END_DATE, batches=2)
    warehouse.build(END_DATE)
    before = warehouse.frame("select * from marts.recontact_eligibility order by person_id")
    empty = tmp_path / "empty"
    empty.mkdir()
    args = dbt_args("build", dbt_vars(END_DATE.isoformat()), target_path=warehouse.target_path)
    without_files = dataclasses.replace(warehouse.paths, landing_dir=empty)
    run_dbt([*args, *DAILY_RUN_EXCLUDES], without_files, quiet=True)
    after = warehouse.frame("select * from marts.recontact_eligibility order by person_id")
    assert len(before) > 100
    assert after.equals(before)


def test_a_person_purged_earlier_reaches_the_raw_tables_with_ids_only(paths):
    """A tombstoned person re-delivered by the ATS: the loader keeps the row's ids (so the
    rules and the purge still see whose it is) and nothing else of it."""
    from orchestration.purge import QueuedPerson, write_tombstones

    purged = [QueuedPerson("canonical", "c2", "-", "erasure_requested", None)]
    write_tombstones(paths.state_dir, purged, "2026-06-01T00:00:00Z")
    load(paths)
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
