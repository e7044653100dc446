"""Rule set v1.1, "Data-quality hold", end to end: a bad row never leads to a deletion.

The defect it fixes (issue 12): a typo in the date of an active application quarantined
that row; its person then looked closed since long ago, was queued `retention_expired`,
and `recontact purge` deleted them and their open application for good. One small build
of handmade rows; each test reads it. The independent oracle decides the same.
"""

from __future__ import annotations

from datetime import date

import pytest

from erasure import purge
from orchestration.warehouse import DbtFailed
from tests import oracle
from tests.support import application, assert_same_rows, candidate, consent, write_entity
from tests.test_warehouse import SEEDS_DIR

AS_OF = date(2026, 6, 30)
BATCH = "2026-06-01T0300"
EXPIRED = {"closed_at": "2019-06-01T09:00:00", "updated_at": "2019-06-01T09:00:00"}


@pytest.fixture(scope="module")
def held_warehouse(tmp_path_factory):
    """Three persons closed in 2019, retention long expired, none with retention consent:
    `typo` has an active application whose applied_at reads 2025-13-02; `stage_typo` has a
    stage event with an unreadable date; `clean` has no bad row and is due for purge."""
    from tests.support import new_warehouse

    warehouse = new_warehouse(tmp_path_factory.mktemp("held"))
    export = warehouse.export_dir
    write_entity(
        export, BATCH, "candidates", [candidate(c) for c in ("typo", "stage_typo", "clean")]
    )
    write_entity(
        export,
        BATCH,
        "applications",
        [
            application("a-typo-old", "typo", applied_at="2019-01-10T09:00:00", **EXPIRED),
            application(
                "a-typo-active", "typo", status="active", applied_at="2025-13-02T09:00:00",
                closed_at="", rejection_reason="", updated_at="2026-05-02T09:00:00",
            ),
            application("a-stage", "stage_typo", applied_at="2019-01-10T09:00:00", **EXPIRED),
            application("a-clean", "clean", applied_at="2019-01-10T09:00:00", **EXPIRED),
        ],
    )  # fmt: skip
    write_entity(
        export,
        BATCH,
        "stage_events",
        [
            {
                "stage_event_id": "s1",
                "application_id": "a-stage",
                "stage": "一次面接",
                "entered_at": "2019-02-30T10:00:00",
            }
        ],
    )
    write_entity(export, BATCH, "consent_events", [consent("k-typo", "typo", "recontact")])
    warehouse.build(AS_OF)
    return warehouse


def test_the_person_with_a_typo_in_an_active_application_is_held_not_queued(held_warehouse):
    eligibility = held_warehouse.frame(
        "select candidate_id, primary_exclusion_reason, exclusion_reasons, rule_set_version"
        " from marts.recontact_eligibility order by candidate_id"
    ).values.tolist()
    expired = "retention_expired,no_recontact_consent,outside_lookback"
    assert eligibility == [
        ["clean", "retention_expired", expired, "v1.1"],
        ["stage_typo", "data_quality_hold", f"data_quality_hold,{expired}", "v1.1"],
        [
            "typo",
            "data_quality_hold",
            "data_quality_hold,retention_expired,outside_lookback",
            "v1.1",
        ],
    ]
    queue = held_warehouse.rows("select candidate_id from marts.retention_purge_queue")
    assert queue == [["clean"]]


def test_held_persons_who_would_be_purged_are_listed_with_their_quarantine_reasons(
    held_warehouse,
):
    blocked = held_warehouse.rows(
        "select candidate_id, would_be_purge_reason, quarantine_reasons, as_of_date"
        " from marts.purge_blocked_by_quality order by candidate_id"
    )
    assert blocked == [
        ["stage_typo", "retention_expired", "unparseable entered_at", AS_OF],
        ["typo", "retention_expired", "unparseable applied_at", AS_OF],
    ]


def test_the_purge_plan_reaches_only_the_clean_person(held_warehouse):
    plan = purge.purge(held_warehouse.paths, dry_run=True, run_id="dry")
    assert [p.candidate_id for p in plan.persons] == ["clean"]


def test_the_oracle_decides_the_same(held_warehouse):
    expected = oracle.evaluate(held_warehouse.export_dir, SEEDS_DIR, AS_OF)
    assert_same_rows(
        held_warehouse.mart("recontact_eligibility"),
        expected.eligibility,
        ["source_system", "candidate_id"],
        "eligibility",
    )
    assert_same_rows(
        held_warehouse.mart("retention_purge_queue"),
        expected.purge_queue,
        ["source_system", "candidate_id"],
        "purge queue",
    )
    blocked = held_warehouse.frame(
        "select * exclude (quarantine_reasons) from marts.purge_blocked_by_quality"
    )
    assert_same_rows(
        blocked,
        [
            {k: v for k, v in row.items() if k != "quarantine_reasons"}
            for row in expected.purge_blocked
        ],
        ["source_system", "candidate_id"],
        "purge_blocked_by_quality",
    )


def test_a_privacy_request_for_an_id_differing_only_in_case_fails_the_build(make_warehouse):
    """'C1' is not 'c1': the request matches nobody, is quarantined as unknown_candidate
    and fails the build, instead of being staged and silently lost. Once the candidate it
    names arrives in a later batch, the same row is staged (no full refresh needed)."""
    warehouse = make_warehouse()
    write_entity(warehouse.export_dir, BATCH, "candidates", [candidate("c1")])
    write_entity(
        warehouse.export_dir,
        BATCH,
        "privacy_requests",
        [
            {
                "request_id": "r1",
                "candidate_id": "C1",
                "request_type": "erasure",
                "received_at": "2026-06-01T09:00:00",
                "completed_at": "",
            }
        ],
    )
    with pytest.raises(DbtFailed) as failure:
        warehouse.build(AS_OF)
    assert "quarantined_consent_or_privacy_rows" in failure.value.output
    assert warehouse.rows(
        "select entity, record_key, candidate_id, quarantine_reason"
        " from intermediate.int_canonical__quarantine"
    ) == [["privacy_requests", "r1", "C1", "unknown_candidate"]]
    assert warehouse.rows(
        "select count(*) from intermediate.int_canonical__privacy_requests_conformed"
    ) == [[0]]
    reconciled = warehouse.rows(
        "select staged_rows, quarantined_rows"
        " from intermediate.int_canonical__landing_reconciliation where entity = 'privacy_requests'"
    )
    assert reconciled == [[0, 1]]

    write_entity(warehouse.export_dir, "2026-06-02T0300", "candidates", [candidate("C1")])
    warehouse.build(AS_OF)
    assert warehouse.rows(
        "select candidate_id from intermediate.int_canonical__privacy_requests_conformed"
    ) == [["C1"]]
    assert warehouse.rows("select count(*) from intermediate.int_canonical__quarantine") == [[0]]


def test_json_lines_with_a_value_of_another_type_are_read_as_text(make_warehouse):
    """Issue 12: one numeric candidate_id among strings made DuckDB read the column as
    JSON, every string keeping its quotes: the requests matched nobody. Every JSON field
    is now read as text."""
    warehouse = make_warehouse()
    write_entity(warehouse.export_dir, BATCH, "candidates", [candidate("c1"), candidate("7")])
    lines = [
        '{"request_id": "r1", "candidate_id": "c1", "request_type": "erasure",'
        ' "received_at": "2026-06-01T09:00:00"}',
        '{"request_id": 2, "candidate_id": 7, "request_type": "stop_contact",'
        ' "received_at": "2026-06-02T09:00:00"}',
    ]
    path = warehouse.export_dir / "canonical" / BATCH / "privacy_requests.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    warehouse.build(AS_OF)
    assert warehouse.rows(
        "select request_id, candidate_id, request_type"
        " from intermediate.int_canonical__privacy_requests_conformed order by request_id"
    ) == [["2", "7", "stop_contact"], ["r1", "c1", "erasure"]]
