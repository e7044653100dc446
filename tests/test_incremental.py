"""Incremental models (issue 5): the append-only events' staging models read only new batches,
and the eligibility history keeps every as-of date. A daily run after new, re-delivered,
conflicting and late-arriving batches must give exactly what a full build gives. The builds
here are seeds and models only (`data_tests=False`): what is compared is the tables, and
the data tests run in every other module's builds."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from loader.intake import MANIFEST_NAME, write_manifest
from sample_exports.generate import generate_export
from tests.support import new_warehouse

AS_OF = date(2026, 11, 27)
EVENT_MODELS = [
    "stg_canonical__stage_events",
    "stg_canonical__evaluations",
    "stg_canonical__consent_events",
    "stg_canonical__privacy_requests",
    "stg_canonical__outreach_events",
]
# Mutable entities: incremental by key, recomputing the keys a new batch delivers.
MUTABLE_MODELS = [
    "stg_canonical__candidates",
    "stg_canonical__applications",
    "stg_canonical__jobs",
    "stg_canonical__offers",
    "stg_canonical__openings",
]
# What the daily run publishes and what says how every landed row was used.
COMPARED = [
    "marts.recontact_eligibility",
    "marts.recontact_cohorts",
    "marts.retention_purge_queue",
    "intermediate.int_canonical__quarantine",
    "intermediate.int_canonical__landing_reconciliation",
    "intermediate.int_person_identity",
    *(f"staging.{model}" for model in EVENT_MODELS + MUTABLE_MODELS),
]
# version_rank ranks a key's rows among the rows one run read (a daily run reads only
# the new batches); the fates it leads to must be equal, and are compared.
NOT_COMPARED = {"version_rank"}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate_export(out, candidates=600, seed=11, end_date=AS_OF, batches=4, file_format="csv")
    return out / "canonical"


def batches(export: Path) -> list[Path]:
    return sorted(path for path in export.iterdir() if path.is_dir())


def deliver(batch: Path, warehouse, batch_id: str | None = None) -> None:
    """The batch in the warehouse's export: the next build delivers and loads it."""
    shutil.copytree(batch, warehouse.export_dir / "canonical" / (batch_id or batch.name))


def table(warehouse, relation: str) -> list[tuple]:
    columns = [
        name
        for (name,) in warehouse.rows(
            "select column_name from information_schema.columns"
            f" where table_schema || '.' || table_name = '{relation}' order by ordinal_position"
        )
        if name not in NOT_COMPARED
    ]
    assert columns, relation
    listed = ", ".join(columns)
    return [tuple(row) for row in warehouse.rows(f"select {listed} from {relation} order by all")]


def assert_same_as_full_build(incremental, tmp_path: Path) -> None:
    full = new_warehouse(tmp_path / "full")
    shutil.copytree(incremental.export_dir, full.export_dir)
    full.build(AS_OF, data_tests=False)
    for relation in COMPARED:
        assert table(incremental, relation) == table(full, relation), relation


def event_rows(batch: Path, entity: str) -> tuple[list[str], list[dict]]:
    with (batch / f"{entity}.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def resend_manifest(batch: Path, entity: str, rows: int) -> None:
    """The batch manifest of a re-sent batch (loader/intake.py checks row counts)."""
    manifest = json.loads((batch / MANIFEST_NAME).read_text())
    counts = {**manifest["row_counts"], entity: rows}
    write_manifest(batch, counts, manifest["previous_batch_id"])


def redelivery(source: Path, target: Path) -> None:
    """A batch re-sending 20 stage events unchanged and 10 with another stage, and
    10 evaluations unchanged: re-deliveries and conflicts for the fate rules."""
    header, stage_events = event_rows(source, "stage_events")
    changed = [{**row, "stage": "re-sent with another stage"} for row in stage_events[20:30]]
    write_rows(target / "stage_events.csv", header, stage_events[:20] + changed)
    header, evaluations = event_rows(source, "evaluations")
    write_rows(target / "evaluations.csv", header, evaluations[:10])


def test_daily_runs_equal_a_full_build_after_new_redelivered_and_late_batches(export, tmp_path):
    first, second, third, fourth = batches(export)
    warehouse = new_warehouse(tmp_path / "incremental")
    for batch in (first, second):
        deliver(batch, warehouse)
    warehouse.build(AS_OF, data_tests=False)

    # 1. new batches, in order: only they are read
    deliver(third, warehouse)
    deliver(fourth, warehouse)
    output = warehouse.build(AS_OF, data_tests=False)
    assert "recomputing every batch" not in output
    assert_same_as_full_build(warehouse, tmp_path / "step1")

    # 2. a later batch re-delivering events, some with other content
    redelivery(second, warehouse.export_dir / "canonical" / "2026-12-01T0300")
    output = warehouse.build(AS_OF, data_tests=False)
    assert "recomputing every batch" not in output
    fates = dict(
        warehouse.rows(
            "select _fate, count(*) from staging.stg_canonical__stage_events"
            " where _batch_id = '2026-12-01T0300' group by 1"
        )
    )
    assert fates == {"redelivered": 20, "quarantined": 10}
    assert_same_as_full_build(warehouse, tmp_path / "step2")

    # 3. a late batch sorting before every loaded one: its rows are the first delivery
    redelivery(third, warehouse.export_dir / "canonical" / "2026-01-01T0300")
    output = warehouse.build(AS_OF, data_tests=False)
    assert "recomputing every batch" in output
    assert_same_as_full_build(warehouse, tmp_path / "step3")

    # 4. a loaded batch re-sent with other content: recomputed
    header, stage_events = event_rows(second, "stage_events")
    rewritten = warehouse.export_dir / "canonical" / second.name / "stage_events.csv"
    write_rows(rewritten, header, stage_events[5:])
    resend_manifest(rewritten.parent, "stage_events", len(stage_events) - 5)
    output = warehouse.build(AS_OF, data_tests=False)
    assert "changed since it was read" in output
    assert_same_as_full_build(warehouse, tmp_path / "step4")

    # 5. nothing new: a run changes nothing
    before = {relation: table(warehouse, relation) for relation in COMPARED}
    output = warehouse.build(AS_OF, data_tests=False)
    for model in EVENT_MODELS:
        assert f"{model.removeprefix('stg_canonical__')}: no new batch" in output, model
    assert {relation: table(warehouse, relation) for relation in COMPARED} == before


def test_eligibility_history_keeps_each_as_of_date_and_replaces_a_rebuilt_one(export, tmp_path):
    warehouse = new_warehouse(tmp_path / "history")
    for batch in batches(export):
        deliver(batch, warehouse)
    earlier, later = date(2026, 3, 1), AS_OF
    warehouse.build(earlier, data_tests=False)
    at_earlier = table(warehouse, "marts.recontact_eligibility")
    warehouse.build(later, data_tests=False)
    at_later = table(warehouse, "marts.recontact_eligibility")
    warehouse.build(
        earlier, data_tests=False
    )  # the same D again: its slice is replaced, not doubled

    def history_at(day: date) -> list[tuple]:
        return [
            tuple(row)
            for row in warehouse.rows(
                "select * from marts.recontact_eligibility_history"
                f" where as_of_date = date '{day.isoformat()}' order by all"
            )
        ]

    assert history_at(earlier) == at_earlier
    assert history_at(later) == at_later
    assert at_earlier != at_later
    (dates,) = warehouse.rows(
        "select count(distinct as_of_date) from marts.recontact_eligibility_history"
    )
    assert dates == [2]


def test_a_batch_re_sent_without_an_entity_leaves_no_row_of_it_behind(make_warehouse):
    """The event tables are delete+insert by batch: a batch whose rows left the raw table
    (re-sent without that entity's file) kept its rows there, and the build failed on
    duplicate ids. A batch no longer in the raw table now empties the table before every
    batch is read again."""
    from tests.support import candidate, consent, write_entity

    warehouse = make_warehouse()
    for batch in ("2026-01-01T0300", "2026-02-01T0300"):
        write_entity(warehouse.export_dir, batch, "candidates", [candidate("c1")])
        write_entity(
            warehouse.export_dir, batch, "consent_events", [consent("k1", "c1", "recontact")]
        )
    warehouse.build(date(2026, 6, 30), data_tests=False)
    (warehouse.export_dir / "canonical" / "2026-01-01T0300" / "consent_events.csv").unlink()
    output = warehouse.build(date(2026, 6, 30), data_tests=False)
    assert "batch 2026-01-01T0300 is no longer in the landing; recomputing every batch" in output
    assert warehouse.rows("select _batch_id, _fate from staging.stg_canonical__consent_events") == [
        ["2026-02-01T0300", "staged"]
    ]


def recomputed_by_key(warehouse, model: str) -> bool:
    """Whether the last run compiled the model as a keyed increment (latest_version_wins
    with batches), not as a full read of its raw table."""
    compiled = next((warehouse.target_path / "compiled").rglob(f"{model}.sql"))
    return "recomputed_keys as (" in compiled.read_text()


def test_a_keyed_daily_run_leaves_no_stale_version_behind(make_warehouse, tmp_path):
    """Mutable entities are incremental by key: a key delivered again in a new batch, with
    a newer updated_at, gets the new row staged and the old one superseded, from every
    version of that key in any batch (a late batch's too), exactly as a full build; the
    keys no new batch delivers keep their rows. A run reading only the new batch's rows
    would leave the old version staged beside the new."""
    from tests.support import application, candidate, write_entity

    warehouse = make_warehouse()
    export = warehouse.export_dir
    write_entity(export, "2026-02-01T0300", "candidates", [candidate("c1"), candidate("c2")])
    write_entity(export, "2026-02-01T0300", "applications", [application("a1", "c1")])
    warehouse.build(AS_OF, data_tests=False)

    # 1. c1 again with a newer version (another country), a1 re-delivered unchanged (a tie
    #    on updated_at goes to the later batch, the earlier copy is a re-delivery)
    newer = candidate("c1", country="DE", updated_at="2026-03-01T09:00:00")
    write_entity(export, "2026-03-01T0300", "candidates", [newer])
    write_entity(export, "2026-03-01T0300", "applications", [application("a1", "c1")])
    warehouse.build(AS_OF, data_tests=False)
    assert recomputed_by_key(warehouse, "stg_canonical__candidates")
    assert warehouse.rows(
        "select candidate_id, _batch_id, country, _fate from staging.stg_canonical__candidates"
        " order by all"
    ) == [
        ["c1", "2026-02-01T0300", "JP", "superseded"],
        ["c1", "2026-03-01T0300", "DE", "staged"],
        ["c2", "2026-02-01T0300", "JP", "staged"],
    ]
    assert warehouse.rows(
        "select _batch_id, _fate from staging.stg_canonical__applications order by all"
    ) == [["2026-02-01T0300", "redelivered"], ["2026-03-01T0300", "staged"]]
    assert_same_as_full_build(warehouse, tmp_path / "step1")

    # 2. a late batch (sorting before both) with c2's newest version and an older one of c1
    write_entity(
        export,
        "2026-01-01T0300",
        "candidates",
        [
            candidate("c1", updated_at="2023-01-01T09:00:00"),
            candidate("c2", region="27", updated_at="2026-04-01T09:00:00"),
        ],
    )
    warehouse.build(AS_OF, data_tests=False)
    assert recomputed_by_key(warehouse, "stg_canonical__candidates")
    assert warehouse.rows(
        "select candidate_id, _batch_id from staging.stg_canonical__candidates"
        " where _fate = 'staged' order by all"
    ) == [["c1", "2026-03-01T0300"], ["c2", "2026-01-01T0300"]]
    assert_same_as_full_build(warehouse, tmp_path / "step2")


def test_a_keyed_daily_run_recomputes_a_key_set_aside_as_in_the_future(make_warehouse, tmp_path):
    """A row quarantined as "in the future" may be accepted by a later build (the clock
    moves on; here the grace widens): a keyed run recomputes its key although no new batch
    delivers it, as a full build would."""
    from tests.support import candidate, write_entity

    warehouse = make_warehouse()
    ahead = (date.today() + timedelta(days=45)).isoformat() + "T09:00:00"
    write_entity(
        warehouse.export_dir,
        "2026-02-01T0300",
        "candidates",
        [candidate("c1"), candidate("c1", country="DE", updated_at=ahead)],
    )
    warehouse.build(AS_OF, future_grace_days=0, data_tests=False)
    assert warehouse.rows(
        "select country, _fate, quarantine_reason from staging.stg_canonical__candidates"
        " order by all"
    ) == [["DE", "quarantined", "updated_at in the future"], ["JP", "staged", None]]

    warehouse.build(AS_OF, future_grace_days=120, data_tests=False)  # no new batch
    assert recomputed_by_key(warehouse, "stg_canonical__candidates")
    assert warehouse.rows(
        "select country, _fate from staging.stg_canonical__candidates order by all"
    ) == [["DE", "staged"], ["JP", "superseded"]]
