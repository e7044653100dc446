"""End-to-end: `dbt build` on exports in a temp dir, assertions on the marts."""

from __future__ import annotations

import csv
import hashlib
from datetime import date

import pyarrow.parquet as pq
import pytest

from orchestration.generate import generate_export
from orchestration.warehouse import DbtFailed
from tests.support import END_DATE, MART_KEYS
from tests.support import application, candidate, consent, write_entity

CONTRACT_COLUMNS = {
    "recontact_eligibility": [
        "source_system", "candidate_id", "person_id", "as_of_date", "jurisdiction", "is_eligible",
        "primary_exclusion_reason", "exclusion_reasons", "last_closed_on", "use_allowed_until",
        "legal_hold_until", "recontact_consent_expires_on", "rule_set_version",
    ],
    "recontact_cohorts": [
        "source_system", "candidate_id", "person_id", "as_of_date", "cohort", "application_id",
        "job_id", "closed_on", "furthest_stage", "rejection_category", "best_rating",
        "priority_score",
    ],
    "retention_purge_queue": [
        "source_system", "candidate_id", "person_id", "as_of_date", "purge_reason", "purge_due_on",
    ],
}


def mart_digest(warehouse, name: str) -> str:
    frame = warehouse.frame(f"select * from marts.{name}")
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def test_marts_have_exactly_the_contract_columns(sample_warehouse):
    for mart, columns in CONTRACT_COLUMNS.items():
        assert list(sample_warehouse.frame(f"select * from marts.{mart} limit 0").columns) == columns


def test_every_dbt_unit_test_ran_and_passed(sample_warehouse):
    unit_tests = [r for r in sample_warehouse.run_results() if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 20
    assert {r["status"] for r in unit_tests} == {"pass"}


def test_sample_build_exercises_every_rule(sample_warehouse):
    """The sample data is only a useful test if each reason, cohort and purge reason occurs."""
    reasons = set(sample_warehouse.frame(
        "select distinct unnest(string_split(exclusion_reasons, ',')) as reason"
        " from marts.recontact_eligibility where exclusion_reasons is not null")["reason"])
    assert reasons == {
        "erasure_requested", "deleted_in_source", "stop_use_requested", "hired",
        "active_application", "no_closed_application", "retention_expired",
        "no_recontact_consent", "stop_contact_requested", "disqualified",
        "recently_contacted", "too_recent", "outside_lookback",
    }
    cohorts = set(sample_warehouse.mart("recontact_cohorts")["cohort"])
    assert cohorts == {"final_interview", "culture_fit", "offer_declined_conditions", "timing_headcount"}
    purge_reasons = set(sample_warehouse.mart("retention_purge_queue")["purge_reason"])
    assert purge_reasons == {"erasure_requested", "deleted_in_source", "retention_expired"}
    assert sample_warehouse.frame(
        "select count(*) as n from marts.recontact_eligibility where is_eligible")["n"][0] > 0


def test_one_eligibility_row_per_staged_candidate(sample_warehouse):
    counts = sample_warehouse.frame(
        "select (select count(*) from staging.stg_canonical__candidates) as staged,"
        " (select count(*) from marts.recontact_eligibility) as evaluated")
    assert counts["staged"][0] == counts["evaluated"][0] > 0


def count_file_rows(path) -> int:
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_every_landed_row_is_accounted_for(sample_warehouse):
    """Rows counted in the files themselves = staged + superseded + redelivered + quarantined."""
    in_files = {
        (path.stem, path.parent.name): count_file_rows(path)
        for path in (sample_warehouse.landing_dir / "canonical").glob("*/*.*")
    }
    reconciled = sample_warehouse.frame(
        "select entity, batch_id, landed_rows, staged_rows + superseded_rows + redelivered_rows"
        " + quarantined_rows as accounted from staging.stg_canonical__landing_reconciliation")
    by_key = {(r.entity, r.batch_id): (r.landed_rows, r.accounted) for r in reconciled.itertuples()}
    assert set(by_key) == {key for key, rows in in_files.items() if rows > 0}
    for key, rows in in_files.items():
        if rows:
            assert by_key[key] == (rows, rows), key
    fates = sample_warehouse.frame(
        "select sum(superseded_rows) as superseded, sum(redelivered_rows) as redelivered"
        " from staging.stg_canonical__landing_reconciliation")
    assert fates["superseded"][0] > 0 and fates["redelivered"][0] > 0


def test_rebuild_with_same_inputs_and_date_is_byte_identical(make_warehouse):
    warehouse = make_warehouse()
    generate_export(warehouse.landing_dir, candidates=400, seed=3, end_date=END_DATE, batches=3)
    warehouse.build(END_DATE)
    first = {mart: mart_digest(warehouse, mart) for mart in MART_KEYS}
    warehouse.duckdb_path.unlink()
    warehouse.build(END_DATE)
    assert {mart: mart_digest(warehouse, mart) for mart in MART_KEYS} == first


def test_parquet_and_csv_exports_of_the_same_data_give_the_same_marts(make_warehouse):
    built = []
    for file_format in ("csv", "parquet"):
        warehouse = make_warehouse()
        generate_export(warehouse.landing_dir, candidates=400, seed=5, end_date=END_DATE,
                        batches=3, file_format=file_format)
        warehouse.build(END_DATE)
        built.append(warehouse)
    for mart in MART_KEYS:
        assert built[0].mart(mart).equals(built[1].mart(mart)), mart


def test_invalid_as_of_date_is_refused_with_the_value(make_warehouse):
    warehouse = make_warehouse()
    write_entity(warehouse.landing_dir, "2026-01-01T0300", "candidates", [candidate("c1")])
    with pytest.raises(DbtFailed) as failure:
        warehouse.dbt("run", "2026-02-30", select="recontact_eligibility")
    assert "2026-02-30" in failure.value.output


def test_missing_required_column_fails_naming_file_and_column(make_warehouse):
    warehouse = make_warehouse()
    row = candidate("c1")
    del row["updated_at"]
    write_entity(warehouse.landing_dir, "2026-01-01T0300", "candidates", [row])
    with pytest.raises(DbtFailed) as failure:
        warehouse.build(date(2026, 6, 30))
    assert ("landing file canonical/2026-01-01T0300/candidates.csv lacks required column(s)"
            " updated_at") in failure.value.output


def test_unreadable_consent_row_fails_the_build_but_is_kept_in_quarantine(make_warehouse):
    warehouse = make_warehouse()
    write_entity(warehouse.landing_dir, "2026-01-01T0300", "candidates", [candidate("c1")])
    write_entity(warehouse.landing_dir, "2026-01-01T0300", "consent_events",
                 [consent("k1", "c1", "recontact", action="maybe")])
    with pytest.raises(DbtFailed) as failure:
        warehouse.build(date(2026, 6, 30))
    assert "quarantined_consent_or_privacy_rows" in failure.value.output
    quarantine = warehouse.frame("select * from staging.stg_canonical__quarantine")
    assert quarantine[["entity", "record_key", "quarantine_reason"]].values.tolist() == [
        ["consent_events", "k1", "unknown consent action"]]
    # the marts are still built, without the unreadable consent
    eligibility = warehouse.mart("recontact_eligibility")
    assert eligibility["candidate_id"].tolist() == ["c1"]
