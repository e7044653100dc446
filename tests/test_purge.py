"""Retention purge (orchestration/purge.py): dry run, real run, crash safety, idempotence.

One generated export (800 candidates, CSV, Parquet and JSON-lines batches) is built once
into a throw-away warehouse; every test that changes anything works on its own copy.
Which rows are a queued person's is worked out here independently of purge.py, by DuckDB
reading the files the way staging does.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import io
import json
import re
import shutil
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration import purge
from orchestration.intake import MANIFEST_NAME, prepare_landing, read_manifest
from orchestration.load import load
from orchestration.paths import WarehousePaths
from orchestration.purge import (
    PurgeError,
    apply_purge,
    plan_purge,
    register_cli,
    tombstone_hash,
)
from orchestration.warehouse import dbt_args, dbt_vars, run_dbt
from sample_exports.generate import generate_export
from tests.support import END_DATE, Warehouse, new_warehouse

CANDIDATE_KEYED = {"candidates", "applications", "consent_events", "privacy_requests"}
CANDIDATE_KEYED |= {"outreach_events"}
APPLICATION_KEYED = {"stage_events", "evaluations", "offers"}
READERS = {
    "csv": "read_csv('{}', header = true, all_varchar = true, delim = ',', quote = '\"',"
    " escape = '\"')",
    "parquet": "read_parquet('{}')",
    "jsonl": "read_json('{}', format = 'newline_delimited')",
}


# --------------------------------------------------------------------------------------------
# Helpers: reading files and tables independently of purge.py
# --------------------------------------------------------------------------------------------


def landed(path: Path) -> tuple[list[str], list[tuple]]:
    """A landing file as staging reads it: column names and rows of text (None = NULL)."""
    reader = READERS[path.suffix.lstrip(".")].format(str(path).replace("'", "''"))
    with duckdb.connect() as connection:
        result = connection.execute(f"select columns(*)::varchar from {reader}")
        columns = [d[0] for d in result.description]
        return columns, result.fetchall()


def landing_files(landing_dir: Path) -> list[Path]:
    """Every landing file (not a batch's _manifest.json, see orchestration/intake.py)."""
    return sorted(p for p in landing_dir.rglob("*") if p.is_file() and not p.name.startswith("_"))


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


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


def person_rows_per_table(duckdb_path: Path, queued: set[str], apps: set[str]) -> dict[str, int]:
    """Rows holding a queued candidate id or one of their application ids, per table."""
    counts = {}
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        connection.register("q", pa.table({"id": sorted(queued)}))
        connection.register("a", pa.table({"id": sorted(apps)}))
        for table, columns in base_tables(duckdb_path).items():
            tests = []
            if "candidate_id" in columns:
                tests.append("candidate_id in (select id from q)")
            if "application_id" in columns:
                tests.append("application_id in (select id from a)")
            if {"entity", "record_key"} <= set(columns):
                tests.append(
                    "(entity = 'candidates' and record_key in (select id from q))"
                    " or (entity = 'applications' and record_key in (select id from a))"
                )
            if tests:
                sql = f"select count(*) from {table} where {' or '.join(tests)}"
                counts[table] = connection.execute(sql).fetchall()[0][0]
    return counts


def record(columns: list[str], row: tuple) -> dict:
    return dict(zip(columns, row, strict=True))


def owned(entity: str, row: dict, queued: set[str], apps: set[str]) -> bool:
    """Is this landed row a queued person's? (the purge rules, written out again)"""
    candidate_id = (row.get("candidate_id") or "").strip(" ")
    application_id = (row.get("application_id") or "").strip(" ")
    if entity in CANDIDATE_KEYED:
        return candidate_id in queued or (entity == "applications" and application_id in apps)
    if entity in APPLICATION_KEYED:
        return application_id in apps
    return False


@dataclass
class Snapshot:
    """The copy's state before any purge, and what the purge must leave."""

    queue: list[tuple]  # (source_system, candidate_id, purge_reason)
    queued: set[str]
    apps: set[str]
    files: dict[str, tuple[list[str], list[tuple]]]  # relative path -> (columns, rows)
    expected: dict[str, list[tuple]]  # rows each file must keep, in order
    removed: dict[str, int]  # rows each file must lose
    digests: dict[str, str]
    counts: dict[str, int]
    person_rows: dict[str, int]
    personal_values: set[str]  # e-mails and phones only queued persons have


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
                "select application_id from staging.stg_canonical__applications"
                " where candidate_id in (select id from q)"
            ).fetchall()
        }
        personal_values = {
            value
            for (value,) in connection.execute(
                """
                select value from (
                    select candidate_id, unnest([email, phone]) as value
                    from staging.stg_canonical__candidates
                )
                where value is not null
                group by value
                having bool_and(candidate_id in (select id from q))
                """
            ).fetchall()
        }
    files = {}
    for path in landing_files(warehouse.landing_dir):
        files[path.relative_to(warehouse.landing_dir).as_posix()] = landed(path)
    for relative, (columns, rows) in files.items():
        if relative.split("/")[-1].startswith("applications."):
            for row in rows:
                values = record(columns, row)
                if (values["candidate_id"] or "").strip(" ") in queued:
                    apps.add(values["application_id"].strip(" "))
    expected, removed = {}, {}
    for relative, (columns, rows) in files.items():
        entity = relative.split("/")[-1].split(".")[0]
        keep = [r for r in rows if not owned(entity, record(columns, r), queued, apps)]
        expected[relative] = keep
        removed[relative] = len(rows) - len(keep)
    return Snapshot(
        queue=queue,
        queued=queued,
        apps=apps,
        files=files,
        expected=expected,
        removed=removed,
        digests=digests(warehouse.landing_dir),
        counts=table_counts(warehouse.duckdb_path),
        person_rows=person_rows_per_table(warehouse.duckdb_path, queued, apps),
        personal_values=personal_values,
    )


def clone(original: Warehouse, root: Path) -> Warehouse:
    copy = new_warehouse(root)
    shutil.copytree(original.landing_dir, copy.landing_dir)
    shutil.copy2(original.duckdb_path, copy.duckdb_path)
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
    """The landing loaded, then seeds and models as of END_DATE; dbt's own tests run in
    test_warehouse.py (time)."""
    load(warehouse.paths)
    args = dbt_args("build", dbt_vars(END_DATE.isoformat()), target_path=warehouse.target_path)
    run_dbt([*args, "--exclude-resource-type", "test", "unit_test"], warehouse.paths, quiet=True)


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Warehouse:
    warehouse = new_warehouse(tmp_path_factory.mktemp("purge") / "original")
    generate_export(
        warehouse.landing_dir,
        candidates=800,
        seed=7,
        end_date=END_DATE,
        batches=4,
        file_format="mixed",
    )
    batches = sorted((warehouse.landing_dir / "canonical").iterdir())
    as_json_lines(batches[2], ["consent_events", "privacy_requests", "stage_events"])
    build_models(warehouse)
    return warehouse


@pytest.fixture(scope="module")
def before(original) -> Snapshot:
    state = snapshot(original)
    assert len(state.queued) > 50 and len(state.apps) > 50, "the sample should queue people"
    assert {reason for _, _, reason in state.queue} == set(purge.PURGE_REASONS)
    assert any(path.endswith(".jsonl") and n for path, n in state.removed.items())
    assert len(state.personal_values) > 100
    raw = original.duckdb_path.read_bytes()  # DuckDB keeps these strings as plain bytes
    assert sum(value.encode() in raw for value in state.personal_values) > 100
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
    plan = plan_purge(warehouse.paths)
    report = apply_purge(plan, warehouse.paths, run_id="test-run")
    return Purged(warehouse, plan, report, digests(warehouse.landing_dir))


# --------------------------------------------------------------------------------------------
# Dry run
# --------------------------------------------------------------------------------------------


def test_dry_run_changes_nothing_and_counts_what_the_queue_holds(original, before, tmp_path):
    warehouse = clone(original, tmp_path / "dry")
    warehouse_digest = hashlib.sha256(warehouse.duckdb_path.read_bytes()).hexdigest()

    plan = purge.purge(warehouse.paths, dry_run=True, run_id="dry")

    assert isinstance(plan, purge.PurgePlan)
    assert digests(warehouse.landing_dir) == before.digests
    assert hashlib.sha256(warehouse.duckdb_path.read_bytes()).hexdigest() == warehouse_digest
    assert table_counts(warehouse.duckdb_path) == before.counts
    assert not warehouse.paths.state_dir.exists()  # no salt, no tombstones

    assert {(p.source_system, p.candidate_id) for p in plan.persons} == {
        (s, c) for s, c, _ in before.queue
    }
    assert dict(plan.persons_by_reason) == dict(Counter(r for _, _, r in before.queue))
    assert {a for p in plan.persons for a in p.application_ids} == before.apps
    assert plan.as_of_date == END_DATE.isoformat()
    assert {hit.path: hit.rows for hit in plan.files} == {
        path: n for path, n in before.removed.items() if n
    }
    assert plan.files_scanned == sum(
        # jobs and openings name no person (openings: recontact-outreach v1)
        1
        for path in before.files
        if not path.split("/")[-1].startswith(("jobs.", "openings."))
    )
    assert {hit.table: hit.rows for hit in plan.tables} == {
        table: n for table, n in before.person_rows.items() if n
    }
    assert "marts.retention_purge_queue" in {hit.table for hit in plan.tables}


# --------------------------------------------------------------------------------------------
# Real run
# --------------------------------------------------------------------------------------------


def test_real_run_leaves_no_row_of_a_queued_person_anywhere(purged, before):
    landing_dir = purged.warehouse.landing_dir
    for path in landing_files(landing_dir):
        entity = path.name.split(".")[0]
        columns, rows = landed(path)
        leftovers = [r for r in rows if owned(entity, record(columns, r), before.queued, set())]
        leftovers += [r for r in rows if owned(entity, record(columns, r), set(), before.apps)]
        assert not leftovers, f"{path.relative_to(landing_dir)} still holds queued persons' rows"
    remaining = person_rows_per_table(purged.warehouse.duckdb_path, before.queued, before.apps)
    assert remaining and not any(remaining.values()), remaining
    assert not purged.warehouse.rows("select * from marts.retention_purge_queue")
    assert plan_purge(purged.warehouse.paths).persons == ()


def test_real_run_leaves_no_personal_bytes_in_any_file(purged, before):
    """A DELETE only marks rows; the purge rewrites the warehouse file without them."""
    assert purged.report.warehouse_compacted
    assert not (purged.warehouse.paths.state_dir / "warehouse_compaction_pending").exists()
    files = [purged.warehouse.duckdb_path, *landing_files(purged.warehouse.landing_dir)]
    for path in files:
        raw = path.read_bytes()
        found = sum(value.encode() in raw for value in before.personal_values)
        assert not found, f"{path.name} still holds {found} e-mails or phones of purged persons"
    with duckdb.connect(str(purged.warehouse.duckdb_path), read_only=True) as connection:
        views = connection.execute(
            "select schema_name || '.' || view_name from duckdb_views() where not internal"
        ).fetchall()
        assert views
        for (view,) in views:  # the rewritten file still has every view, and they work
            connection.execute(f"select count(*) from {view}").fetchall()


def test_real_run_keeps_every_other_row_exactly(purged, before, original):
    landing_dir = purged.warehouse.landing_dir
    report_files = {change.path: change for change in purged.report.files}
    assert {path: c.rows_removed for path, c in report_files.items()} == {
        path: n for path, n in before.removed.items() if n
    }
    assert {hit.path: hit.rows for hit in purged.plan.files} == {
        path: c.rows_removed for path, c in report_files.items()
    }
    for relative, (columns, _) in before.files.items():
        path = landing_dir / relative
        if not before.removed[relative]:
            assert purged.digests[relative] == before.digests[relative], relative
            continue
        if not before.expected[relative] and path.suffix == ".jsonl":
            assert not path.exists() and report_files[relative].file_removed
            continue
        after_columns, after_rows = landed(path)
        assert after_columns == columns, relative
        assert after_rows == before.expected[relative], relative
    for relative in report_files:
        old, new = original.landing_dir / relative, landing_dir / relative
        if new.suffix == ".parquet":
            assert pq.read_schema(new).equals(pq.read_schema(old)), relative
        elif new.exists():  # text: same header, every line one of the old lines, in order
            old_lines = iter(old.read_bytes().split(b"\n"))
            new_lines = new.read_bytes().split(b"\n")
            assert all(line in old_lines for line in new_lines), relative
            if new.suffix == ".csv":
                assert new_lines[0] == old.read_bytes().split(b"\n")[0]

    after = table_counts(purged.warehouse.duckdb_path)
    # the records of what was loaded and read are forgotten on purpose (purge.py)
    forgotten = ("staging.landing_files_loaded", "raw._loaded_files")
    assert [after.pop(t) for t in forgotten] == [0, 0]
    assert after == {
        t: n - before.person_rows.get(t, 0) for t, n in before.counts.items() if t not in forgotten
    }
    assert {hit.table: hit.rows for hit in purged.report.tables} == {
        t: n for t, n in before.person_rows.items() if n
    }
    assert purged.report.tables == purged.plan.tables


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


def test_real_run_keeps_the_batch_manifests_counting(purged, tmp_path):
    """The files lose rows, their batch manifests say so: the next build's intake passes."""
    paths = dataclasses.replace(purged.warehouse.paths, state_dir=tmp_path / "state")
    prepare_landing(paths)  # raises on any count that differs from a manifest
    purged_rows = Counter()
    for batch_dir in (purged.warehouse.landing_dir / "canonical").iterdir():
        purged_rows.update(read_manifest(batch_dir).get("purged_rows", {}))
    removed = Counter()
    for change in purged.report.files:
        removed[change.entity] += change.rows_removed
    assert purged_rows == removed and sum(removed.values()) > 0


def test_second_run_with_the_same_plan_changes_nothing(purged, before):
    tombstones = (purged.warehouse.paths.state_dir / "tombstones.csv").read_bytes()
    counts = table_counts(purged.warehouse.duckdb_path)

    again = apply_purge(purged.plan, purged.warehouse.paths, run_id="again")

    assert again.tombstones_written == 0
    assert again.tombstones_already_present == len(before.queue)
    assert again.files == () and again.tables == () and not again.warehouse_compacted
    assert (purged.warehouse.paths.state_dir / "tombstones.csv").read_bytes() == tombstones
    assert digests(purged.warehouse.landing_dir) == purged.digests
    assert table_counts(purged.warehouse.duckdb_path) == counts


def test_nothing_rendered_names_a_person(purged, before, original):
    _, candidate_rows = landed(next(original.landing_dir.rglob("candidates.csv")))
    ids = before.queued | before.apps | {row[0] for row in candidate_rows}
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
# Crashes
# --------------------------------------------------------------------------------------------


class SimulatedCrash(Exception):
    pass


@pytest.mark.parametrize("where", ["before_replace", "while_writing"])
def test_crash_midway_leaves_each_file_old_or_new_and_a_rerun_finishes(
    original, before, purged, tmp_path, monkeypatch, where
):
    warehouse = clone(original, tmp_path / "crash")
    landing_dir = warehouse.landing_dir
    published: list[Path] = []
    crashed_on: list[Path] = []

    if where == "before_replace":
        publish = purge._publish

        def crashing_publish(temp: Path, target: Path) -> None:
            if target.parent.parent.parent == landing_dir:
                if len(published) == 5:
                    crashed_on.append(target)
                    raise SimulatedCrash  # the temp file is complete but never put in place
                published.append(target)
            publish(temp, target)

        monkeypatch.setattr(purge, "_publish", crashing_publish)
    else:
        writers = dict(purge.WRITERS)

        def half_then_crash(fmt):
            def write(scan, keep, handle):
                if len(published) == 7:
                    crashed_on.append(scan.file.path)
                    buffer = io.BytesIO()
                    writers[fmt](scan, keep, buffer)
                    handle.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
                    raise SimulatedCrash
                writers[fmt](scan, keep, handle)
                published.append(scan.file.path)

            return write

        monkeypatch.setattr(purge, "WRITERS", {fmt: half_then_crash(fmt) for fmt in writers})

    with pytest.raises(SimulatedCrash):
        apply_purge(plan_purge(warehouse.paths), warehouse.paths, run_id="crash")
    monkeypatch.undo()

    now = digests(landing_dir)
    assert not [p for p in now if "purge-tmp" in p], "a temp file was left behind"
    crashed = crashed_on[0].relative_to(landing_dir).as_posix()
    assert now[crashed] == before.digests[crashed]  # the file being written is still the old one
    changed = [
        p
        for p, digest in before.digests.items()
        if now.get(p) != digest and not p.endswith(MANIFEST_NAME)
    ]
    to_change = [p for p, n in before.removed.items() if n]
    # every batch manifest counts what its files hold at the crash too
    prepare_landing(dataclasses.replace(warehouse.paths, state_dir=tmp_path / "intake"))
    assert len(published) <= len(changed) < len(to_change)
    for relative in changed:  # every changed file is complete: exactly the purged version
        assert now.get(relative) == purged.digests.get(relative), relative
        if (landing_dir / relative).exists():
            assert landed(landing_dir / relative)[1] == before.expected[relative], relative
    assert table_counts(warehouse.duckdb_path) == before.counts  # warehouse not reached yet

    report = apply_purge(plan_purge(warehouse.paths), warehouse.paths, run_id="rerun")

    assert report.tombstones_written == 0  # written before the crash, not duplicated
    assert digests(landing_dir) == purged.digests  # exactly as an uninterrupted run
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
    with pytest.raises(SimulatedCrash):
        apply_purge(plan_purge(warehouse.paths), warehouse.paths, run_id="crash")
    monkeypatch.undo()

    assert table_counts(warehouse.duckdb_path) == before.counts  # rolled back
    assert digests(warehouse.landing_dir) == purged.digests  # files done before the warehouse
    plan = plan_purge(warehouse.paths)
    assert len(plan.persons) == len(before.queue) and plan.files == ()

    def crashing_compaction(paths):
        raise SimulatedCrash

    monkeypatch.setattr(purge, "compact_warehouse", crashing_compaction)
    with pytest.raises(SimulatedCrash):  # deleted and committed, but not yet scrubbed
        apply_purge(plan, warehouse.paths, run_id="rerun")
    monkeypatch.undo()
    assert table_counts(warehouse.duckdb_path) == table_counts(purged.warehouse.duckdb_path)
    raw = warehouse.duckdb_path.read_bytes()
    assert any(value.encode() in raw for value in before.personal_values)

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
    batches = sorted((warehouse.landing_dir / "canonical").iterdir())
    (batches[-1] / "candidates.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(PurgeError, match=rf"{batches[-1].name}/candidates\.parquet cannot be read"):
        plan_purge(warehouse.paths)
    (batches[-1] / "candidates.parquet").unlink()
    jsonl = batches[2] / "consent_events.jsonl"
    jsonl.write_bytes(jsonl.read_bytes() + b'{"consent_event_id": "X", "secret": broken\n')
    with pytest.raises(PurgeError, match=rf"{batches[2].name}/consent_events\.jsonl") as error:
        plan_purge(warehouse.paths)
    assert "secret" not in str(error.value)
    csv_file = batches[0] / "candidates.csv"
    csv_file.write_bytes(csv_file.read_bytes() + b'C999,"unterminated secret\n')
    with pytest.raises(PurgeError, match=rf"{batches[0].name}/candidates\.csv") as error:
        plan_purge(warehouse.paths)
    assert "secret" not in str(error.value)
    assert not warehouse.paths.state_dir.exists()


# --------------------------------------------------------------------------------------------
# Exact bytes on awkward files, and the command line (a hand-made warehouse, no dbt)
# --------------------------------------------------------------------------------------------


def small_warehouse(root: Path) -> WarehousePaths:
    """A queue of one person (C1) and their rows in awkward files and tables."""
    paths = new_warehouse(root).paths
    batch1 = paths.landing_dir / "canonical" / "2026-01-01T0300"
    batch2 = paths.landing_dir / "canonical" / "2026-02-01T0300"
    batch1.mkdir(parents=True)
    batch2.mkdir(parents=True)
    (batch1 / "candidates.csv").write_bytes(
        "\ufeffCandidate_ID,full_name,note\r\n"
        ' C1 ,山田 太郎,"first"\r\n'
        'C2,"Doe, Jane","multi\r\nline ""quoted"", text"\r\n'
        "\r\n"
        "C1,Taro Yamada,second\r\n"
        "C3,No Newline,last".encode()
    )
    (batch1 / "applications.csv").write_text(
        "application_id,candidate_id,job_id\nA1,C1,J1\nA1,C1,J2\n", encoding="utf-8"
    )
    (batch1 / "jobs.csv").write_text("job_id,title\nC1,not a person\n", encoding="utf-8")
    (batch1 / "stage_events.jsonl").write_bytes(
        b'{"stage_event_id": "S1", "application_id": "A1", "stage": "\\u5fdc\\u52df"}\n'
        b'{"stage_event_id": "S2", "application_id": "A2", "stage": "\xe5\xbf\x9c\xe5\x8b\x9f"}\n'
        b"\n"
        b'{"Application_ID": "A9", "stage_event_id": "S9", "stage": "x"}\n'
        b'{"stage_event_id":"S3","application_id":"A2","stage":"y"}'
    )
    (batch2 / "privacy_requests.jsonl").write_text(
        '{"request_id": "R1", "candidate_id": "C1", "request_type": "erasure"}\n'
    )
    offers = pa.table(
        {
            "offer_id": pa.array(["O1", "O2", "O9"]),
            "application_id": pa.array(["A1", "A2", "A9"]),
            "extended_at": pa.array([1, 2, 3], pa.timestamp("us")),
            "amount": pa.array([1.5, None, 3.0]),
        }
    )
    pq.write_table(offers, batch2 / "offers.parquet")
    with duckdb.connect(str(paths.duckdb_path)) as connection:
        connection.execute(
            """
            create schema marts;
            create table marts.retention_purge_queue as
                select 'canonical' as source_system, 'C1' as candidate_id, 'p1' as person_id,
                       date '2026-11-27' as as_of_date, 'erasure_requested' as purge_reason,
                       date '2026-11-01' as purge_due_on;
            create schema staging;
            -- A9 is C1's only in the warehouse (its applications row is in no landing file)
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


def test_awkward_files_keep_every_other_byte(tmp_path):
    paths = small_warehouse(tmp_path / "small")
    batch1 = paths.landing_dir / "canonical" / "2026-01-01T0300"
    batch2 = paths.landing_dir / "canonical" / "2026-02-01T0300"
    jobs = (batch1 / "jobs.csv").read_bytes()
    offers_schema = pq.read_schema(batch2 / "offers.parquet")

    plan = plan_purge(paths)
    assert [p.application_ids for p in plan.persons] == [("A1", "A9")]
    report = apply_purge(plan, paths, run_id="small")

    assert (batch1 / "candidates.csv").read_bytes() == (
        "\ufeffCandidate_ID,full_name,note\r\n"
        'C2,"Doe, Jane","multi\r\nline ""quoted"", text"\r\n'
        "\r\n"
        "C3,No Newline,last".encode()
    )
    assert (batch1 / "applications.csv").read_text() == "application_id,candidate_id,job_id\n"
    assert landed(batch1 / "applications.csv") == (["application_id", "candidate_id", "job_id"], [])
    assert (batch1 / "jobs.csv").read_bytes() == jobs
    assert (batch1 / "stage_events.jsonl").read_bytes() == (
        b'{"stage_event_id": "S2", "application_id": "A2", "stage": "\xe5\xbf\x9c\xe5\x8b\x9f"}\n'
        b"\n"
        b'{"stage_event_id":"S3","application_id":"A2","stage":"y"}'
    )
    assert not (batch2 / "privacy_requests.jsonl").exists()  # empty JSON lines: no schema
    offers = pq.read_table(batch2 / "offers.parquet")
    assert offers.schema.equals(offers_schema) and offers.column("offer_id").to_pylist() == ["O2"]
    assert offers.column("amount").to_pylist() == [None]
    assert landed(batch1 / "candidates.csv")[1] == [
        ("C2", "Doe, Jane", 'multi\r\nline "quoted", text'),
        ("C3", "No Newline", "last"),
    ]

    with duckdb.connect(str(paths.duckdb_path), read_only=True) as connection:
        assert connection.execute("select * from staging.applications").fetchall() == [("C2", "A2")]
        assert connection.execute("select * from staging.quarantine order by all").fetchall() == [
            ("canonical", "stage_events", "S2"),
            ("other", "candidates", "C1"),  # another source system's C1 is someone else
        ]
        assert connection.execute("select * from custom.notes").fetchall() == [("C2", 2)]
        assert connection.execute("select count(*) from marts.retention_purge_queue").fetchall()
    assert {c.path.split("/")[-1]: c.rows_removed for c in report.files} == {
        "candidates.csv": 2,
        "applications.csv": 2,
        "stage_events.jsonl": 2,
        "privacy_requests.jsonl": 1,
        "offers.parquet": 2,
    }
    assert dict((t.table, t.rows) for t in report.tables) == {
        "custom.notes": 1,
        "marts.retention_purge_queue": 1,
        "staging.applications": 1,
        "staging.quarantine": 3,
    }


def test_cli_purge_dry_run_then_real_run_print_counts_only(tmp_path, monkeypatch, capsys):
    paths = small_warehouse(tmp_path / "cli")
    for variable, value in paths.as_env().items():
        monkeypatch.setenv(variable, value)
    parser = argparse.ArgumentParser(prog="recontact")
    register_cli(parser.add_subparsers(dest="command", required=True))

    args = parser.parse_args(["purge", "--dry-run"])
    args.handler(args)
    dry = capsys.readouterr().out
    assert "persons queued" in dry and "erasure_requested" in dry
    assert (paths.landing_dir / "canonical/2026-02-01T0300/privacy_requests.jsonl").exists()

    args = parser.parse_args(["purge", "--run-id", "cli-run"])
    args.handler(args)
    real = capsys.readouterr().out
    assert "retention purge cli-run" in real and "tombstones written" in real
    assert not (paths.landing_dir / "canonical/2026-02-01T0300/privacy_requests.jsonl").exists()
    for text in (dry, real):
        assert not re.search(r"\b(C1|A1|A9|S1|R1|O1)\b", text)

    shutil.rmtree(paths.landing_dir)
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
    one. Both entry points now go through purge.purge()."""
    from orchestration import audit, cli, publish

    warehouse = clone(original, tmp_path / "cli")
    paths = warehouse.paths
    for release in ("r1", "r2"):
        publish.publish(paths, release_id=release)
    for variable, value in paths.as_env().items():
        monkeypatch.setenv(variable, value)

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
