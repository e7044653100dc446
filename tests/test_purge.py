"""Retention purge (erasure/purge.py): dry run, real run, crash safety, idempotence.

One generated export (800 candidates, CSV, Parquet and JSON-lines batches) is loaded
once into a throw-away warehouse with an archive, and into the Spark target's raw
Parquet files (the loader writes them without a JVM), then built; every test that
changes anything works on its own copy. The landing is empty: the purge works on the
raw tables, every other table and the Parquet copies. Which rows are a queued person's
is worked out here independently of purge.py, by DuckDB reading tables and files.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import shutil
import stat
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from erasure import purge
from erasure.purge import PurgeError, apply_purge, plan_purge, tombstone_hash
from loader import audit
from loader.load import load
from loader.paths import WarehousePaths
from orchestration.cli import register_purge_cli as register_cli
from orchestration.warehouse import dbt_args, dbt_vars, run_dbt
from sample_exports.generate import generate_export
from tests.support import END_DATE, Warehouse, files_holding, new_warehouse, write_entity

READERS = {
    "csv": "read_csv('{}', header = true, all_varchar = true, delim = ',', quote = '\"',"
    " escape = '\"')",
    "parquet": "read_parquet('{}')",
}


# --------------------------------------------------------------------------------------------
# Helpers: reading tables and files independently of purge.py
# --------------------------------------------------------------------------------------------


@contextmanager
def spark_of(warehouse: Warehouse) -> Iterator[None]:
    """RECONTACT_SPARK_DIR of this warehouse: where its Spark raw files are."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RECONTACT_SPARK_DIR", str(warehouse.duckdb_path.parent / "spark"))
        yield


def copies(warehouse: Warehouse) -> dict[str, Path]:
    """The Parquet copies of the raw tables, by the label the purge reports them under."""
    root = warehouse.duckdb_path.parent
    archive, spark = root / "archive", root / "spark" / "raw"
    found = {f"archive:{p.relative_to(archive).as_posix()}": p for p in archive.rglob("*.parquet")}
    found |= {f"spark:{p.relative_to(spark).as_posix()}": p for p in spark.rglob("*.parquet")}
    return dict(sorted(found.items()))


def digests(paths: dict[str, Path]) -> dict[str, str]:
    return {label: hashlib.sha256(p.read_bytes()).hexdigest() for label, p in paths.items()}


def base_tables(duckdb_path: Path) -> dict[str, list[str]]:
    """Every base table of the warehouse file with its lower-cased column names."""
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        rows = connection.execute(
            """
            select table_schema || '.' || table_name, lower(column_name)
            from information_schema.columns
            join information_schema.tables using (table_catalog, table_schema, table_name)
            where table_type = 'BASE TABLE' and table_catalog = current_database()
            order by all
            """
        ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def table_counts(duckdb_path: Path) -> dict[str, int]:
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        return {
            table: connection.execute(f"select count(*) from {table}").fetchall()[0][0]
            for table in base_tables(duckdb_path)
        }


def persons_rows(connection, relation: str, columns: list[str]) -> int | None:
    """Rows of `relation` holding a queued candidate id or one of their application ids
    (relations q and a registered), ids as staging sees them; None: no such column."""
    tests = []
    if "candidate_id" in columns:
        tests.append("trim(candidate_id) in (select id from q)")
    if "application_id" in columns:
        tests.append("trim(application_id) in (select id from a)")
    if {"entity", "record_key"} <= set(columns):
        tests.append(
            "(entity = 'candidates' and record_key in (select id from q))"
            " or (entity = 'applications' and record_key in (select id from a))"
        )
    if not tests:
        return None
    sql = f"select count(*) from {relation} where {' or '.join(tests)}"
    return connection.execute(sql).fetchall()[0][0]


def person_rows_per_table(duckdb_path: Path, queued: set[str], apps: set[str]) -> dict[str, int]:
    counts = {}
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        connection.register("q", pa.table({"id": sorted(queued)}))
        connection.register("a", pa.table({"id": sorted(apps)}))
        for table, columns in base_tables(duckdb_path).items():
            count = persons_rows(connection, table, columns)
            if count is not None:
                counts[table] = count
    return counts


def person_rows_per_file(files: dict[str, Path], queued: set[str], apps: set[str]):
    """label -> (rows of queued persons, rows in all) of each Parquet copy."""
    counts = {}
    with duckdb.connect() as connection:
        connection.register("q", pa.table({"id": sorted(queued)}))
        connection.register("a", pa.table({"id": sorted(apps)}))
        for label, path in files.items():
            relation = f"read_parquet('{path}')"
            columns = [name.lower() for name in pq.read_schema(path).names]
            total = connection.execute(f"select count(*) from {relation}").fetchall()[0][0]
            counts[label] = (persons_rows(connection, relation, columns) or 0, total)
    return counts


@dataclass
class Snapshot:
    """The copy's state before any purge, and what the purge must leave."""

    queue: list[tuple]  # (source_system, candidate_id, purge_reason)
    queued: set[str]
    apps: set[str]
    counts: dict[str, int]
    person_rows: dict[str, int]
    files: dict[str, tuple[int, int]]  # label -> (queued persons' rows, all rows)
    digests: dict[str, str]
    personal_values: set[str]  # names, e-mails and phones only queued persons have


def snapshot(warehouse: Warehouse) -> Snapshot:
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as connection:
        queue = connection.execute(
            "select source_system, candidate_id, purge_reason from marts.retention_purge_queue"
        ).fetchall()
        queued = {candidate_id for _, candidate_id, _ in queue}
        connection.register("q", pa.table({"id": sorted(queued)}))
        apps = {
            row[0]
            for row in connection.execute(
                "select distinct trim(application_id) from raw.canonical__applications"
                " where trim(candidate_id) in (select id from q)"
            ).fetchall()
        }
        personal_values = {
            value
            for (value,) in connection.execute(
                """
                select value from (
                    select trim(candidate_id) as candidate_id,
                           unnest([full_name, email, phone]) as value
                    from raw.canonical__candidates
                )
                where value is not null and length(value) > 5
                group by value
                having bool_and(candidate_id in (select id from q))
                """
            ).fetchall()
        }
    files = copies(warehouse)
    return Snapshot(
        queue=queue,
        queued=queued,
        apps=apps,
        counts=table_counts(warehouse.duckdb_path),
        person_rows=person_rows_per_table(warehouse.duckdb_path, queued, apps),
        files=person_rows_per_file(files, queued, apps),
        digests=digests(files),
        personal_values=personal_values,
    )


def clone(original: Warehouse, root: Path) -> Warehouse:
    """A copy of the warehouse file, its archive and its Spark raw files."""
    copy = new_warehouse(root, archive=True)
    shutil.copy2(original.duckdb_path, copy.duckdb_path)
    source = original.duckdb_path.parent
    for directory in ("archive", "spark"):
        shutil.copytree(source / directory, root / directory)
    return copy


def as_json_lines(batch_dir: Path, entities: list[str]) -> None:
    """Turn some CSV files of a batch into JSON lines (text values, as staging reads CSV)."""
    with duckdb.connect() as connection:
        for entity in entities:
            source = batch_dir / f"{entity}.csv"
            reader = READERS["csv"].format(source)
            connection.execute(
                f"copy (select * from {reader}) to '{batch_dir / f'{entity}.jsonl'}' (format json)"
            )
            source.unlink()


def build_models(warehouse: Warehouse) -> None:
    """The export delivered and loaded, then seeds and models as of END_DATE; dbt's own
    tests run in test_warehouse.py (time)."""
    warehouse.load()
    args = dbt_args("build", dbt_vars(END_DATE.isoformat()), target_path=warehouse.target_path)
    run_dbt([*args, "--exclude-resource-type", "test", "unit_test"], warehouse.paths, quiet=True)


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Warehouse:
    warehouse = new_warehouse(tmp_path_factory.mktemp("purge") / "original", archive=True)
    generate_export(
        warehouse.export_dir,
        candidates=800,
        seed=7,
        end_date=END_DATE,
        batches=4,
        file_format="mixed",
    )
    batches = sorted((warehouse.export_dir / "canonical").iterdir())
    as_json_lines(batches[2], ["consent_events", "privacy_requests", "stage_events"])
    with spark_of(warehouse):  # the Spark target's raw files: a delivery of their own
        shutil.copytree(warehouse.export_dir, warehouse.landing_dir)
        load(warehouse.paths, target="spark")
    build_models(warehouse)
    return warehouse


@pytest.fixture(scope="module")
def before(original) -> Snapshot:
    state = snapshot(original)
    assert len(state.queued) > 50 and len(state.apps) > 50, "the sample should queue people"
    assert {reason for _, _, reason in state.queue} == set(purge.PURGE_REASONS)
    assert {label.split(":")[0] for label, (n, _) in state.files.items() if n} == {
        "archive",
        "spark",
    }
    assert len(state.personal_values) > 100
    assert not any(original.landing_dir.rglob("*.*")), "the load emptied the landing"
    # before the purge, every copy holds them: the warehouse file, the archive, Spark's
    held = files_holding(original.duckdb_path.parent, state.personal_values, outside=None)
    assert {path.split("/")[0] for path in held} >= {"warehouse.duckdb", "archive", "spark"}
    return state


@dataclass
class Purged:
    warehouse: Warehouse
    plan: purge.PurgePlan
    report: purge.PurgeReport
    digests: dict[str, str]


@pytest.fixture(scope="module")
def purged(original, before, tmp_path_factory) -> Purged:
    warehouse = clone(original, tmp_path_factory.mktemp("purged"))
    with spark_of(warehouse):
        plan = plan_purge(warehouse.paths)
        report = apply_purge(plan, warehouse.paths, run_id="test-run")
    return Purged(warehouse, plan, report, digests(copies(warehouse)))


# --------------------------------------------------------------------------------------------
# Dry run
# --------------------------------------------------------------------------------------------


def test_dry_run_changes_nothing_and_counts_what_the_queue_holds(original, before, tmp_path):
    warehouse = clone(original, tmp_path / "dry")
    warehouse_digest = hashlib.sha256(warehouse.duckdb_path.read_bytes()).hexdigest()

    with spark_of(warehouse):
        plan = purge.purge(warehouse.paths, dry_run=True, run_id="dry")

    assert isinstance(plan, purge.PurgePlan)
    assert digests(copies(warehouse)) == before.digests
    assert hashlib.sha256(warehouse.duckdb_path.read_bytes()).hexdigest() == warehouse_digest
    assert table_counts(warehouse.duckdb_path) == before.counts
    assert not warehouse.paths.state_dir.exists()  # no salt, no tombstones

    assert {(p.source_system, p.candidate_id) for p in plan.persons} == {
        (s, c) for s, c, _ in before.queue
    }
    assert dict(plan.persons_by_reason) == dict(Counter(r for _, _, r in before.queue))
    assert {a for p in plan.persons for a in p.application_ids} == before.apps
    assert plan.as_of_date == END_DATE.isoformat()
    assert {hit.where: hit.rows for hit in plan.files} == {
        label: n for label, (n, _) in before.files.items() if n
    }
    # the copies of the tables that hold persons (jobs and openings name nobody)
    assert plan.files_scanned == sum(
        1 for label in before.files if not re.search(r"jobs|openings", label)
    )
    assert {hit.where: hit.rows for hit in plan.tables} == {
        table: n for table, n in before.person_rows.items() if n
    }
    assert "marts.retention_purge_queue" in {hit.where for hit in plan.tables}
    assert "raw.canonical__candidates" in {hit.where for hit in plan.tables}


# --------------------------------------------------------------------------------------------
# Real run
# --------------------------------------------------------------------------------------------


def test_real_run_leaves_no_row_of_a_queued_person_anywhere(purged, before):
    remaining = person_rows_per_table(purged.warehouse.duckdb_path, before.queued, before.apps)
    assert remaining and not any(remaining.values()), remaining
    files = person_rows_per_file(copies(purged.warehouse), before.queued, before.apps)
    assert files and not any(n for n, _ in files.values()), files
    assert not purged.warehouse.rows("select * from marts.retention_purge_queue")
    with spark_of(purged.warehouse):
        assert plan_purge(purged.warehouse.paths).persons == ()


def test_real_run_leaves_no_name_email_or_phone_in_any_file_under_the_root(purged, before):
    """Every file the project wrote (the warehouse file, the archive, Spark's raw files,
    the state, the dbt target) holds none of them; only the ATS's own export does. A
    DELETE only marks rows: the purge rewrites the warehouse file without them."""
    assert purged.report.warehouse_compacted
    assert not (purged.warehouse.paths.state_dir / "warehouse_compaction_pending").exists()
    root = purged.warehouse.duckdb_path.parent
    assert files_holding(root, before.personal_values, outside=purged.warehouse.export_dir) == []
    with duckdb.connect(str(purged.warehouse.duckdb_path), read_only=True) as connection:
        views = connection.execute(
            "select schema_name || '.' || view_name from duckdb_views() where not internal"
        ).fetchall()
        assert views
        for (view,) in views:  # the rewritten file still has every view, and they work
            connection.execute(f"select count(*) from {view}").fetchall()


def test_real_run_keeps_every_other_row_exactly(purged, before, original):
    report_files = {hit.where: hit for hit in purged.report.files}
    assert {label: (hit.rows, hit.rows_kept) for label, hit in report_files.items()} == {
        label: (n, total - n) for label, (n, total) in before.files.items() if n
    }
    assert {hit.where: hit.rows for hit in purged.plan.files} == {
        label: hit.rows for label, hit in report_files.items()
    }
    old_copies, new_copies = copies(original), copies(purged.warehouse)
    for label, path in new_copies.items():
        if label not in report_files:
            assert purged.digests[label] == before.digests[label], label
            continue
        assert pq.read_schema(path).equals(pq.read_schema(old_copies[label])), label
        with duckdb.connect() as connection:
            kept = connection.execute(
                f"select * from read_parquet('{old_copies[label]}')"
                f" except all select * from read_parquet('{path}')"
            ).fetchall()
        assert len(kept) == report_files[label].rows, label  # only their rows went

    after = table_counts(purged.warehouse.duckdb_path)
    # the incremental models' record of what they read is forgotten on purpose (purge.py)
    assert after.pop("staging.landing_files_loaded") == 0
    assert after == {
        t: n - before.person_rows.get(t, 0)
        for t, n in before.counts.items()
        if t != "staging.landing_files_loaded"
    }
    assert {hit.where: hit.rows for hit in purged.report.tables} == {
        t: n for t, n in before.person_rows.items() if n
    }
    assert purged.report.tables == purged.plan.tables


def test_the_record_of_loaded_files_counts_the_rows_left(purged, before):
    """raw._loaded_files says how many rows each file has in the raw tables: the purge
    lowers it by what it deleted (the landing reconciliation compares it with staging)."""
    with duckdb.connect(str(purged.warehouse.duckdb_path), read_only=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw'"
                " and table_name like 'canonical\\_\\_%' escape '\\'"
            ).fetchall()
        ]
        counted = dict(
            connection.execute(
                "select _file, count(*) from ("
                + " union all ".join(f"select _file from raw.{name}" for name in tables)
                + ") group by 1"
            ).fetchall()
        )
        recorded = dict(
            connection.execute("select file, rows from raw._loaded_files where rows > 0").fetchall()
        )
    assert recorded == counted
    assert sum(recorded.values()) == sum(before.counts[f"raw.{name}"] for name in tables) - sum(
        before.person_rows.get(f"raw.{name}", 0) for name in tables
    )


def test_tombstones_one_per_person_salt_private(purged, before):
    state_dir = purged.warehouse.paths.state_dir
    salt_path = state_dir / "tombstone_salt"
    assert stat.S_IMODE(salt_path.stat().st_mode) == 0o600
    salt = salt_path.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", salt)

    text = (state_dir / "tombstones.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "source_system,candidate_key_hash,purge_reason,purged_at"
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == len(before.queue) == purged.report.tombstones_written
    assert {r["candidate_key_hash"] for r in rows} == {
        tombstone_hash(salt, s, c) for s, c, _ in before.queue
    }
    assert Counter(r["purge_reason"] for r in rows) == Counter(r for _, _, r in before.queue)
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["candidate_key_hash"]) for r in rows)
    assert not any(c in text for _, c, _ in before.queue)


def test_tombstone_hash_equals_duckdb_sha256_of_salt_source_and_id(purged, before):
    state_dir = purged.warehouse.paths.state_dir
    salt = (state_dir / "tombstone_salt").read_text().strip()
    tricky = [
        ("canonical", "C1"),
        ("ｇｒｅｅｎｈｏｕｓｅ", "候補者-01"),
        ("lever", "a|b'c\"d"),
        ("x", ""),
    ]
    pairs = [(s, c) for s, c, _ in before.queue] + tricky
    with duckdb.connect() as connection:
        connection.register(
            "persons",
            pa.table(
                {"source_system": [s for s, _ in pairs], "candidate_id": [c for _, c in pairs]}
            ),
        )
        in_sql = connection.execute(
            "select source_system, candidate_id,"
            " sha256(? || '|' || source_system || '|' || candidate_id) from persons",
            [salt],
        ).fetchall()
        stored = {
            row[0]
            for row in connection.execute(
                f"select candidate_key_hash from read_csv('{state_dir / 'tombstones.csv'}',"
                " all_varchar = true)"
            ).fetchall()
        }
    assert len(in_sql) == len(pairs)
    for source_system, candidate_id, sql_hash in in_sql:
        assert sql_hash == tombstone_hash(salt, source_system, candidate_id)
    assert stored == {h for s, c, h in in_sql if (s, c) not in tricky}


def test_second_run_with_the_same_plan_changes_nothing(purged, before):
    tombstones = (purged.warehouse.paths.state_dir / "tombstones.csv").read_bytes()
    counts = table_counts(purged.warehouse.duckdb_path)

    with spark_of(purged.warehouse):
        again = apply_purge(purged.plan, purged.warehouse.paths, run_id="again")

    assert again.tombstones_written == 0
    assert again.tombstones_already_present == len(before.queue)
    assert again.files == () and again.tables == () and not again.warehouse_compacted
    assert (purged.warehouse.paths.state_dir / "tombstones.csv").read_bytes() == tombstones
    assert digests(copies(purged.warehouse)) == purged.digests
    assert table_counts(purged.warehouse.duckdb_path) == counts


def test_nothing_rendered_names_a_person(purged, before, original):
    candidate_ids = {
        row[0] for row in original.rows("select candidate_id from raw.canonical__candidates")
    }
    ids = before.queued | before.apps | candidate_ids
    texts = [
        purged.plan.render(),
        repr(purged.plan),
        purged.report.render(),
        repr(purged.report),
        json.dumps(purged.report.as_dict()),
    ]
    for text in texts:
        tokens = set(re.findall(r"[\w.@+-]+", text))
        assert not tokens & ids
        assert "@" not in text
    assert "persons queued" in texts[0] and "tombstones written" in texts[2]


# --------------------------------------------------------------------------------------------
# A batch not loaded yet: the queue was decided without it
# --------------------------------------------------------------------------------------------


def test_the_purge_refuses_while_a_batch_waits_in_the_landing(original, before, tmp_path):
    """The person may have re-applied, or withdrawn their request, in a batch the intake
    refused or the load has not taken yet: nothing is deleted, the refusal is recorded
    (counts only) and says what to do."""
    warehouse = clone(original, tmp_path / "waiting")
    batch = "2026-12-01T0300"
    (person, *_) = sorted(before.queued)
    write_entity(warehouse.export_dir, batch, "applications", [{"candidate_id": person}])
    warehouse.deliver()  # in the landing, not loaded
    warehouse_digest = hashlib.sha256(warehouse.duckdb_path.read_bytes()).hexdigest()

    for dry_run in (True, False):
        with spark_of(warehouse), pytest.raises(PurgeError) as refused:
            purge.purge(warehouse.paths, dry_run=dry_run, run_id=f"refused-{dry_run}")
        message = str(refused.value)
        assert f"the landing holds 1 batch(es) not loaded (canonical/{batch})" in message
        assert "nothing was deleted" in message and "Run `recontact load`" in message
        assert person not in message

    assert hashlib.sha256(warehouse.duckdb_path.read_bytes()).hexdigest() == warehouse_digest
    assert digests(copies(warehouse)) == before.digests
    assert not warehouse.paths.state_dir.exists()  # no tombstone
    entries = audit.read_entries(warehouse.paths.audit_dir)
    assert [(e["event"], e["dry_run"], e["unloaded_batches"]) for e in entries] == [
        ("purge_refused", True, 1),
        ("purge_refused", False, 1),
    ]
    assert person not in json.dumps(entries) and batch not in json.dumps(entries)


# --------------------------------------------------------------------------------------------
# Crashes
# --------------------------------------------------------------------------------------------


class SimulatedCrash(Exception):
    pass


def test_crash_while_rewriting_a_file_leaves_it_old_and_a_rerun_finishes(
    original, before, purged, tmp_path, monkeypatch
):
    warehouse = clone(original, tmp_path / "crash")
    written: list[Path] = []
    atomic_write = purge.atomic_write

    def crash_on_the_fourth(path, content, **options):
        if path.suffix == ".parquet" and len(written) == 3:

            def half_then_crash(temporary: Path) -> None:
                content(temporary)  # the new version is complete in the temp file...
                temporary.write_bytes(temporary.read_bytes()[:100])
                raise SimulatedCrash  # ... and never put in place

            atomic_write(path, half_then_crash, **options)
        atomic_write(path, content, **options)
        if path.suffix == ".parquet":
            written.append(path)

    monkeypatch.setattr(purge, "atomic_write", crash_on_the_fourth)
    with spark_of(warehouse), pytest.raises(SimulatedCrash):
        apply_purge(plan_purge(warehouse.paths), warehouse.paths, run_id="crash")
    monkeypatch.undo()

    root = warehouse.duckdb_path.parent
    assert not [p for p in root.rglob("*.tmp")], "a temp file was left behind"
    now = digests(copies(warehouse))
    changed = [label for label, digest in before.digests.items() if now[label] != digest]
    assert len(changed) == 3 and len(written) == 3
    for label in changed:  # every changed file is exactly the purged version
        assert now[label] == purged.digests[label], label
    assert table_counts(warehouse.duckdb_path) == before.counts  # warehouse not reached yet

    with spark_of(warehouse):
        report = apply_purge(plan_purge(warehouse.paths), warehouse.paths, run_id="rerun")

    assert report.tombstones_written == 0  # written before the crash, not duplicated
    assert digests(copies(warehouse)) == purged.digests  # exactly as an uninterrupted run
    assert table_counts(warehouse.duckdb_path) == table_counts(purged.warehouse.duckdb_path)
    tombstones = (warehouse.paths.state_dir / "tombstones.csv").read_text().splitlines()
    assert len(tombstones) == 1 + len(before.queue)


def test_crash_in_the_warehouse_step_rolls_back_and_a_rerun_finishes(
    original, before, purged, tmp_path, monkeypatch
):
    warehouse = clone(original, tmp_path / "crash_db")
    delete_rows = purge._delete_rows

    def crash_after_first_table(connection, tables):
        assert delete_rows(connection, tables[:1])  # something is deleted, then the crash
        raise SimulatedCrash

    monkeypatch.setattr(purge, "_delete_rows", crash_after_first_table)
    with spark_of(warehouse), pytest.raises(SimulatedCrash):
        apply_purge(plan_purge(warehouse.paths), warehouse.paths, run_id="crash")
    monkeypatch.undo()

    assert table_counts(warehouse.duckdb_path) == before.counts  # rolled back
    assert digests(copies(warehouse)) == purged.digests  # files done before the warehouse
    with spark_of(warehouse):
        plan = plan_purge(warehouse.paths)
    assert len(plan.persons) == len(before.queue) and plan.files == ()

    def crashing_compaction(paths):
        raise SimulatedCrash

    monkeypatch.setattr(purge, "compact_warehouse", crashing_compaction)
    with spark_of(warehouse), pytest.raises(SimulatedCrash):  # deleted, not yet scrubbed
        apply_purge(plan, warehouse.paths, run_id="rerun")
    monkeypatch.undo()
    assert table_counts(warehouse.duckdb_path) == table_counts(purged.warehouse.duckdb_path)
    raw = warehouse.duckdb_path.read_bytes()
    assert any(value.encode() in raw for value in before.personal_values)

    with spark_of(warehouse):
        plan = plan_purge(warehouse.paths)
        assert plan.persons == ()  # the queue is empty now, yet the scrub is still owed
        report = apply_purge(plan, warehouse.paths, run_id="rerun-2")
    assert report.warehouse_compacted and report.tables == ()
    raw = warehouse.duckdb_path.read_bytes()
    assert not any(value.encode() in raw for value in before.personal_values)
    assert table_counts(warehouse.duckdb_path) == table_counts(purged.warehouse.duckdb_path)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def test_missing_warehouse_missing_marts_and_unreadable_files_are_named(original, tmp_path):
    empty = new_warehouse(tmp_path / "nothing")
    with pytest.raises(PurgeError, match="no warehouse at .*build it first"):
        plan_purge(empty.paths)

    duckdb.connect(str(empty.duckdb_path)).close()
    with pytest.raises(PurgeError, match=r"no marts\.retention_purge_queue; build the marts"):
        plan_purge(empty.paths)

    warehouse = clone(original, tmp_path / "broken")
    broken = next(p for label, p in copies(warehouse).items() if label.startswith("archive:"))
    broken.write_bytes(b"PAR1 not really parquet")
    with spark_of(warehouse), pytest.raises(PurgeError, match="cannot be read as Parquet") as error:
        plan_purge(warehouse.paths)
    assert broken.relative_to(warehouse.paths.archive_dir).as_posix() in str(error.value)
    assert not warehouse.paths.state_dir.exists()


# --------------------------------------------------------------------------------------------
# Awkward ids and tables, and the command line (a hand-made warehouse, no dbt)
# --------------------------------------------------------------------------------------------


def small_warehouse(root: Path) -> WarehousePaths:
    """A queue of one person (C1) and their rows in awkward tables and an archived file."""
    paths = new_warehouse(root, archive=True).paths
    archived = paths.archive_dir / "canonical" / "2026-01-01T0300"
    archived.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "candidate_id": [" C1 ", "C2", "C1"],
                "full_name": ["山田 太郎", "Doe, Jane", "Taro Yamada"],
                "_batch_id": ["2026-01-01T0300"] * 3,
                "_file": ["canonical/2026-01-01T0300/candidates.csv"] * 3,
                "_row_number": pa.array([1, 2, 3], pa.int64()),
            }
        ),
        archived / "candidates.parquet",
    )
    pq.write_table(
        pa.table({"job_id": ["C1"], "title": ["not a person"]}), archived / "jobs.parquet"
    )
    with duckdb.connect(str(paths.duckdb_path)) as connection:
        connection.execute(
            """
            create schema marts;
            create table marts.retention_purge_queue as
                select 'canonical' as source_system, 'C1' as candidate_id, 'p1' as person_id,
                       date '2026-11-27' as as_of_date, 'erasure_requested' as purge_reason,
                       date '2026-11-01' as purge_due_on;
            create schema raw;
            create table raw.canonical__applications as select * from (values
                ('A1', ' C1', 'canonical/b/applications.csv'),
                ('A2', 'C2', 'canonical/b/applications.csv'))
                as t(application_id, candidate_id, _file);
            create table raw.canonical__stage_events as select * from (values
                ('S1', 'A1 ', 'canonical/b/stage_events.jsonl'),
                ('S2', 'A2', 'canonical/b/stage_events.jsonl'))
                as t(stage_event_id, application_id, _file);
            create table raw._loaded_files as select * from (values
                ('canonical/b/applications.csv', 'b', 2, now()),
                ('canonical/b/stage_events.jsonl', 'b', 2, now()))
                as t(file, batch_id, rows, loaded_at);
            create schema staging;
            -- A9 is C1's only in this table
            create table staging.applications as
                select * from (values ('C1', 'A9'), ('C2', 'A2')) as t(candidate_id, application_id)
            ;
            create table staging.quarantine as select * from (values
                ('canonical', 'candidates', 'C1'), ('canonical', 'stage_events', 'S1'),
                ('canonical', 'stage_events', 'S2'), ('canonical', 'applications', 'A9'),
                ('other', 'candidates', 'C1')) as t(source_system, entity, record_key);
            create schema custom;
            create table custom.notes as select * from (values (' C1', 1), ('C2', 2))
                as t("Candidate_ID", n);
            create view custom.v as select * from custom.notes;
            """
        )
    return paths


def test_ids_match_as_staging_sees_them_in_tables_and_files(tmp_path):
    paths = small_warehouse(tmp_path / "small")
    archived = paths.archive_dir / "canonical" / "2026-01-01T0300"
    jobs = (archived / "jobs.parquet").read_bytes()
    schema = pq.read_schema(archived / "candidates.parquet")

    plan = plan_purge(paths)
    assert [p.application_ids for p in plan.persons] == [("A1", "A9")]
    report = apply_purge(plan, paths, run_id="small")

    candidates = pq.read_table(archived / "candidates.parquet")
    assert candidates.schema.equals(schema)
    assert candidates.column("full_name").to_pylist() == ["Doe, Jane"]
    assert (archived / "jobs.parquet").read_bytes() == jobs
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as connection:

        def rows(sql: str) -> list[tuple]:
            return connection.execute(sql).fetchall()

        assert rows("select application_id from raw.canonical__applications") == [("A2",)]
        assert rows("select stage_event_id from raw.canonical__stage_events") == [("S2",)]
        assert rows("select file, rows from raw._loaded_files order by 1") == [
            ("canonical/b/applications.csv", 1),
            ("canonical/b/stage_events.jsonl", 1),
        ]
        assert rows("select * from staging.applications") == [("C2", "A2")]
        assert rows("select * from staging.quarantine order by all") == [
            ("canonical", "stage_events", "S2"),
            ("other", "candidates", "C1"),  # another source system's C1 is someone else
        ]
        assert rows("select * from custom.notes") == [("C2", 2)]
        assert rows("select count(*) from marts.retention_purge_queue") == [(0,)]
    assert {hit.where: (hit.rows, hit.rows_kept) for hit in report.files} == {
        "archive:canonical/2026-01-01T0300/candidates.parquet": (2, 1)
    }
    assert {hit.where: hit.rows for hit in report.tables} == {
        "custom.notes": 1,
        "marts.retention_purge_queue": 1,
        "raw.canonical__applications": 1,
        "raw.canonical__stage_events": 1,
        "staging.applications": 1,
        "staging.quarantine": 3,
    }


def test_cli_purge_dry_run_then_real_run_print_counts_only(tmp_path, monkeypatch, capsys):
    paths = small_warehouse(tmp_path / "cli")
    for variable, value in paths.as_env().items():
        monkeypatch.setenv(variable, value)
    parser = argparse.ArgumentParser(prog="recontact")
    register_cli(parser.add_subparsers(dest="command", required=True))
    archived = paths.archive_dir / "canonical" / "2026-01-01T0300" / "candidates.parquet"

    args = parser.parse_args(["purge", "--dry-run"])
    args.handler(args)
    dry = capsys.readouterr().out
    assert "persons queued" in dry and "erasure_requested" in dry
    assert pq.read_table(archived).num_rows == 3

    args = parser.parse_args(["purge", "--run-id", "cli-run"])
    args.handler(args)
    real = capsys.readouterr().out
    assert "retention purge cli-run" in real and "tombstones written" in real
    assert pq.read_table(archived).num_rows == 1
    for text in (dry, real):
        assert not re.search(r"\b(C1|A1|A9|S1)\b", text)

    paths.duckdb_path.unlink()
    with pytest.raises(SystemExit, match="recontact purge: no warehouse"):
        args.handler(args)


# --------------------------------------------------------------------------------------------
# Every entry point: the same audit entry, and no BI release keeps a purged person
# --------------------------------------------------------------------------------------------


def test_the_cli_purge_records_itself_and_leaves_no_release_with_a_purged_person(
    original, before, tmp_path, monkeypatch, capsys
):
    """Issue 12: `recontact purge` from the CLI wrote no audit entry (only the Dagster job
    did), and the purged persons' ids stayed in the current BI release and every older
    one. Both entry points now go through publish.purge_and_republish()."""
    from orchestration import cli, publish

    warehouse = clone(original, tmp_path / "cli")
    paths = warehouse.paths
    for release in ("r1", "r2"):
        publish.publish(paths, release_id=release)
    for variable, value in paths.as_env().items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("RECONTACT_SPARK_DIR", str(tmp_path / "cli" / "spark"))

    cli.main(["purge", "--dry-run", "--run-id", "dry-1"])
    cli.main(["purge", "--run-id", "real-1"])
    capsys.readouterr()

    entries = audit.read_entries(paths.audit_dir)
    assert [(e["event"], e["run_id"]) for e in entries] == [
        ("purge_dry_run", "dry-1"),
        ("purge", "real-1"),
    ]
    assert audit.verify_chain(paths.audit_dir) == 2
    releases = sorted(p.name for p in (paths.publish_dir / "releases").iterdir())
    assert releases == ["real-1-after-purge"]
    with duckdb.connect(str(paths.publish_dir / publish.BI_DATABASE), read_only=True) as bi:
        published = {
            candidate_id
            for mart in ("recontact_eligibility", "retention_purge_queue")
            for (candidate_id,) in bi.execute(f"select candidate_id from marts.{mart}").fetchall()
        }
    assert published and not published & before.queued
