"""The append-only audit log (loader/audit.py) and `recontact audit`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from loader import audit


def entry(as_of_date: str | None = "2026-11-27", **values) -> dict:
    base = {
        "event": "compliance_suite",
        "suite": "eligibility_compliance",
        "run_id": "run-1",
        "rule_set_version": "v1",
        "passed": True,
        "evaluated_rows": 1000,
        "unexpected_rows": 0,
        "inputs_hash": "ab" * 32,
        "evidence": "runs/run-1/results/eligibility_compliance.json",
    }
    if as_of_date:
        base["as_of_date"] = as_of_date
    return {**base, **values}


def lines(audit_dir: Path) -> list[str]:
    return audit.log_path(audit_dir).read_text(encoding="utf-8").splitlines(keepends=True)


def rewrite(audit_dir: Path, new_lines: list[str]) -> None:
    audit.log_path(audit_dir).write_text("".join(new_lines), encoding="utf-8")


def test_entries_are_appended_with_sequence_time_and_a_hash_chain(tmp_path):
    written = [
        audit.append_entry(tmp_path, entry(suite=suite))
        for suite in ("eligibility_compliance", "purge_completeness", "forbidden_data")
    ]

    assert [item["sequence"] for item in written] == [1, 2, 3]
    assert written[0]["previous_hash"] == audit.GENESIS_HASH
    assert written[1]["previous_hash"] == written[0]["entry_hash"]
    assert written[2]["previous_hash"] == written[1]["entry_hash"]
    for item in written:
        recorded = datetime.fromisoformat(item["recorded_at"])
        assert recorded.tzinfo is not None and recorded.utcoffset().total_seconds() == 0
        assert abs((datetime.now(UTC) - recorded).total_seconds()) < 60
        assert item["entry_hash"] == audit.entry_digest(item)
    assert audit.verify_chain(tmp_path) == 3
    # one JSON object per line, exactly what append_entry returned
    assert [json.loads(line) for line in lines(tmp_path)] == written


def test_values_are_recorded_as_plain_json(tmp_path):
    written = audit.append_entry(
        tmp_path,
        entry(as_of_date=date(2026, 11, 27), evidence=Path("runs/r/results/x.json"), counts=(1, 2)),
    )
    assert written["as_of_date"] == "2026-11-27"
    assert written["evidence"] == "runs/r/results/x.json"
    assert written["counts"] == [1, 2]
    with pytest.raises(TypeError, match="not recordable"):
        audit.append_entry(tmp_path, entry(payload=object()))


def test_the_chain_fields_are_set_by_the_log_only(tmp_path):
    for field in audit.CHAIN_FIELDS:
        with pytest.raises(ValueError, match="set by the log"):
            audit.append_entry(tmp_path, entry(**{field: "forged"}))
    assert not audit.log_path(tmp_path).exists()


def test_an_empty_or_missing_log_verifies_as_empty(tmp_path):
    assert audit.verify_chain(tmp_path / "nowhere") == 0
    assert audit.read_entries(tmp_path / "nowhere") == []


@pytest.fixture
def three_entries(tmp_path) -> Path:
    for number in range(3):
        audit.append_entry(tmp_path, entry(run_id=f"run-{number}"))
    return tmp_path


def test_editing_an_entry_breaks_the_chain_at_that_entry(three_entries):
    edited = lines(three_entries)
    second = json.loads(edited[1])
    second["passed"] = False
    edited[1] = audit.canonical_json(second) + "\n"
    rewrite(three_entries, edited)

    with pytest.raises(audit.AuditChainBroken, match="sequence 2") as broken:
        audit.verify_chain(three_entries)
    assert broken.value.sequence == 2


def test_re_hashing_an_edited_entry_breaks_the_chain_at_the_next_one(three_entries):
    edited = lines(three_entries)
    second = json.loads(edited[1])
    second["unexpected_rows"] = 0
    second["evaluated_rows"] = 1
    second["entry_hash"] = audit.entry_digest(second)
    edited[1] = audit.canonical_json(second) + "\n"
    rewrite(three_entries, edited)

    with pytest.raises(audit.AuditChainBroken) as broken:
        audit.verify_chain(three_entries)
    assert broken.value.sequence == 3
    assert "previous_hash" in str(broken.value)


def test_removing_or_reordering_entries_breaks_the_chain(three_entries):
    original = lines(three_entries)
    rewrite(three_entries, [original[0], original[2]])
    with pytest.raises(audit.AuditChainBroken, match="sequence 2"):
        audit.verify_chain(three_entries)

    rewrite(three_entries, [original[1], original[0], original[2]])
    with pytest.raises(audit.AuditChainBroken, match="sequence 1"):
        audit.verify_chain(three_entries)

    # dropping the last entry cannot be seen from the chain alone: it verifies, shorter
    rewrite(three_entries, original[:2])
    assert audit.verify_chain(three_entries) == 2


def test_a_torn_last_line_is_reported_and_never_appended_to(three_entries):
    original = lines(three_entries)
    rewrite(three_entries, [*original[:2], original[2][:40]])

    with pytest.raises(audit.AuditChainBroken, match="sequence 3"):
        audit.verify_chain(three_entries)
    with pytest.raises(audit.AuditLogError, match="complete line"):
        audit.append_entry(three_entries, entry())
    assert lines(three_entries)[-1] == original[2][:40]


def test_garbage_in_the_log_is_reported(three_entries):
    original = lines(three_entries)
    rewrite(three_entries, [original[0], "not json\n", original[2]])
    with pytest.raises(audit.AuditChainBroken, match="sequence 2: the line is not valid JSON"):
        audit.verify_chain(three_entries)


def _append_many(audit_dir: str, worker: int, count: int) -> None:
    for number in range(count):
        audit.append_entry(Path(audit_dir), entry(run_id=f"worker-{worker}-{number}"))


def test_concurrent_writers_never_interleave_or_fork_the_chain(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_append_many, args=(str(tmp_path), worker, 25))
        for worker in range(4)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0

    assert audit.verify_chain(tmp_path) == 100
    entries = audit.read_entries(tmp_path)
    assert [item["sequence"] for item in entries] == list(range(1, 101))
    assert len({item["run_id"] for item in entries}) == 100


def test_entries_are_read_by_as_of_date_or_else_by_recorded_date(tmp_path):
    for as_of in ("2026-11-25", "2026-11-26", "2026-11-27"):
        audit.append_entry(tmp_path, entry(as_of_date=as_of, run_id=f"run-{as_of}"))
    purge = audit.append_entry(tmp_path, {"event": "purge", "run_id": "purge-1"})
    today = datetime.now(UTC).date()

    def run_ids(since=None, until=None) -> list[str]:
        return [item["run_id"] for item in audit.read_entries(tmp_path, since, until)]

    assert run_ids() == ["run-2026-11-25", "run-2026-11-26", "run-2026-11-27", "purge-1"]
    assert run_ids(date(2026, 11, 26), date(2026, 11, 26)) == ["run-2026-11-26"]
    assert run_ids(date(2026, 11, 26), date(2026, 11, 27))[:2] == [
        "run-2026-11-26",
        "run-2026-11-27",
    ]
    assert run_ids(until=date(2026, 11, 25)) == ["run-2026-11-25"]
    # an entry without an as-of date is filed under the UTC date it was recorded
    assert audit.entry_date(purge) == today
    assert "purge-1" in run_ids(today, today)


def test_inputs_fingerprint_follows_the_record_of_loads_not_its_location(tmp_path):
    """The landing is empty once loaded: the inputs of a check are the loader's record of
    what it loaded (raw._loaded_files: file, batch, rows, when)."""
    import duckdb

    from loader.load import inputs_fingerprint

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "create schema raw; create table raw._loaded_files as select * from (values"
            " ('canonical/b1/candidates.csv', 'b1', 1, timestamptz '2026-01-01 03:00:00+00'),"
            " ('canonical/b1/jobs.csv', 'b1', 1, timestamptz '2026-01-01 03:00:00+00'))"
            " as t(file, batch_id, rows, loaded_at)"
        )
    first = inputs_fingerprint(warehouse)
    assert len(first) == 64
    assert inputs_fingerprint(warehouse) == first
    moved = shutil.copy(warehouse, tmp_path / "elsewhere.duckdb")
    assert inputs_fingerprint(moved) == first

    for change in (
        "update raw._loaded_files set rows = 0 where file like '%jobs%'",  # a purge
        "update raw._loaded_files set loaded_at = loaded_at + interval 1 day",  # a re-send
        "update raw._loaded_files set file = 'canonical/b1/job.csv' where file like '%jobs%'",
    ):
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute(change)
        changed = inputs_fingerprint(warehouse)
        assert changed != first, change
        first = changed

    assert inputs_fingerprint(tmp_path / "missing.duckdb") == inputs_fingerprint(
        tmp_path / "also-missing.duckdb"
    )


# ----------------------------------------------------------------------------------------
# recontact audit
# ----------------------------------------------------------------------------------------


def run_cli(monkeypatch, capsys, audit_dir: Path, *argv: str) -> tuple[str, str]:
    monkeypatch.setenv("RECONTACT_AUDIT_DIR", str(audit_dir))
    parser = argparse.ArgumentParser(prog="recontact")
    audit.register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["audit", *argv])
    args.handler(args)
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.fixture
def trail(tmp_path) -> Path:
    audit.append_entry(tmp_path, entry(as_of_date="2026-11-26", run_id="r26"))
    audit.append_entry(
        tmp_path,
        entry(
            as_of_date="2026-11-27",
            run_id="r27",
            suite="purge_completeness",
            passed=False,
            unexpected_rows=3,
        ),
    )
    audit.append_entry(tmp_path, {"event": "publish", "run_id": "r27", "as_of_date": "2026-11-27"})
    return tmp_path


def test_cli_prints_a_table_for_a_date_range(monkeypatch, capsys, trail):
    out, _ = run_cli(monkeypatch, capsys, trail, "--from", "2026-11-27", "--to", "2026-11-27")
    rows = out.splitlines()
    assert rows[0].split() == ["seq", "recorded", "(UTC)", "as", "of", "what", "result", "details"]
    assert len(rows) == 4  # header, rule, two entries
    assert "purge_completeness" in rows[2] and "FAIL" in rows[2] and "3 unexpected" in rows[2]
    assert "publish" in rows[3]
    assert "r26" not in out
    assert max(len(row) for row in rows) <= 100  # issue 13: fits a 100-column terminal


def test_the_table_says_what_publications_and_purges_did_within_100_columns():
    entries = [
        {"sequence": 1, "event": "publish", "as_of_date": "2026-11-27", "release": "/p/r-1",
         "row_counts": {"recontact_eligibility": 5000, "recontact_cohorts": 1100,
                        "retention_purge_queue": 1249, "purge_blocked_by_quality": 1}},
        {"sequence": 2, "event": "purge", "summary": "purged 1,249 persons: 8,812 rows\nmore"},
    ]  # fmt: skip
    rows = audit.render(entries, "table").splitlines()
    assert "r-1: purge_blocked_by_quality 1, cohorts" in rows[2]
    assert rows[3].endswith("purged 1,249 persons: 8,812 rows")
    assert max(len(row) for row in rows) <= 100


def test_cli_exports_json_and_csv(monkeypatch, capsys, trail):
    out, _ = run_cli(monkeypatch, capsys, trail, "--format", "json")
    exported = json.loads(out)
    assert [item["sequence"] for item in exported] == [1, 2, 3]
    assert exported == audit.read_entries(trail)

    out, _ = run_cli(monkeypatch, capsys, trail, "--format", "csv", "--to", "2026-11-26")
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["run_id"] == "r26"
    assert row["check"] == "eligibility_compliance"
    assert row["passed"] == "True"
    assert row["inputs_hash"] == "ab" * 32


def test_cli_verify_passes_on_an_intact_log_and_names_the_broken_entry(monkeypatch, capsys, trail):
    _, err = run_cli(monkeypatch, capsys, trail, "--verify", "--format", "json")
    assert "chain verified: 3 entries" in err

    edited = lines(trail)
    edited[0] = edited[0].replace('"passed":true', '"passed":false')
    rewrite(trail, edited)
    with pytest.raises(SystemExit, match="chain broken at sequence 1"):
        run_cli(monkeypatch, capsys, trail, "--verify")


def test_cli_rejects_bad_dates(monkeypatch, capsys, trail):
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, trail, "--from", "27/11/2026")
    with pytest.raises(SystemExit, match="--from is after --to"):
        run_cli(monkeypatch, capsys, trail, "--from", "2026-11-28", "--to", "2026-11-27")
