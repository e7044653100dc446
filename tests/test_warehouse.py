"""End-to-end: `dbt build` on exports in a temp dir, assertions on the marts."""

from __future__ import annotations

import csv
import hashlib
from datetime import date

import duckdb
import pyarrow.parquet as pq
import pytest

from loader.contract import MART_KEYS
from loader.load import LoadError
from loader.paths import PROJECT_DIR
from orchestration.warehouse import DbtFailed
from sample_exports.generate import generate_export
from tests import oracle
from tests.support import (
    END_DATE,
    application,
    assert_same_rows,
    candidate,
    consent,
    write_entity,
)

SEEDS_DIR = PROJECT_DIR / "seeds"

CONTRACT_COLUMNS = {
    "recontact_eligibility": oracle.ELIGIBILITY_COLUMNS,
    "recontact_cohorts": oracle.COHORT_COLUMNS,
    "retention_purge_queue": oracle.PURGE_COLUMNS,
    "purge_blocked_by_quality": oracle.BLOCKED_COLUMNS,
}


def mart_digest(warehouse, name: str) -> str:
    frame = warehouse.frame(f"select * from marts.{name}")
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def test_marts_have_exactly_the_contract_columns(sample_warehouse):
    for mart, columns in CONTRACT_COLUMNS.items():
        assert (
            list(sample_warehouse.frame(f"select * from marts.{mart} limit 0").columns) == columns
        )


def test_every_dbt_unit_test_ran_and_passed(sample_warehouse):
    unit_tests = [
        r for r in sample_warehouse.run_results() if r["unique_id"].startswith("unit_test.")
    ]
    assert len(unit_tests) >= 20
    assert {r["status"] for r in unit_tests} == {"pass"}


def test_sample_build_exercises_every_rule(sample_warehouse):
    """The sample data is only a useful test if each reason, cohort and purge reason occurs."""
    reasons = set(
        sample_warehouse.frame(
            "select distinct unnest(string_split(exclusion_reasons, ',')) as reason"
            " from marts.recontact_eligibility where exclusion_reasons is not null"
        )["reason"]
    )
    assert reasons == set(oracle.EXCLUSION_ORDER)
    cohorts = set(sample_warehouse.mart("recontact_cohorts")["cohort"])
    assert cohorts == set(oracle.COHORT_ORDER)
    purge_reasons = set(sample_warehouse.mart("retention_purge_queue")["purge_reason"])
    assert purge_reasons == {"erasure_requested", "deleted_in_source", "retention_expired"}
    # rule set v1.1: the boundary case with a typo in an active application's year
    assert set(sample_warehouse.mart("purge_blocked_by_quality")["would_be_purge_reason"]) == {
        "retention_expired"
    }
    assert (
        sample_warehouse.frame(
            "select count(*) as n from marts.recontact_eligibility where is_eligible"
        )["n"][0]
        > 0
    )


def test_one_eligibility_row_per_staged_candidate(sample_warehouse):
    counts = sample_warehouse.frame(
        "select (select count(*) from intermediate.int_canonical__candidates_conformed) as staged,"
        " (select count(*) from marts.recontact_eligibility) as evaluated"
    )
    assert counts["staged"][0] == counts["evaluated"][0] > 0


def count_file_rows(path) -> int:
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_every_landed_row_is_accounted_for(sample_warehouse):
    """Rows counted in the exported files themselves = staged + superseded + redelivered +
    quarantined (+ suppressed)."""
    in_files = {
        (path.stem, path.parent.name): count_file_rows(path)
        for path in (sample_warehouse.export_dir / "canonical").glob("*/*.*")
        if path.suffix in (".csv", ".parquet", ".jsonl")  # not the batch's _manifest.json
    }
    reconciled = sample_warehouse.frame(
        "select entity, batch_id, landed_rows, staged_rows + superseded_rows + redelivered_rows"
        " + quarantined_rows + suppressed_rows as accounted"
        " from intermediate.int_canonical__landing_reconciliation"
    )
    by_key = {(r.entity, r.batch_id): (r.landed_rows, r.accounted) for r in reconciled.itertuples()}
    assert set(by_key) == {key for key, rows in in_files.items() if rows > 0}
    for key, rows in in_files.items():
        if rows:
            assert by_key[key] == (rows, rows), key
    fates = sample_warehouse.frame(
        "select sum(superseded_rows) as superseded, sum(redelivered_rows) as redelivered"
        " from intermediate.int_canonical__landing_reconciliation"
    )
    assert fates["superseded"][0] > 0 and fates["redelivered"][0] > 0


def test_csv_and_parquet_exports_agree_and_a_rebuild_is_byte_identical(make_warehouse):
    """The same data as CSV and as Parquet gives the same marts; rebuilding from scratch
    with the same inputs and D gives byte-identical marts (they are audit evidence) and
    the same outreach drafts (recontact-outreach v1: a draft reviewed is the draft sent)."""
    built = {}
    for file_format in ("csv", "parquet"):
        warehouse = make_warehouse()
        generate_export(
            warehouse.export_dir,
            candidates=400,
            seed=5,
            end_date=END_DATE,
            batches=3,
            file_format=file_format,
        )
        warehouse.build(END_DATE, data_tests=False)  # the tables are compared
        built[file_format] = warehouse
    for mart in MART_KEYS:
        assert built["csv"].mart(mart).equals(built["parquet"].mart(mart)), mart

    warehouse = built["parquet"]
    first = {mart: mart_digest(warehouse, mart) for mart in MART_KEYS}
    drafts = drafts_digest(warehouse)
    assert warehouse.rows("select count(*) from outreach.recontact_drafts")[0][0] > 0
    warehouse.duckdb_path.unlink()
    warehouse.build(END_DATE, data_tests=False)
    assert {mart: mart_digest(warehouse, mart) for mart in MART_KEYS} == first
    assert drafts_digest(warehouse) == drafts


def drafts_digest(warehouse) -> str:
    frame = warehouse.frame("select * from outreach.recontact_drafts order by person_id")
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def test_invalid_as_of_date_is_refused_with_the_value(make_warehouse):
    warehouse = make_warehouse()
    write_entity(warehouse.export_dir, "2026-01-01T0300", "candidates", [candidate("c1")])
    with pytest.raises(DbtFailed) as failure:
        warehouse.dbt("run", "2026-02-30", select="recontact_eligibility")
    assert "2026-02-30" in failure.value.output


def test_missing_required_column_fails_naming_file_and_column(make_warehouse):
    warehouse = make_warehouse()
    row = candidate("c1")
    del row["updated_at"]
    write_entity(warehouse.export_dir, "2026-01-01T0300", "candidates", [row])
    with pytest.raises(LoadError) as failure:
        warehouse.dbt("run", date(2026, 6, 30), select="stg_canonical__candidates")
    assert (
        "landing file canonical/2026-01-01T0300/candidates.csv lacks required column(s) updated_at"
    ) in str(failure.value)


def test_a_quarantined_withdrawal_fails_the_build_and_leaves_the_last_good_marts(make_warehouse):
    """Issue 12: a build that fails because a consent withdrawal is unreadable must not
    rewrite the marts or the decision history (they would show the person eligible). The
    quarantine lists are upstream of the rules (int_persons_held), so dbt skips every
    model after them and the tables of the last good build stay as they were."""
    warehouse = make_warehouse()
    first, second = "2026-01-01T0300", "2026-02-01T0300"
    write_entity(warehouse.export_dir, first, "candidates", [candidate("c1")])
    write_entity(warehouse.export_dir, first, "applications", [application("a1", "c1")])
    write_entity(
        warehouse.export_dir,
        first,
        "consent_events",
        [consent("k1", "c1", "recontact"), consent("k2", "c1", "retention")],
    )
    warehouse.build(date(2026, 6, 30))
    marts = {name: mart_digest(warehouse, name) for name in CONTRACT_COLUMNS}
    history = mart_digest(warehouse, "recontact_eligibility_history")
    assert warehouse.mart("recontact_eligibility")["is_eligible"].tolist() == [True]

    write_entity(
        warehouse.export_dir,
        second,
        "consent_events",
        [consent("k3", "c1", "recontact", action="withdrawn", recorded_at="2026-13-01T09:00:00")],
    )
    with pytest.raises(DbtFailed) as failure:
        warehouse.build(date(2026, 7, 1))
    assert "quarantined_consent_or_privacy_rows" in failure.value.output
    quarantine = warehouse.frame("select * from intermediate.int_canonical__quarantine")
    assert quarantine[["entity", "record_key", "quarantine_reason"]].values.tolist() == [
        ["consent_events", "k3", "unparseable recorded_at"]
    ]
    # the last good marts and history, untouched: still as of 2026-06-30
    assert {name: mart_digest(warehouse, name) for name in CONTRACT_COLUMNS} == marts
    assert mart_digest(warehouse, "recontact_eligibility_history") == history
    assert warehouse.rows("select distinct as_of_date from marts.recontact_eligibility") == [
        [date(2026, 6, 30)]
    ]


def test_a_failed_build_changes_nothing_in_the_warehouse_and_is_kept_aside(make_warehouse):
    """Issue 12, build aside and swap (orchestration.warehouse.build, what `recontact build`
    and the demo run): dbt builds a copy of the warehouse that replaces it only when every
    model and blocking test passed. A failed build leaves the whole file as it was (not
    only the marts: the staging tables too), and its copy for inspection until the next
    build or purge removes it."""
    from orchestration import warehouse as build_steps

    warehouse = make_warehouse()
    first, second = "2026-01-01T0300", "2026-02-01T0300"
    write_entity(warehouse.export_dir, first, "candidates", [candidate("c1")])
    write_entity(warehouse.export_dir, first, "consent_events", [consent("k1", "c1", "recontact")])
    warehouse.deliver()
    build_steps.build(warehouse.paths, "2026-06-30", quiet=True, unit_tests=False)
    building = build_steps.building_path(warehouse.paths)
    assert not building.exists()  # swapped in
    marts = {name: mart_digest(warehouse, name) for name in CONTRACT_COLUMNS}
    history = mart_digest(warehouse, "recontact_eligibility_history")

    write_entity(
        warehouse.export_dir,
        second,
        "consent_events",
        [consent("k3", "c1", "recontact", action="withdrawn", recorded_at="2026-13-01T09:00:00")],
    )
    warehouse.deliver()
    with pytest.raises(DbtFailed) as failure:
        build_steps.build(warehouse.paths, "2026-07-01", quiet=True, unit_tests=False)
    # the warehouse: the last good build's tables, staging included
    assert {name: mart_digest(warehouse, name) for name in CONTRACT_COLUMNS} == marts
    assert mart_digest(warehouse, "recontact_eligibility_history") == history
    assert warehouse.rows("select count(*) from intermediate.int_canonical__quarantine") == [[0]]
    assert "keeps its last good marts and history" in str(failure.value)
    assert str(building) in str(failure.value)
    # the raw tables have the new batch (the load succeeded; it is not undone)
    assert warehouse.rows("select count(*) from raw.canonical__consent_events") == [[2]]
    # the failed build, kept aside for inspection
    with duckdb.connect(str(building), read_only=True) as failed:
        assert failed.execute(
            "select record_key, quarantine_reason from intermediate.int_canonical__quarantine"
        ).fetchall() == [("k3", "unparseable recorded_at")]

    # the ATS re-sends the batch fixed: the next good build replaces the warehouse and
    # removes the copy
    write_entity(
        warehouse.export_dir,
        second,
        "consent_events",
        [consent("k3", "c1", "recontact", action="withdrawn", recorded_at="2026-06-01T09:00:00")],
    )
    warehouse.deliver()
    build_steps.build(warehouse.paths, "2026-07-01", quiet=True, unit_tests=False)
    assert not building.exists()
    assert warehouse.rows("select distinct as_of_date from marts.recontact_eligibility") == [
        [date(2026, 7, 1)]
    ]


def test_the_copy_is_not_swapped_in_over_a_warehouse_written_meanwhile(make_warehouse):
    """A purge (or a load in another run) between the copy and the swap would be undone by
    the swap: promote_build refuses, discards the copy and keeps the warehouse."""
    from orchestration import warehouse as build_steps

    warehouse = make_warehouse()
    write_entity(warehouse.export_dir, "2026-01-01T0300", "candidates", [candidate("c1")])
    warehouse.deliver()
    build_steps.build(warehouse.paths, "2026-06-30", quiet=True, unit_tests=False)
    building = build_steps.begin_build(warehouse.paths, run_id="run-1")
    assert building.duckdb_path.exists()
    with duckdb.connect(str(warehouse.duckdb_path)) as live:  # e.g. the purge deletes rows
        live.execute("delete from raw.canonical__candidates")
    with pytest.raises(build_steps.WarehouseChanged):
        build_steps.promote_build(warehouse.paths, run_id="run-1")
    assert not building.duckdb_path.exists()
    assert warehouse.rows("select count(*) from raw.canonical__candidates") == [[0]]
    # another run's copy is not this run's
    build_steps.begin_build(warehouse.paths, run_id="run-2")
    assert build_steps.promote_build(warehouse.paths, run_id="run-1") is False
    assert build_steps.promote_build(warehouse.paths, run_id="run-2") is True


def assert_marts_match_oracle(warehouse, as_of: date) -> None:
    expected = oracle.evaluate(warehouse.export_dir, SEEDS_DIR, as_of)
    for mart, rows in (
        ("recontact_eligibility", expected.eligibility),
        ("recontact_cohorts", expected.cohorts),
        ("retention_purge_queue", expected.purge_queue),
    ):
        assert_same_rows(warehouse.mart(mart), rows, MART_KEYS[mart], f"{mart} as of {as_of}")
    # the oracle names quarantine reasons its own way (tests/oracle.py): compared without them
    assert_same_rows(
        warehouse.frame(
            "select * exclude (quarantine_reasons) from marts.purge_blocked_by_quality"
        ),
        [
            {k: v for k, v in row.items() if k != "quarantine_reasons"}
            for row in expected.purge_blocked
        ],
        MART_KEYS["purge_blocked_by_quality"],
        f"purge_blocked_by_quality as of {as_of}",
    )


def test_marts_match_the_independent_oracle_at_the_export_date(sample_warehouse):
    assert_marts_match_oracle(sample_warehouse, END_DATE)


@pytest.mark.parametrize("as_of", [date(2025, 3, 31), date(2024, 2, 29)])
def test_marts_match_the_oracle_at_earlier_dates_ignoring_later_events(
    sample_warehouse, make_warehouse, as_of
):
    """Point in time: the same files built as of an earlier D (later rows are present)."""
    warehouse = make_warehouse()
    warehouse.export_dir = sample_warehouse.export_dir
    warehouse.build(as_of)
    assert_marts_match_oracle(warehouse, as_of)


@pytest.fixture(scope="module")
def handmade_warehouse(tmp_path_factory):
    """Two small batches with versions, re-deliveries, conflicts and unreadable rows."""
    from tests.support import new_warehouse

    warehouse = new_warehouse(tmp_path_factory.mktemp("handmade"))
    first, second = "2026-01-01T0300", "2026-02-01T0300"
    export = warehouse.export_dir
    write_entity(
        export,
        first,
        "candidates",
        [
            candidate("c1"),
            candidate("c2", country="JP"),
            candidate("c3", country=""),
            candidate("c4", updated_at="2026-01-32T10:00:00"),
        ],
    )
    write_entity(
        export,
        second,
        "candidates",
        [
            {**candidate("c2", country="US", region="NY"), "nickname": "not in the contract"},
        ],
    )
    write_entity(
        export,
        first,
        "applications",
        [
            # 15:30 UTC on 31 Dec is 00:30 on 1 Jan in Tokyo
            application("a1", "c1", closed_at="2025-12-31T15:30:00Z"),
            application(
                "a2", "c2", status="active", closed_at="", updated_at="2026-01-01T10:00:00"
            ),
            application("a3", "c1", status="paused"),
        ],
    )
    write_entity(
        export,
        second,
        "applications",
        [
            application(
                "a2",
                "c2",
                status="rejected",
                closed_at="2026-01-20T10:00:00",
                updated_at="2026-01-20T10:00:00",
            ),
        ],
    )
    stage = {"application_id": "a1", "entered_at": "2025-11-01T10:00:00"}
    write_entity(
        export,
        first,
        "stage_events",
        [
            {"stage_event_id": "s1", "stage": "一次面接", **stage},
            {"stage_event_id": "s2", "stage": "最終面接", **stage},
        ],
    )
    write_entity(
        export,
        second,
        "stage_events",
        [
            {"stage_event_id": "s1", "stage": "内定", **stage},
            {"stage_event_id": "s2", "stage": "最終面接", **stage},
        ],
    )
    output = warehouse.build(date(2026, 6, 30))
    return warehouse, output


def test_offset_timestamps_count_on_their_local_date(handmade_warehouse):
    warehouse, _ = handmade_warehouse
    closed = warehouse.frame(
        "select cast(closed_on as varchar) as closed_on"
        " from intermediate.int_canonical__applications_conformed where application_id = 'a1'"
    )
    assert closed["closed_on"].tolist() == ["2026-01-01"]


def test_latest_version_wins_and_ties_go_to_the_later_batch(handmade_warehouse):
    warehouse, _ = handmade_warehouse
    staged = warehouse.rows(
        "select application_id, status, batch_id"
        " from intermediate.int_canonical__applications_conformed order by application_id"
    )
    assert staged == [
        ["a1", "rejected", "2026-01-01T0300"],
        ["a2", "rejected", "2026-02-01T0300"],
    ]
    eligibility = warehouse.mart("recontact_eligibility").set_index("candidate_id")
    assert eligibility.loc["c2", "jurisdiction"] == "US"  # same updated_at, later batch
    fates = warehouse.rows(
        "select candidate_id, _batch_id, _fate from staging.stg_canonical__candidates"
        " where candidate_id = 'c2' order by _batch_id"
    )
    assert [fate for _, _, fate in fates] == ["superseded", "staged"]


def test_events_keep_the_first_delivery_and_quarantine_conflicting_ones(handmade_warehouse):
    warehouse, _ = handmade_warehouse
    fates = warehouse.rows(
        "select stage_event_id, _batch_id, _fate, quarantine_reason"
        " from staging.stg_canonical__stage_events order by stage_event_id, _batch_id"
    )
    assert fates == [
        ["s1", "2026-01-01T0300", "staged", None],
        ["s1", "2026-02-01T0300", "quarantined", "conflicting_duplicate"],
        ["s2", "2026-01-01T0300", "staged", None],
        ["s2", "2026-02-01T0300", "redelivered", None],
    ]


def test_unreadable_rows_are_quarantined_with_file_row_and_reason(handmade_warehouse):
    warehouse, output = handmade_warehouse
    quarantine = warehouse.rows(
        "select entity, record_key, source_file, source_row, quarantine_reason"
        " from intermediate.int_canonical__quarantine order by entity, record_key"
    )
    assert quarantine == [
        [
            "applications",
            "a3",
            "canonical/2026-01-01T0300/applications.csv",
            3,
            "unknown application status",
        ],
        ["candidates", "c3", "canonical/2026-01-01T0300/candidates.csv", 3, "missing country"],
        [
            "candidates",
            "c4",
            "canonical/2026-01-01T0300/candidates.csv",
            4,
            "unparseable updated_at",
        ],
        [
            "stage_events",
            "s1",
            "canonical/2026-02-01T0300/stage_events.csv",
            1,
            "conflicting_duplicate",
        ],
    ]
    assert "WARN" in output and "warn_quarantined_rows" in output
    assert (
        "canonical/2026-02-01T0300/candidates.csv: ignoring column(s) not in the contract: nickname"
    ) in warehouse.loaded.render()
    # quarantined candidates get no decision; the others do
    assert warehouse.mart("recontact_eligibility")["candidate_id"].tolist() == ["c1", "c2"]
