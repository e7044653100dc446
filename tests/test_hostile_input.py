"""Hostile landing input, one test per case (docs/hostile-input.md): every case ends in a
clear, located error or in a quarantine row with a reason, never in a silent drop, and
the counts reconcile.

Structural faults (ragged rows, bad quoting, wrong encoding) and incomplete batches are
refused by the landing intake (loader/intake.py) before anything is loaded, and
the batches stay in the landing; faults of a value (impossible dates, unknown enum values,
conflicting duplicates) are quarantined by the staging models. Each test writes its export
(tests/support.py) and the build delivers it to the landing; dbt builds here select only
the staging models they need.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from loader.intake import IntakeError, IntakeReport, prepare_landing, read_manifest
from loader.load import LoadError
from loader.paths import PROJECT_DIR
from orchestration import compliance
from orchestration.warehouse import DbtFailed, build, dbt_args, dbt_vars, run_dbt
from sample_exports.generate import generate_export
from tests.support import END_DATE, application, candidate, new_warehouse, write_entity

BATCH = "2026-01-01T0300"
LATER_BATCH = "2026-02-01T0300"
AS_OF = "2026-06-30"
# a build of every staging model and the two bookkeeping models, nothing downstream (and only
# the tests whose every parent is built: indirect selection `cautious`)
BOOKKEEPING = "+int_canonical__quarantine +int_canonical__landing_reconciliation"
PERSONAL = "Hanako Yamada"  # must never appear in an error message


def export_file(warehouse, entity: str, batch: str = BATCH) -> Path:
    path = warehouse.export_dir / "canonical" / batch / f"{entity}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def refused(warehouse) -> IntakeError:
    """The intake's refusal of this warehouse's landing files: nothing loaded, the files
    still in the landing, dbt never ran."""
    with pytest.raises(IntakeError) as refusal:
        warehouse.dbt("build", AS_OF, select=BOOKKEEPING, indirect_selection="cautious")
    assert not (warehouse.target_path / "run_results.json").exists()
    assert warehouse.rows("select count(*) from raw._loaded_files") == [[0]]
    assert any(warehouse.landing_dir.rglob("*.csv"))
    return refusal.value


def intake(warehouse) -> IntakeReport:
    """The export delivered, then the intake checks alone."""
    warehouse.deliver()
    decoded = warehouse.duckdb_path.parent / "decoded"
    return prepare_landing(warehouse.landing_dir, decoded)[0]


# ----------------------------------------------------------------------------------------
# malformed CSV: refused with file and line, before dbt
# ----------------------------------------------------------------------------------------


def test_ragged_rows_are_refused_naming_file_line_and_column(make_warehouse):
    warehouse = make_warehouse()
    export_file(warehouse, "candidates").write_text(
        "candidate_id,full_name,country,updated_at\n"
        "c1,Test Person,JP,2024-01-01T09:00:00\n"
        f"c2,{PERSONAL},JP\n"  # line 3: a field short
        f"c3,{PERSONAL},JP,2024-01-01T09:00:00,surplus\n"  # line 4: a field too many
        "c4,Test Person,JP,2024-01-01T09:00:00\n",
        encoding="utf-8",
    )
    error = refused(warehouse)
    assert error.problems == [
        "landing file canonical/2026-01-01T0300/candidates.csv line 3:"
        " fewer fields than the header (ragged row) (column updated_at)",
        "landing file canonical/2026-01-01T0300/candidates.csv line 4:"
        " more fields than the header (ragged row)",
    ]
    assert PERSONAL not in str(error) and "surplus" not in str(error)


def test_bad_quoting_is_refused_naming_the_line_where_it_starts(make_warehouse):
    """A quote never closed swallows the rows after it: no row count of that file can be
    trusted, so the file is refused rather than one row quarantined."""
    warehouse = make_warehouse()
    export_file(warehouse, "candidates").write_text(
        "candidate_id,full_name,country,updated_at\n"
        "c1,Test Person,JP,2024-01-01T09:00:00\n"
        f'c2,"{PERSONAL},JP,2024-01-01T09:00:00\n'  # line 3: the quote is never closed
        "c3,Test Person,JP,2024-01-01T09:00:00\n",
        encoding="utf-8",
    )
    error = refused(warehouse)
    assert len(error.problems) == 1
    assert error.problems[0].startswith(
        "landing file canonical/2026-01-01T0300/candidates.csv line 3: "
    )
    assert "bad quoting" in error.problems[0]
    assert PERSONAL not in str(error)


def test_dbt_run_by_hand_reads_only_what_the_loader_accepted(make_warehouse):
    """Whoever runs dbt by hand reads the raw tables: a ragged file the loader refused is
    not read (no reader error quoting its lines in dbt's logs), and is not lost either:
    the loader names it until it is fixed."""
    warehouse = make_warehouse()
    write_entity(warehouse.export_dir, BATCH, "candidates", [candidate("c1")])
    warehouse.load()
    ragged = export_file(warehouse, "candidates", "2026-02-01T0300")
    ragged.write_text(
        f"candidate_id,country,updated_at\nc2,JP\n{PERSONAL},JP,x\n", encoding="utf-8"
    )
    with pytest.raises(IntakeError, match="2026-02-01T0300/candidates.csv line 2"):
        warehouse.load()
    args = dbt_args(
        "run", dbt_vars(AS_OF), select="stg_canonical__candidates",
        target_path=warehouse.target_path,
    )  # fmt: skip
    output = run_dbt(args, warehouse.paths, quiet=True)
    assert PERSONAL not in output
    assert warehouse.rows(
        "select candidate_id, _batch_id from staging.stg_canonical__candidates"
    ) == [["c1", BATCH]]


def test_the_warehouse_build_entry_point_runs_the_intake_first(make_warehouse):
    warehouse = make_warehouse()
    export_file(warehouse, "jobs").write_text("job_id,title,updated_at\nj1,x\n", encoding="utf-8")
    warehouse.deliver()
    with pytest.raises(IntakeError, match="jobs.csv line 2: fewer fields"):
        build(warehouse.paths, AS_OF, quiet=True)
    assert warehouse.rows(
        "select schema_name from information_schema.schemata where schema_name <> 'main'"
        " and catalog_name = current_database()"
    ) == [["raw"]]  # the loader's empty raw tables, no model built


def test_a_row_starting_with_a_hash_is_data_not_a_comment(make_warehouse):
    """DuckDB's dialect sniffer would read '#...' as a comment line and drop it silently."""
    warehouse = make_warehouse()
    write_entity(warehouse.export_dir, BATCH, "candidates", [candidate("#c1"), candidate("c2")])
    warehouse.dbt("build", AS_OF, select="stg_canonical__candidates")
    assert warehouse.rows(
        "select candidate_id, _source_row, _fate from staging.stg_canonical__candidates"
        " order by _source_row"
    ) == [["#c1", 1, "staged"], ["c2", 2, "staged"]]
    assert warehouse.intake.files["canonical/2026-01-01T0300/candidates.csv"] == 2


def test_mixed_line_endings_are_refused_naming_the_file(make_warehouse):
    """DuckDB cannot say where: the file is named and the usual cause given."""
    warehouse = make_warehouse()
    export_file(warehouse, "candidates").write_bytes(
        b"candidate_id,country,updated_at\r\nc1,JP,2024-01-01T09:00:00\r\n"
        b"c2,JP,2024-01-01T09:00:00\n"
    )
    error = refused(warehouse)
    assert error.problems == [
        f"landing file canonical/{BATCH}/candidates.csv: the CSV structure cannot be parsed"
        " (mixed line endings, CRLF and LF in one file, are the usual cause); no line is known"
    ]


# ----------------------------------------------------------------------------------------
# wrong encoding: refused, file and line named, nothing of the content shown
# ----------------------------------------------------------------------------------------


def test_a_shift_jis_file_in_a_utf8_source_is_refused_without_its_content(make_warehouse):
    warehouse = make_warehouse()
    export_file(warehouse, "candidates").write_bytes(
        "candidate_id,full_name,country,updated_at\n"
        "c1,Test Person,JP,2024-01-01T09:00:00\n"
        "c2,山田花子,JP,2024-01-01T09:00:00\n".encode("cp932")
    )
    error = refused(warehouse)
    assert error.problems == [
        "landing file canonical/2026-01-01T0300/candidates.csv line 3:"
        " bytes that are not UTF-8 (wrong encoding) (column full_name)"
    ]
    assert "山田" not in str(error) and "\ufffd" not in str(error)


def test_a_wrongly_encoded_header_is_refused_as_line_1(make_warehouse):
    warehouse = make_warehouse()
    export_file(warehouse, "candidates").write_bytes("候補者ID,国\nc1,JP\n".encode("cp932"))
    error = refused(warehouse)
    assert error.problems == [
        "landing file canonical/2026-01-01T0300/candidates.csv line 1:"
        " header bytes that are not UTF-8 (wrong encoding)"
    ]


# ----------------------------------------------------------------------------------------
# empty files: loaded as zero rows, reported, reconciled
# ----------------------------------------------------------------------------------------


def test_empty_and_header_only_files_load_as_zero_rows_and_reconcile(make_warehouse):
    warehouse = make_warehouse()
    write_entity(warehouse.export_dir, BATCH, "candidates", [candidate("c1")])
    export_file(warehouse, "applications").write_bytes(b"")
    export_file(warehouse, "jobs").write_text("job_id,title,updated_at\n", encoding="utf-8")
    warehouse.dbt("build", AS_OF, select=BOOKKEEPING, indirect_selection="cautious")

    assert warehouse.intake.empty_files == [
        "canonical/2026-01-01T0300/applications.csv",
        "canonical/2026-01-01T0300/jobs.csv",
    ]
    frame, _ = compliance.build_frame("landing_reconciliation", warehouse.paths, AS_OF)
    counts = {
        row.reconciliation_key: (row.loaded_rows, row.landed_rows, row.accounted_rows)
        for row in frame.itertuples()
    }
    assert counts == {
        f"applications/{BATCH}": (0, 0, 0),
        f"candidates/{BATCH}": (1, 1, 1),
        f"jobs/{BATCH}": (0, 0, 0),
    }


# ----------------------------------------------------------------------------------------
# faults of a value: quarantined with a reason (one small build shared by these tests)
# ----------------------------------------------------------------------------------------


def wall_clock_in_tokyo(**delta: float) -> str:
    moment = datetime.now(ZoneInfo("Asia/Tokyo")).replace(tzinfo=None) + timedelta(**delta)
    return moment.isoformat(timespec="seconds")


@pytest.fixture(scope="module")
def value_faults(tmp_path_factory):
    warehouse = new_warehouse(tmp_path_factory.mktemp("value_faults"))
    export = warehouse.export_dir
    # schema drift: `phone` delivered as `phone_number` (renamed), plus a new column
    drifted = [
        {**candidate(f"c{n}"), "phone_number": "090-0000-0000", "favourite_colour": "blue"}
        for n in (1, 2)
    ]
    write_entity(export, BATCH, "candidates", drifted)
    write_entity(
        export,
        BATCH,
        "applications",
        [
            application("a-ok", "c1"),
            application("a-closed-early", "c1", closed_at="2024-01-09T09:00:00"),
            application(
                "a-future",
                "c2",
                applied_at="2099-01-10T09:00:00",
                status="active",
                closed_at="",
                updated_at="2099-01-10T09:00:00",
            ),  # fmt: skip
            application(
                "a-soon",
                "c2",
                applied_at=wall_clock_in_tokyo(days=12),
                status="active",
                closed_at="",
                updated_at=wall_clock_in_tokyo(days=12),
            ),  # fmt: skip
            application("a-enum", "c2", status="on_hold"),
            application("a-year-1", "c2", closed_at="0001-06-01T09:00:00"),
            application("a-1900", "c2", applied_at="1900-01-10T09:00:00"),
            application("a-offset-15", "c2", closed_at="2025-06-01T09:00:00+15:00"),
            application("a-offset-14", "c2", closed_at="2025-06-01T09:00:00-14:00"),
            application("a-twin", "c1", rejection_reason="スキル不足"),
            application("a-twin", "c1", rejection_reason="他候補者決定"),
        ],
    )
    output = warehouse.dbt("build", AS_OF, select=BOOKKEEPING, indirect_selection="cautious")
    return warehouse, output


def quarantine_reasons(warehouse) -> dict[str, list]:
    rows = warehouse.rows(
        "select record_key, source_file, source_row, quarantine_reason"
        " from intermediate.int_canonical__quarantine order by record_key"
    )
    return {key: rest for key, *rest in rows}


def test_an_application_closed_before_it_was_applied_for_is_quarantined(value_faults):
    warehouse, _ = value_faults
    assert quarantine_reasons(warehouse)["a-closed-early"] == [
        f"canonical/{BATCH}/applications.csv",
        2,
        "closed_at before applied_at",
    ]


def test_a_date_far_after_the_build_clock_is_quarantined_a_near_one_is_kept(value_faults):
    """Later than the wall clock plus future_grace_days (31): it cannot have happened.
    Twelve days ahead is kept (the generator's after-D cases with D = today go that far;
    the rules ignore such rows until their day comes)."""
    warehouse, _ = value_faults
    reasons = quarantine_reasons(warehouse)
    assert reasons["a-future"][2] == "applied_at in the future"
    assert "a-soon" not in reasons
    assert warehouse.rows(
        "select _fate from staging.stg_canonical__applications where application_id = 'a-soon'"
    ) == [["staged"]]


def test_absurd_dates_and_impossible_offsets_are_quarantined(value_faults):
    """Issue 12: year 1, 1900 and an offset of +15:00 were read and changed decisions. A
    date before earliest_plausible_date (2000-01-01) or an offset beyond ±14:00 is
    unreadable; -14:00 exists (no place uses it, but it is within the range) and is kept."""
    warehouse, _ = value_faults
    reasons = quarantine_reasons(warehouse)
    assert reasons["a-year-1"][2] == "unparseable closed_at"
    assert reasons["a-1900"][2] == "unparseable applied_at"
    assert reasons["a-offset-15"][2] == "unparseable closed_at"
    assert "a-offset-14" not in reasons


def test_an_unknown_enum_value_is_quarantined(value_faults):
    warehouse, _ = value_faults
    assert quarantine_reasons(warehouse)["a-enum"][2] == "unknown application status"


def test_duplicate_keys_with_conflicting_content_are_quarantined(value_faults):
    warehouse, _ = value_faults
    fates = warehouse.rows(
        "select _fate, quarantine_reason from staging.stg_canonical__applications"
        " where application_id = 'a-twin' order by _fate"
    )
    assert fates == [["quarantined", "conflicting_duplicate"], ["staged", None]]


def test_added_and_renamed_optional_columns_are_reported_and_left_null(value_faults):
    warehouse, _ = value_faults
    assert (
        f"landing file canonical/{BATCH}/candidates.csv: ignoring column(s) not in the"
        " contract: favourite_colour, phone_number"
    ) in warehouse.loaded.render()
    assert warehouse.rows(
        "select candidate_id, phone, _fate from staging.stg_canonical__candidates"
        " order by candidate_id"
    ) == [["c1", None, "staged"], ["c2", None, "staged"]]


def test_every_landed_row_of_the_hostile_batch_is_accounted_for(value_faults):
    warehouse, _ = value_faults
    assert warehouse.rows(
        "select entity, landed_rows, staged_rows, superseded_rows + redelivered_rows"
        " + suppressed_rows, quarantined_rows"
        " from intermediate.int_canonical__landing_reconciliation order by entity"
    ) == [["applications", 11, 4, 0, 7], ["candidates", 2, 2, 0, 0]]


def test_a_renamed_required_column_fails_naming_file_and_column(make_warehouse):
    warehouse = make_warehouse()
    rows = [{**candidate("c1"), "updated": "2024-01-01T09:00:00"}]
    del rows[0]["updated_at"]
    write_entity(warehouse.export_dir, BATCH, "candidates", rows)
    with pytest.raises(LoadError) as failure:
        warehouse.dbt("build", AS_OF, select="stg_canonical__candidates")
    assert (
        f"landing file canonical/{BATCH}/candidates.csv lacks required column(s) updated_at"
    ) in str(failure.value)


# ----------------------------------------------------------------------------------------
# batches: manifests, gaps, missing files, counts
# ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_export(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    result = generate_export(root, candidates=200, seed=11, end_date=END_DATE, batches=3)
    return root, result


@pytest.fixture
def export_copy(generated_export, make_warehouse):
    """A warehouse whose export is a fresh copy of the generated one."""
    root, result = generated_export
    warehouse = make_warehouse()
    shutil.copytree(root / "canonical", warehouse.export_dir / "canonical")
    return warehouse, result


def test_the_generator_writes_manifests_that_the_intake_accepts(export_copy):
    warehouse, result = export_copy
    first, second, third = result.batches
    batch_dir = warehouse.export_dir / "canonical"
    assert read_manifest(batch_dir / first)["previous_batch_id"] is None
    assert read_manifest(batch_dir / third)["previous_batch_id"] == second
    assert read_manifest(batch_dir / second)["row_counts"] == result.row_counts[second]
    report = intake(warehouse)
    assert report.batches_with_manifest == [f"canonical/{b}" for b in result.batches]
    assert report.batches_without_manifest == []
    assert report.rows == sum(sum(counts.values()) for counts in result.row_counts.values())


def test_a_batch_missing_entirely_is_refused(export_copy):
    warehouse, result = export_copy
    first, second, third = result.batches
    shutil.rmtree(warehouse.export_dir / "canonical" / second)
    with pytest.raises(IntakeError) as refusal:
        intake(warehouse)
    assert refusal.value.problems == [
        f"batch canonical/{third}: previous batch {second} is neither in the landing"
        " directory nor loaded (a batch was not delivered)"
    ]


def test_a_batch_missing_an_entity_file_is_refused(export_copy):
    warehouse, result = export_copy
    batch = result.batches[1]
    (warehouse.export_dir / "canonical" / batch / "stage_events.csv").unlink()
    with pytest.raises(IntakeError) as refusal:
        intake(warehouse)
    expected = result.row_counts[batch]["stage_events"]
    assert refusal.value.problems == [
        f"batch canonical/{batch}: stage_events file missing ({expected:,} row(s) in the manifest)"
    ]


def test_a_file_with_fewer_rows_than_its_manifest_is_refused(export_copy):
    warehouse, result = export_copy
    batch = result.batches[0]
    path = warehouse.export_dir / "canonical" / batch / "candidates.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(IntakeError) as refusal:
        intake(warehouse)
    expected = result.row_counts[batch]["candidates"]
    assert refusal.value.problems == [
        f"batch canonical/{batch}: candidates has {expected - 1:,} row(s),"
        f" the manifest says {expected:,}"
    ]


def test_batches_without_a_manifest_still_load_and_are_reported(make_warehouse):
    warehouse = make_warehouse()
    write_entity(warehouse.export_dir, BATCH, "candidates", [candidate("c1")])
    write_entity(warehouse.export_dir, LATER_BATCH, "candidates", [candidate("c2")])
    report = intake(warehouse)
    assert report.batches_without_manifest == [f"canonical/{BATCH}", f"canonical/{LATER_BATCH}"]
    assert "completeness not checked" in report.render()
    assert report.files == {
        f"canonical/{BATCH}/candidates.csv": 1,
        f"canonical/{LATER_BATCH}/candidates.csv": 1,
    }


# ----------------------------------------------------------------------------------------
# no planted personal value in any log or artefact the project writes
# ----------------------------------------------------------------------------------------

PLANTED = {"full_name": PERSONAL, "email": "hanako.yamada@example.jp", "phone": "090-1234-5678"}


def written_outside_the_data(warehouse, log_offset: int) -> dict[str, bytes]:
    """Everything the builds wrote that is not the data itself (the export, the landing
    files, the warehouse file): dbt's target/ and state, plus what dbt.log gained."""
    root = warehouse.duckdb_path.parent
    written = {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
        and warehouse.landing_dir not in path.parents
        and warehouse.export_dir not in path.parents
        and not path.name.startswith(warehouse.duckdb_path.name)
    }
    log = PROJECT_DIR / "logs" / "dbt.log"
    if log.exists():
        with log.open("rb") as handle:
            handle.seek(log_offset)
            written["logs/dbt.log (these builds)"] = handle.read()
    return written


def test_no_planted_name_email_or_phone_reaches_a_log_error_or_run_result(make_warehouse):
    """Issue 12: a malformed row put DuckDB's "Original Line" (name, e-mail, phone) into
    stdout, logs/dbt.log and target/run_results.json. Plant the three values in a row
    the build quarantines, in a malformed row the intake refuses, and in the same
    malformed row in a batch directory named `_hidden` (which the intake once skipped and
    dbt read); then search every file written and every message for them."""
    warehouse = make_warehouse()
    bad = candidate("c1", updated_at="2024-13-45T09:00:00", **PLANTED)
    write_entity(warehouse.export_dir, BATCH, "candidates", [bad, candidate("c2")])
    log = PROJECT_DIR / "logs" / "dbt.log"
    offset = log.stat().st_size if log.exists() else 0
    output = warehouse.build(AS_OF)
    assert warehouse.rows("select record_key from intermediate.int_canonical__quarantine") == [
        ["c1"]
    ]

    # past DuckDB's sniffing sample (20,480 rows), where its error would quote the line
    good = [f"a{n},c2,j1,2024-01-10T09:00:00,active,2024-01-10" for n in range(21000)]
    malformed = f"a9,c1,{PLANTED['full_name']},{PLANTED['email']},{PLANTED['phone']},x,surplus"
    ragged = export_file(warehouse, "applications", LATER_BATCH)
    ragged.write_text(
        "application_id,candidate_id,job_id,applied_at,status,updated_at\n"
        + "\n".join([*good, malformed]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(IntakeError) as refused:
        warehouse.build(AS_OF)
    hidden_batch = ragged.parent.with_name("_hidden")
    ragged.parent.rename(hidden_batch)
    try:
        hidden = warehouse.build(AS_OF)
    except (IntakeError, DbtFailed) as failure:
        hidden = f"{failure} {getattr(failure, 'output', '')}"

    texts = {
        "build output": output.encode(),
        "intake refusal": str(refused.value).encode(),
        "build with a hidden batch": hidden.encode(),
    }
    texts.update(written_outside_the_data(warehouse, offset))
    assert "target/run_results.json" in texts
    leaks = [
        (where, value)
        for where, content in texts.items()
        for value in PLANTED.values()
        if value.encode() in content
    ]
    assert leaks == []


def test_every_source_quarantines_timestamps_in_the_future():
    """docs/hostile-input.md promises the future-date check for every source: each base
    model that parses a timestamp also quarantines it when it lies after the build's clock
    plus the grace (expiry dates and a job's closing date excepted: they may lie in the
    future by nature, as the canonical contract's do)."""
    models = sorted((PROJECT_DIR / "dbt_project" / "models" / "staging").glob("*/stg_*.sql"))
    unchecked = []
    for model in models:
        sql = model.read_text(encoding="utf-8")
        # `{{ to_local_timestamp(...) }} as <column>` (a planned day cast to a date, like an
        # opening's opened_on or closes_on, may lie ahead: docs/rules-interpretation.md)
        parsed = re.findall(r"^\s*\{\{ to_local_timestamp\([^}]*\}\}\s+as\s+(\w+)", sql, re.M)
        for column in parsed:
            planned = column.endswith("expires_at") or (
                "job" in model.stem and column == "closed_at"
            )
            if not planned and f"after_build_clock('{column}'" not in sql:
                unchecked.append(f"{model.stem}.{column}")
    assert not unchecked
    assert len(models) > 40
