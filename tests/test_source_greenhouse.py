"""The Greenhouse source (docs/source-greenhouse.md): a generated export written as canonical
and as Greenhouse (sample_exports/vendors/greenhouse.py) stages to the same rows, the reference
Fivetran files load, unmapped values are reported and a deleted candidate is deleted_in_source."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from sample_exports.generate import generate_export
from sample_exports.vendors.greenhouse import greenhouse_candidate_id, greenhouse_id, write_export
from tests.support import END_DATE, Warehouse, new_warehouse

REFERENCE_DIR = Path(__file__).parent / "data" / "reference" / "fivetran-greenhouse"
STAGED_ENTITIES = (
    "candidates",
    "jobs",
    "applications",
    "stage_events",
    "evaluations",
    "offers",
    "consent_events",
    "privacy_requests",
    "outreach_events",
)
# Staging and conformance only (both sources), with the seeds it maps with (parents).
STAGING = "+intermediate.canonical +intermediate.greenhouse"


def build_staging(warehouse: Warehouse) -> str:
    return warehouse.dbt("build", END_DATE, select=STAGING)


@pytest.fixture(scope="module")
def both_shapes(tmp_path_factory) -> Warehouse:
    """One generated export landed twice: as canonical and converted to Greenhouse."""
    warehouse = new_warehouse(tmp_path_factory.mktemp("greenhouse_generated"))
    generate_export(
        warehouse.export_dir, candidates=1500, seed=11, end_date=END_DATE, file_format="mixed"
    )
    write_export(warehouse.export_dir / "canonical", warehouse.export_dir)
    build_staging(warehouse)
    return warehouse


# ---------------------------------------------------------------------------------------------
# (a) the same people through both sources
# ---------------------------------------------------------------------------------------------


def ids(prefix: str):
    return lambda value: None if value is None else greenhouse_id(value, prefix)


def same(value):
    return value


# entity -> (key columns, {column: how a canonical value reads on the Greenhouse side});
# columns not listed differ by design (texts Greenhouse lacks, vocabulary names translated
# through the seeds while their mapping stays the same, batch ids).
COMPARED = {
    "candidates": (
        ["candidate_id"],
        {"candidate_id": ids("C")}
        | dict.fromkeys(
            [
                "full_name",
                "email",
                "phone",
                "country",
                "region",
                "created_at",
                "updated_at",
                "updated_on",
                "is_deleted",
            ],
            same,
        ),
    ),
    "jobs": (
        ["job_id"],
        {"job_id": ids("J"), "status": lambda s: "closed" if s == "filled" else s}
        | dict.fromkeys(["title", "opened_at", "closed_at", "updated_at"], same),
    ),
    "applications": (
        ["application_id"],
        {"application_id": ids("A"), "candidate_id": ids("C"), "job_id": ids("J")}
        | dict.fromkeys(
            [
                "status",
                "applied_at",
                "applied_on",
                "closed_at",
                "closed_on",
                "rejection_category",
                "is_rejection_reason_unmapped",
                "updated_at",
            ],
            same,
        ),
    ),
    "evaluations": (
        ["evaluation_id"],
        {"evaluation_id": ids("E"), "application_id": ids("A")}
        | dict.fromkeys(["source_stage", "evaluated_at", "evaluated_on", "rating"], same),
    ),
    "offers": (
        ["offer_id"],
        {"offer_id": ids("O"), "application_id": ids("A")}
        | dict.fromkeys(
            [
                "status",
                "extended_at",
                "extended_on",
                "decline_category",
                "is_decline_reason_unmapped",
                "updated_at",
            ],
            same,
        ),
    ),
    "consent_events": (
        ["consent_event_id"],
        {"candidate_id": ids("C")}
        | dict.fromkeys(
            [
                "consent_event_id",
                "purpose",
                "action",
                "recorded_at",
                "recorded_on",
                "expires_at",
                "expires_on",
                "notice_version",
                "channel",
            ],
            same,
        ),
    ),
    "privacy_requests": (
        ["request_id"],
        {"candidate_id": ids("C")}
        | dict.fromkeys(
            ["request_id", "request_type", "received_at", "received_on", "completed_at"], same
        ),
    ),
    "outreach_events": (
        ["outreach_id"],
        {"candidate_id": ids("C")}
        | dict.fromkeys(
            [
                "outreach_id",
                "sent_at",
                "sent_on",
                "channel",
                "cohort",
                "outcome",
                "outcome_at",
                "outcome_on",
            ],
            same,
        ),
    ),
}


def staged(warehouse: Warehouse, source: str, entity: str, columns: list[str]) -> list[dict]:
    frame = warehouse.frame(
        f"select {', '.join(columns)} from intermediate.int_{source}__{entity}_conformed"
    )
    return [
        {c: (None if value != value else value) for c, value in row.items()}  # NaN/NaT -> None
        for row in frame.astype(object).to_dict("records")
    ]


def keyed(rows: list[dict], key: list[str]) -> dict[tuple, dict]:
    table = {tuple(row[c] for c in key): row for row in rows}
    assert len(table) == len(rows), "duplicate keys"
    return table


@pytest.mark.parametrize("entity", list(COMPARED))
def test_greenhouse_stages_the_same_rows_as_canonical(both_shapes, entity):
    key, columns = COMPARED[entity]
    canonical = [
        {column: convert(row[column]) for column, convert in columns.items()}
        for row in staged(both_shapes, "canonical", entity, list(columns))
    ]
    greenhouse = staged(both_shapes, "greenhouse", entity, list(columns))
    assert canonical, f"the generated export has no {entity}"
    want, got = keyed(canonical, key), keyed(greenhouse, key)
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    differing = [k for k in sorted(set(want) & set(got)) if want[k] != got[k]]
    assert not (missing or extra or differing), (
        f"{entity}: {len(missing)} missing, {len(extra)} extra, {len(differing)} differ;"
        f" e.g. missing {missing[:3]}, extra {extra[:3]},"
        f" differing {[(k, want[k], got[k]) for k in differing[:2]]}"
    )


def test_greenhouse_stage_events_reach_the_same_stages_on_the_same_days(both_shapes):
    """Greenhouse's history has no stage event id: compare what each application went through."""
    columns = [
        "application_id",
        "source_stage",
        "stage",
        "stage_order",
        "is_stage_unmapped",
        "entered_at",
    ]
    canonical = {
        (
            greenhouse_id(r["application_id"], "A"),
            r["stage"],
            r["stage_order"],
            r["is_stage_unmapped"],
            r["entered_at"],
            r["source_stage"] if r["is_stage_unmapped"] else None,
        )
        for r in staged(both_shapes, "canonical", "stage_events", columns)
    }
    greenhouse = {
        (
            r["application_id"],
            r["stage"],
            r["stage_order"],
            r["is_stage_unmapped"],
            r["entered_at"],
            r["source_stage"] if r["is_stage_unmapped"] else None,
        )
        for r in staged(both_shapes, "greenhouse", "stage_events", columns)
    }
    assert any(row[3] for row in canonical), "the export should hold unmapped stages"
    assert canonical == greenhouse


def test_the_export_exercises_what_greenhouse_reads_differently(both_shapes):
    """Statuses derived from reason types and offers, hires from history, deletions, consents."""
    statuses = dict(
        both_shapes.rows(
            "select status, count(*) from intermediate.int_greenhouse__applications_conformed"
            " group by status"
        )
    )
    assert all(statuses.get(s, 0) > 0 for s in ("withdrawn", "offer_declined", "hired", "rejected"))
    deleted = both_shapes.rows(
        "select count(*) from intermediate.int_greenhouse__candidates_conformed where is_deleted"
    )
    assert deleted[0][0] > 0


def test_every_staged_model_has_the_canonical_columns_and_types(both_shapes):
    for entity in STAGED_ENTITIES:
        shapes = {
            source: both_shapes.rows(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'intermediate'"
                f" and table_name = 'int_{source}__{entity}_conformed'"
                " order by ordinal_position"
            )
            for source in ("canonical", "greenhouse")
        }
        assert shapes["greenhouse"] == shapes["canonical"], entity


def test_landed_greenhouse_rows_reconcile_and_none_is_quarantined(both_shapes):
    totals = both_shapes.rows(
        "select sum(landed_rows), sum(staged_rows + superseded_rows + redelivered_rows"
        " + quarantined_rows + suppressed_rows), sum(quarantined_rows)"
        " from intermediate.int_greenhouse__landing_reconciliation"
    )[0]
    files = sum(
        sum(1 for _ in csv.reader(path.open(encoding="utf-8"))) - 1
        for path in (both_shapes.export_dir / "greenhouse").glob("*/*.csv")
    )
    assert totals == [files, files, 0]


def test_candidate_id_mapping_is_the_one_the_export_uses(both_shapes):
    some = both_shapes.rows(
        "select candidate_id from intermediate.int_canonical__candidates_conformed limit 5"
    )
    mapped = {greenhouse_candidate_id(row[0]) for row in some}
    known = {
        row[0]
        for row in both_shapes.rows(
            "select candidate_id from intermediate.int_greenhouse__candidates_conformed"
        )
    }
    assert mapped <= known
    assert greenhouse_candidate_id("C123") == "123003"
    assert greenhouse_candidate_id("odd id").startswith("gh-")


# ---------------------------------------------------------------------------------------------
# (b)-(d) real Fivetran shapes, unmapped values, deletions
# ---------------------------------------------------------------------------------------------


def write_table(batch_dir: Path, table: str, rows: list[dict]) -> None:
    batch_dir.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with (batch_dir / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def reference_shapes(tmp_path_factory) -> Warehouse:
    """The Fivetran reference files as delivered, then a hand-made batch: a deleted candidate,
    an unmapped stage and rejection reason, a deleted scorecard, consent flags."""
    warehouse = new_warehouse(tmp_path_factory.mktemp("greenhouse_reference"))
    first = warehouse.export_dir / "greenhouse" / "2021-02-10T0000"
    first.mkdir(parents=True)
    for path in REFERENCE_DIR.glob("*.csv"):
        shutil.copy(path, first / path.name)
    later = warehouse.export_dir / "greenhouse" / "2021-03-01T0000"
    person = {"first_name": "Test", "last_name": "Person", "created_at": "2021-01-01 10:00:00"}
    write_table(
        later,
        "candidate",
        [
            {
                "id": "900003",
                "_fivetran_deleted": "true",
                "updated_at": "2021-02-20 10:00:00",
                "can_email": "true",
                "custom_country": "DE",
                **person,
            },
            {
                "id": "900103",
                "_fivetran_deleted": "false",
                "updated_at": "2021-02-20 10:00:00",
                "can_email": "false",
                "gdpr_retention_consent_given": "true",
                "custom_country": "Japan",
                **person,
            },
        ],
    )
    write_table(
        later,
        "application",
        [
            {
                "id": "910003",
                "candidate_id": "900103",
                "applied_at": "2021-01-05 10:00:00",
                "last_activity_at": "2021-02-01 10:00:00",
                "rejected_at": "2021-02-01 10:00:00",
                "rejected_reason_id": "920003",
                "status": "rejected",
                "prospect": "false",
            },
        ],
    )
    write_table(
        later,
        "rejection_reason",
        [
            {
                "id": "920003",
                "_fivetran_synced": "2021-02-01 11:00:00",
                "reason": "Salary band closed",
                "rejection_reason_type_id": "1",
                "rejection_reason_type_name": "We rejected them",
            },
        ],
    )
    write_table(
        later,
        "job_stage",
        [
            {
                "id": "930003",
                "job_id": "4198678003",
                "name": "Hackathon Day",
                "updated_at": "2021-01-01 00:00:00",
            },
        ],
    )
    write_table(
        later,
        "application_history",
        [
            {
                "application_id": "910003",
                "updated_at": "2021-01-20 10:00:00",
                "new_stage_id": "930003",
            },
        ],
    )
    write_table(
        later,
        "scorecard",
        [
            {
                "id": "5308657003",
                "_fivetran_deleted": "true",
                "application_id": "18133545003",
                "submitted_at": "2020-12-03 00:02:30.445",
                "updated_at": "2021-02-25 00:00:00",
                "overall_recommendation": "yes",
            },
        ],
    )
    build_staging(warehouse)
    return warehouse


def test_reference_fivetran_files_load_and_every_row_is_accounted_for(reference_shapes):
    reconciliation = {
        (row[0], row[1]): row[2:]
        for row in reference_shapes.rows(
            "select entity, batch_id, landed_rows, staged_rows + superseded_rows + redelivered_rows"
            " + quarantined_rows + suppressed_rows"
            " from intermediate.int_greenhouse__landing_reconciliation"
        )
    }
    for path in REFERENCE_DIR.glob("*.csv"):
        rows = sum(1 for _ in csv.DictReader(path.open(encoding="utf-8")))
        assert reconciliation[(path.stem, "2021-02-10T0000")] == [rows, rows], path.name
    staged = reference_shapes.rows(
        "select count(*) from intermediate.int_greenhouse__candidates_conformed"
    )[0][0]
    assert staged == 4  # two reference candidates, two hand-made ones


def warnings(warehouse: Warehouse) -> dict[str, int]:
    return {
        result["unique_id"].split(".")[2]: result["failures"]
        for result in warehouse.run_results()
        if result["status"] == "warn"
    }


def test_unmapped_greenhouse_stages_and_reasons_are_reported_not_guessed(reference_shapes):
    reported = warnings(reference_shapes)
    assert reported.get("warn_greenhouse_unmapped_rejection_reasons") == 1
    # the reference's own stage names are in the seed; only the hand-made one is not
    assert reported.get("warn_greenhouse_unmapped_stages") == 1
    assert reference_shapes.rows(
        "select stage, rejection_category from intermediate.int_greenhouse__stage_events_conformed"
        " join intermediate.int_greenhouse__applications_conformed using (application_id)"
        " where application_id = '910003'"
    ) == [[None, "other"]]


def test_deleted_candidate_is_deleted_in_source_and_deleted_child_rows_are_kept_out(
    reference_shapes,
):
    assert reference_shapes.rows(
        "select is_deleted, country from intermediate.int_greenhouse__candidates_conformed"
        " where candidate_id = '900003'"
    ) == [[True, "DE"]]
    assert reference_shapes.rows(
        "select count(*) from intermediate.int_greenhouse__evaluations_conformed"
        " where evaluation_id = '5308657003'"
    ) == [[0]]
    assert (
        reference_shapes.rows(
            "select _fate, quarantine_reason from staging.stg_greenhouse__scorecard"
            " where id = '5308657003' order by _batch_id"
        )
        == [["quarantined", "deleted in Greenhouse (_fivetran_deleted)"]] * 2
    )


def test_greenhouse_consent_flags_become_consent_events(reference_shapes):
    assert reference_shapes.rows(
        "select purpose, action, cast(recorded_on as varchar)"
        " from intermediate.int_greenhouse__consent_events_conformed"
        " where candidate_id = '900103' order by purpose"
    ) == [["recontact", "withdrawn", "2021-02-20"], ["retention", "granted", "2021-02-20"]]
    # can_email = true is Greenhouse's default, not consent: no event
    assert reference_shapes.rows(
        "select count(*) from intermediate.int_greenhouse__consent_events_conformed"
        " where candidate_id = '900003'"
    ) == [[0]]
    # a custom country that is not an ISO code leaves the jurisdiction to 'default', reported
    assert reference_shapes.rows(
        "select country from intermediate.int_greenhouse__candidates_conformed"
        " where candidate_id = '900103'"
    ) == [[None]]
    assert warnings(reference_shapes).get("warn_greenhouse_candidates_without_country") == 3
