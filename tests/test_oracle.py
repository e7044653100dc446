"""Tests of the Python oracle (tests/oracle.py) on tiny hand-written exports.

Each test writes a canonical export (CSV) and a small fixture seeds directory into tmp_path,
runs the oracle as of a date D and checks the marts exactly. The same exports and expected
rows are meant to cross-check the dbt models later, so every expected value is spelled out.

Unless a test says otherwise, D = 2026-01-15 and the person is the "baseline" below:
a Japanese candidate C1 whose application A1 (job J1) was rejected on 2025-06-30 for
"Culture fit" after reaching the final interview (rating 4), with recontact and retention
consent granted in 2024 and no expiry. That person is eligible, with use_allowed_until
2030-06-30 (JP with consent: 60 months), legal_hold_until 2025-09-30 (JP: 3 months), and is in
the cohorts final_interview and culture_fit.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.oracle import (
    COHORT_COLUMNS,
    ELIGIBILITY_COLUMNS,
    PURGE_COLUMNS,
    add_months,
    evaluate,
    load_seeds,
    parse_timestamp,
)

D = date(2026, 1, 15)
TOKYO = ZoneInfo("Asia/Tokyo")

# --------------------------------------------------------------------------------------------
# Fixture seeds (independent of the real seeds/ contents)
# --------------------------------------------------------------------------------------------

SEEDS = {
    "stage_map": [
        ["source_system", "source_stage", "stage", "stage_order"],
        ["canonical", "Applied", "applied", "1"],
        ["canonical", "Screening", "screening", "2"],
        ["canonical", "First Interview", "first_interview", "3"],
        ["canonical", "Second Interview", "second_interview", "4"],
        ["canonical", "Final Interview", "final_interview", "5"],
        ["canonical", "最終面接", "final_interview", "5"],
        ["canonical", "Offer", "offer", "6"],
        ["canonical", "Hired", "hired", "7"],
        # another source's mapping must not be used for the canonical export
        ["greenhouse", "Onsite", "final_interview", "5"],
    ],
    "rejection_reason_map": [
        ["source_system", "source_reason", "category"],
        ["canonical", "Culture fit", "culture_fit"],
        ["canonical", "Other candidate", "preferred_other_candidate"],
        ["canonical", "Headcount", "headcount_budget"],
        ["canonical", "Timing", "timing"],
        ["canonical", "Salary", "offer_conditions"],
        ["canonical", "Skills", "skills_gap"],
        ["canonical", "Falsified history", "disqualified"],
        ["canonical", "経歴詐称", "disqualified"],
        ["greenhouse", "Spam", "disqualified"],
    ],
    "retention_policies": [
        [
            "jurisdiction",
            "months_without_consent",
            "months_with_consent",
            "legal_min_months",
            "basis",
        ],
        ["JP", "12", "60", "3", "APPI"],
        ["US-CA", "6", "24", "48", "California 4-year floor"],
        ["US", "6", "24", "12", "US"],
        ["DE", "6", "24", "0", "GDPR DE"],
        ["EU", "6", "24", "0", "GDPR"],
        ["default", "6", "24", "0", "default"],
    ],
    "eu_member_states": [
        ["country", "name"],
        ["DE", "Germany"],
        ["FR", "France"],
        ["IT", "Italy"],
    ],
}

# Contract columns of every entity (ats-export-v1.md), written as the CSV header.
COLUMNS = {
    "candidates": [
        "candidate_id",
        "full_name",
        "email",
        "phone",
        "country",
        "region",
        "created_at",
        "updated_at",
        "is_deleted",
    ],
    "jobs": [
        "job_id",
        "title",
        "job_family",
        "department",
        "country",
        "status",
        "opened_at",
        "closed_at",
        "updated_at",
    ],
    "applications": [
        "application_id",
        "candidate_id",
        "job_id",
        "applied_at",
        "status",
        "closed_at",
        "rejection_reason",
        "updated_at",
    ],
    "stage_events": ["stage_event_id", "application_id", "stage", "entered_at"],
    "evaluations": [
        "evaluation_id",
        "application_id",
        "stage",
        "evaluated_at",
        "rating",
        "strengths",
        "concerns",
    ],
    "offers": [
        "offer_id",
        "application_id",
        "extended_at",
        "status",
        "decline_reason",
        "updated_at",
    ],
    "consent_events": [
        "consent_event_id",
        "candidate_id",
        "purpose",
        "action",
        "recorded_at",
        "expires_at",
        "notice_version",
        "channel",
    ],
    "privacy_requests": [
        "request_id",
        "candidate_id",
        "request_type",
        "received_at",
        "completed_at",
    ],
    "outreach_events": [
        "outreach_id",
        "candidate_id",
        "sent_at",
        "channel",
        "cohort",
        "outcome",
        "outcome_at",
    ],
}


# --------------------------------------------------------------------------------------------
# Row factories: defaults are the baseline person; keyword arguments override columns
# --------------------------------------------------------------------------------------------


def candidate(cid="C1", **kw):
    return {
        "candidate_id": cid,
        "full_name": "Test Person",
        "email": f"{cid.lower()}@example.com",
        "country": "JP",
        "created_at": "2024-01-01T09:00:00",
        "updated_at": "2024-01-01T09:00:00",
        **kw,
    }


def job(jid="J1", **kw):
    return {"job_id": jid, "title": "Engineer", "status": "open", "updated_at": "2024-01-01"} | kw


def application(aid="A1", cid="C1", **kw):
    return {
        "application_id": aid,
        "candidate_id": cid,
        "job_id": "J1",
        "applied_at": "2024-03-01T10:00:00",
        "status": "rejected",
        "closed_at": "2025-06-30T12:00:00",
        "rejection_reason": "Culture fit",
        "updated_at": "2025-06-30T12:00:00",
        **kw,
    }


def stage_event(sid, aid="A1", stage="Final Interview", entered_at="2025-06-01T10:00:00"):
    return {"stage_event_id": sid, "application_id": aid, "stage": stage, "entered_at": entered_at}


def evaluation(eid, aid="A1", rating="4", evaluated_at="2025-06-01T12:00:00"):
    return {
        "evaluation_id": eid,
        "application_id": aid,
        "stage": "Final Interview",
        "evaluated_at": evaluated_at,
        "rating": rating,
        "strengths": "clear presentation",
    }


def offer(oid, aid="A1", **kw):
    return {
        "offer_id": oid,
        "application_id": aid,
        "extended_at": "2025-06-20T10:00:00",
        "status": "declined",
        "decline_reason": None,
        "updated_at": "2025-06-25T10:00:00",
        **kw,
    }


def consent(kid, cid="C1", purpose="recontact", action="granted", **kw):
    return {
        "consent_event_id": kid,
        "candidate_id": cid,
        "purpose": purpose,
        "action": action,
        "recorded_at": "2024-03-01T10:00:00",
        "expires_at": None,
        "notice_version": "2024-01",
        "channel": "web",
        **kw,
    }


def privacy(rid, cid="C1", request_type="erasure", received_at="2026-01-10T10:00:00"):
    return {
        "request_id": rid,
        "candidate_id": cid,
        "request_type": request_type,
        "received_at": received_at,
    }


def outreach(oid, cid="C1", sent_at="2025-01-01T10:00:00", **kw):
    return {"outreach_id": oid, "candidate_id": cid, "sent_at": sent_at, "channel": "email", **kw}


def baseline(cid="C1", aid="A1", **candidate_kw):
    """The eligible baseline person (see the module docstring)."""
    return {
        "candidates": [candidate(cid, **candidate_kw)],
        "jobs": [job("J1")],
        "applications": [application(aid, cid)],
        "stage_events": [stage_event(f"S-{aid}", aid)],
        "evaluations": [evaluation(f"E-{aid}", aid)],
        "offers": [],
        "consent_events": [
            consent(f"K-{cid}-rc", cid, "recontact"),
            consent(f"K-{cid}-rt", cid, "retention"),
        ],
        "privacy_requests": [],
        "outreach_events": [],
    }


# --------------------------------------------------------------------------------------------
# Writing an export and running the oracle
# --------------------------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[str | None]]):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def write_seeds(seeds_dir: Path):
    for name, rows in SEEDS.items():
        write_csv(seeds_dir / f"{name}.csv", rows[0], rows[1:])


def write_batch(landing: Path, batch_id: str, data: dict[str, list[dict]]):
    """One batch of CSV files; an entity with no rows is not written (a delta)."""
    for entity, rows in data.items():
        if not rows:
            continue
        header = COLUMNS[entity] + sorted({k for r in rows for k in r} - set(COLUMNS[entity]))
        write_csv(
            landing / "canonical" / batch_id / f"{entity}.csv",
            header,
            [[r.get(c) for c in header] for r in rows],
        )


def run(tmp_path: Path, *batches: dict, as_of: date = D, **params):
    """Write the batches (in order) and the fixture seeds, then evaluate as of D."""
    landing, seeds = tmp_path / "landing", tmp_path / "seeds"
    if not seeds.exists():
        write_seeds(seeds)
    if not (landing / "canonical").exists():
        for number, data in enumerate(batches, start=1):
            write_batch(landing, f"2026-01-{number:02d}T0300", data)
    return evaluate(landing, seeds, as_of, **params)


def elig(marts, cid="C1") -> dict:
    (row,) = [r for r in marts.eligibility if r["candidate_id"] == cid]
    return row


def reasons(marts, cid="C1") -> str | None:
    return elig(marts, cid)["exclusion_reasons"]


def cohorts(marts, cid="C1") -> dict[str, dict]:
    return {r["cohort"]: r for r in marts.cohorts if r["candidate_id"] == cid}


def purge(marts, cid="C1") -> dict | None:
    rows = [r for r in marts.purge_queue if r["candidate_id"] == cid]
    assert len(rows) <= 1
    return rows[0] if rows else None


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# Helpers of the oracle
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 6, 30), 36, date(2028, 6, 30)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
    ],
)
def test_add_months_is_calendar_months_clamped_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2026-01-15T15:30:00Z", "2026-01-16T00:30:00"),
        ("2026-01-15T14:59:59Z", "2026-01-15T23:59:59"),
        ("2026-01-15T15:00:00+00:00", "2026-01-16T00:00:00"),
        ("2026-01-15T08:00:00-0700", "2026-01-16T00:00:00"),
        ("2026-01-16T00:30:00+09:00", "2026-01-16T00:30:00"),
        ("2026-01-16T00:30:00", "2026-01-16T00:30:00"),
        ("2026-01-16 00:30:00.123", "2026-01-16T00:30:00.123000"),
        ("2026-01-16", "2026-01-16T00:00:00"),
    ],
)
def test_timestamps_become_local_tokyo_time(text, local):
    assert parse_timestamp(text, TOKYO).isoformat() == local


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-02-30", "2026-01-15T25:00:00", "15/01/2026"]
)
def test_unparseable_timestamps_raise(text):
    with pytest.raises(ValueError):
        parse_timestamp(text, TOKYO)


# --------------------------------------------------------------------------------------------
# The baseline person and the output contract
# --------------------------------------------------------------------------------------------


def test_baseline_person_is_eligible_with_exact_rows(tmp_path):
    marts = run(tmp_path, baseline())
    assert marts.eligibility == [
        {
            "source_system": "canonical",
            "candidate_id": "C1",
            "person_id": md5("canonical|C1"),
            "as_of_date": D,
            "jurisdiction": "JP",
            "is_eligible": True,
            "primary_exclusion_reason": None,
            "exclusion_reasons": None,
            "last_closed_on": date(2025, 6, 30),
            "use_allowed_until": date(2030, 6, 30),  # + 60 months with retention consent
            "legal_hold_until": date(2025, 9, 30),  # + 3 months
            "recontact_consent_expires_on": None,
            "rule_set_version": "v1.1",
        }
    ]
    # priority: rating 4 -> 30, final_interview (5) -> 20, recency: d = 199 days,
    # W = 2025-06-30..2028-06-30 = 1096 days, floor(30 * 897 / 1096) = 24; total 74.
    common = {
        "source_system": "canonical",
        "candidate_id": "C1",
        "person_id": md5("canonical|C1"),
        "as_of_date": D,
        "application_id": "A1",
        "job_id": "J1",
        "closed_on": date(2025, 6, 30),
        "furthest_stage": "final_interview",
        "rejection_category": "culture_fit",
        "best_rating": 4,
        "priority_score": 74,
    }
    assert marts.cohorts == [
        {**common, "cohort": "final_interview"},
        {**common, "cohort": "culture_fit"},
    ]
    assert marts.purge_queue == []
    assert sum(marts.quarantine.values()) == 0


def test_output_columns_are_exactly_the_contract(tmp_path):
    data = baseline()
    data["privacy_requests"] = [privacy("R1", received_at="2025-12-01T10:00:00")]
    marts = run(tmp_path, data, baseline("C2", "A2"))
    assert [list(r) for r in marts.eligibility] == [ELIGIBILITY_COLUMNS] * 2
    assert [list(r) for r in marts.cohorts] == [COHORT_COLUMNS] * 2  # C2's two cohorts
    assert [list(r) for r in marts.purge_queue] == [PURGE_COLUMNS]  # C1's erasure
    eligibility, cohort_frame, purge_frame = marts.as_frames()
    assert list(eligibility.columns) == ELIGIBILITY_COLUMNS
    assert list(cohort_frame.columns) == COHORT_COLUMNS
    assert list(purge_frame.columns) == PURGE_COLUMNS


def test_person_id_is_md5_of_source_and_candidate_id(tmp_path):
    marts = run(tmp_path, baseline("ABC-001", "A1"))
    assert elig(marts, "ABC-001")["person_id"] == hashlib.md5(b"canonical|ABC-001").hexdigest()


# --------------------------------------------------------------------------------------------
# Exclusion reasons, one test each (with boundaries)
# --------------------------------------------------------------------------------------------


def test_erasure_requested(tmp_path):
    data = baseline()
    data["privacy_requests"] = [privacy("R1", request_type="erasure")]
    marts = run(tmp_path, data)
    row = elig(marts)
    assert row["is_eligible"] is False
    assert row["primary_exclusion_reason"] == "erasure_requested"
    assert row["exclusion_reasons"] == "erasure_requested"
    assert cohorts(marts) == {}


def test_erasure_received_after_d_is_ignored(tmp_path):
    data = baseline()
    data["privacy_requests"] = [privacy("R1", received_at="2026-01-16T09:00:00")]
    assert reasons(run(tmp_path, data)) is None


def test_deleted_in_source(tmp_path):
    data = baseline(is_deleted="true", updated_at="2026-01-05T10:00:00")
    assert reasons(run(tmp_path, data)) == "deleted_in_source"


def test_deleted_in_source_needs_the_deletion_by_d(tmp_path):
    # interp 8: the winning row says deleted, but it was updated after D.
    data = baseline(is_deleted="true", updated_at="2026-01-16T10:00:00")
    assert reasons(run(tmp_path, data)) is None


@pytest.mark.parametrize(
    ("flag", "deleted"),
    [("TRUE", True), ("t", True), ("1", True), ("Yes", True), ("false", False), ("F", False)]
    + [("0", False), ("no", False), (None, False)],
)
def test_is_deleted_boolean_spellings(tmp_path, flag, deleted):
    data = baseline(is_deleted=flag, updated_at="2026-01-05T10:00:00")
    assert (reasons(run(tmp_path, data)) == "deleted_in_source") is deleted


def test_stop_use_requested(tmp_path):
    data = baseline()
    data["privacy_requests"] = [privacy("R1", request_type="stop_use")]
    marts = run(tmp_path, data)
    assert reasons(marts) == "stop_use_requested"
    assert purge(marts) is None  # stop_use is not a purge reason


def test_hired(tmp_path):
    data = baseline()
    data["applications"].append(
        application("A2", status="hired", closed_at="2025-12-01T10:00:00", rejection_reason=None)
    )
    row = elig(run(tmp_path, data))
    assert row["exclusion_reasons"] == "hired"
    assert row["last_closed_on"] == date(2025, 6, 30)
    # interp 12: no retention dates for a hired person
    assert row["use_allowed_until"] is None and row["legal_hold_until"] is None


def test_active_application(tmp_path):
    data = baseline()
    data["applications"].append(
        application("A2", status="active", applied_at="2025-10-01T10:00:00", closed_at=None)
    )
    row = elig(run(tmp_path, data))
    assert row["exclusion_reasons"] == "active_application"
    assert row["use_allowed_until"] is None and row["legal_hold_until"] is None


def test_final_status_closed_after_d_is_open_at_d(tmp_path):
    # A2 is hired, but only from 2026-02-01: at D it is an open application, not a hire.
    data = baseline()
    data["applications"].append(
        application("A2", status="hired", closed_at="2026-02-01T10:00:00", rejection_reason=None)
    )
    assert reasons(run(tmp_path, data)) == "active_application"


@pytest.mark.parametrize(
    ("closed_at", "expected"),
    [
        ("2026-01-15T23:59:59", "too_recent"),  # closed on D: closed at D
        ("2026-01-15T14:59:59Z", "too_recent"),  # = 23:59:59 on D in Tokyo
        ("2026-01-16T00:00:00", "active_application,no_closed_application"),
        ("2026-01-15T15:00:00Z", "active_application,no_closed_application"),  # D+1 in Tokyo
    ],
)
def test_closed_on_d_is_closed_at_d(tmp_path, closed_at, expected):
    data = baseline()
    data["applications"] = [application(closed_at=closed_at)]
    marts = run(tmp_path, data)
    assert reasons(marts) == expected
    assert elig(marts)["last_closed_on"] == (D if expected == "too_recent" else None)


@pytest.mark.parametrize(
    ("closed_at", "expected"),
    [("2026-01-15T10:00:00", "hired"), ("2026-01-16T10:00:00", "active_application")],
)
def test_hired_on_d_is_hired_at_d(tmp_path, closed_at, expected):
    data = baseline()
    data["applications"].append(
        application("A2", status="hired", closed_at=closed_at, rejection_reason=None)
    )
    assert reasons(run(tmp_path, data)) == expected


def test_rejection_after_d_leaves_only_an_open_application(tmp_path):
    data = baseline()
    data["applications"] = [application("A1", closed_at="2026-01-16T10:00:00")]
    row = elig(run(tmp_path, data))
    assert row["exclusion_reasons"] == "active_application,no_closed_application"
    assert row["primary_exclusion_reason"] == "active_application"
    assert row["last_closed_on"] is None


def test_no_closed_application(tmp_path):
    data = baseline()
    data["applications"] = []
    row = elig(run(tmp_path, data))
    assert row["exclusion_reasons"] == "no_closed_application"
    assert (row["last_closed_on"], row["use_allowed_until"], row["legal_hold_until"]) == (
        None,
        None,
        None,
    )


def test_application_applied_after_d_is_ignored_entirely(tmp_path):
    # interp 7: even though it is already rejected, it was applied for after D.
    data = baseline()
    data["applications"] = [
        application(applied_at="2026-01-16T10:00:00", closed_at="2026-01-20T10:00:00")
    ]
    assert reasons(run(tmp_path, data)) == "no_closed_application"


def test_candidate_created_after_d_still_has_a_row(tmp_path):
    data = {"candidates": [candidate("C9", created_at="2026-02-01T10:00:00")]}
    marts = run(tmp_path, data)
    assert reasons(marts, "C9") == "no_closed_application,no_recontact_consent"


def test_retention_expired(tmp_path):
    # Closed 2024-12-20, no retention consent: JP 12 months -> use until 2025-12-20 <= D.
    data = baseline()
    data["applications"] = [application(closed_at="2024-12-20T10:00:00")]
    data["consent_events"] = [consent("K1", purpose="recontact")]
    marts = run(tmp_path, data)
    row = elig(marts)
    assert row["exclusion_reasons"] == "retention_expired"
    assert row["use_allowed_until"] == date(2025, 12, 20)
    assert row["legal_hold_until"] == date(2025, 3, 20)
    assert purge(marts)["purge_reason"] == "retention_expired"
    assert purge(marts)["purge_due_on"] == date(2025, 12, 20)


@pytest.mark.parametrize(
    ("as_of", "expired"),
    [(date(2026, 6, 29), False), (date(2026, 6, 30), True), (date(2026, 7, 1), True)],
)
def test_retention_expires_on_use_allowed_until(tmp_path, as_of, expired):
    # Closed 2025-06-30, no retention consent: use_allowed_until = 2026-06-30.
    data = baseline()
    data["consent_events"] = [consent("K1", purpose="recontact")]
    marts = run(tmp_path, data, as_of=as_of)
    row = elig(marts)
    assert row["use_allowed_until"] == date(2026, 6, 30)
    assert row["exclusion_reasons"] == ("retention_expired" if expired else None)
    # D >= legal_hold_until (2025-09-30) as well, so it is due for purge from that day
    assert (purge(marts) is not None) is expired
    if expired:
        assert purge(marts)["purge_due_on"] == date(2026, 6, 30)


def test_retention_consent_expiry_caps_use_allowed_until(tmp_path):
    data = baseline()
    data["consent_events"][1]["expires_at"] = "2026-03-01T00:00:00"
    row = elig(run(tmp_path, data))
    assert row["use_allowed_until"] == date(2026, 3, 1)  # least(2030-06-30, 2026-03-01)
    assert row["exclusion_reasons"] is None


def test_expired_retention_consent_falls_back_to_months_without_consent(tmp_path):
    data = baseline()
    data["consent_events"][1]["expires_at"] = "2026-01-15T09:00:00"  # date = D: not valid
    row = elig(run(tmp_path, data))
    assert row["use_allowed_until"] == date(2026, 6, 30)  # 2025-06-30 + 12 months


def test_withdrawn_retention_consent_falls_back_to_months_without_consent(tmp_path):
    data = baseline()
    data["consent_events"].append(
        consent("K9", purpose="retention", action="withdrawn", recorded_at="2025-08-01T10:00:00")
    )
    assert elig(run(tmp_path, data))["use_allowed_until"] == date(2026, 6, 30)


def test_retention_expired_but_on_legal_hold_is_excluded_but_not_purged(tmp_path):
    # US-CA: 6 months without consent, 48 months legal minimum ("hold only").
    data = baseline(country="US", region="CA")
    data["consent_events"] = [consent("K1", purpose="recontact")]
    marts = run(tmp_path, data)
    row = elig(marts)
    assert row["jurisdiction"] == "US-CA"
    assert row["use_allowed_until"] == date(2025, 12, 30)
    assert row["legal_hold_until"] == date(2029, 6, 30)
    assert row["exclusion_reasons"] == "retention_expired"
    assert purge(marts) is None


def test_no_recontact_consent_when_none(tmp_path):
    data = baseline()
    data["consent_events"] = [consent("K1", purpose="retention")]
    row = elig(run(tmp_path, data))
    assert row["exclusion_reasons"] == "no_recontact_consent"
    assert row["recontact_consent_expires_on"] is None


def test_no_recontact_consent_when_withdrawn(tmp_path):
    data = baseline()
    data["consent_events"].append(
        consent("K9", action="withdrawn", recorded_at="2025-12-01T10:00:00")
    )
    row = elig(run(tmp_path, data))
    assert row["exclusion_reasons"] == "no_recontact_consent"
    assert row["recontact_consent_expires_on"] is None  # interp 11: a withdrawal


def test_recontact_consent_granted_again_after_withdrawal_is_valid(tmp_path):
    data = baseline()
    data["consent_events"] += [
        consent("K8", action="withdrawn", recorded_at="2025-01-01T10:00:00"),
        consent("K9", action="granted", recorded_at="2025-02-01T10:00:00"),
    ]
    assert reasons(run(tmp_path, data)) is None


@pytest.mark.parametrize(
    ("expires_at", "valid"),
    [
        ("2026-01-14T23:59:59", False),
        ("2026-01-15T00:00:00", False),  # expiring on D: not valid at D
        ("2026-01-15", False),
        ("2026-01-16T00:00:00", True),  # expiring on D+1: still valid at D
        ("2026-01-15T15:00:00Z", True),  # = 2026-01-16 00:00 in Tokyo
    ],
)
def test_recontact_consent_expiring_on_d_vs_d_plus_1(tmp_path, expires_at, valid):
    data = baseline()
    data["consent_events"][0]["expires_at"] = expires_at
    row = elig(run(tmp_path, data))
    assert row["exclusion_reasons"] == (None if valid else "no_recontact_consent")
    # interp 11: the expiry date of the latest grant is reported, expired or not
    assert row["recontact_consent_expires_on"] == parse_timestamp(expires_at, TOKYO).date()


def test_consent_tie_on_recorded_at_withdrawn_wins(tmp_path):
    data = baseline()
    data["consent_events"] = [
        consent("K1", action="granted", recorded_at="2025-01-01T10:00:00"),
        consent("K2", action="withdrawn", recorded_at="2025-01-01T10:00:00"),
        consent("K3", purpose="retention"),
    ]
    row = elig(run(tmp_path, data))
    assert row["exclusion_reasons"] == "no_recontact_consent"
    assert row["recontact_consent_expires_on"] is None


def test_consent_tie_between_grants_earliest_expiry_wins(tmp_path):
    data = baseline()
    data["consent_events"] = [
        consent("K1", recorded_at="2025-01-01T10:00:00", expires_at=None),
        consent("K2", recorded_at="2025-01-01T10:00:00", expires_at="2027-01-01"),
        consent("K3", recorded_at="2025-01-01T10:00:00", expires_at="2026-12-01"),
        consent("K4", purpose="retention"),
    ]
    row = elig(run(tmp_path, data))
    assert row["exclusion_reasons"] is None
    assert row["recontact_consent_expires_on"] == date(2026, 12, 1)


def test_consent_recorded_after_d_is_ignored(tmp_path):
    data = baseline()
    data["consent_events"].append(
        consent("K9", action="withdrawn", recorded_at="2026-01-16T00:00:00")
    )
    assert reasons(run(tmp_path, data)) is None


def test_stop_contact_requested_by_privacy_request(tmp_path):
    data = baseline()
    data["privacy_requests"] = [privacy("R1", request_type="stop_contact")]
    assert reasons(run(tmp_path, data)) == "stop_contact_requested"


@pytest.mark.parametrize(
    ("sent_at", "outcome_at", "counts"),
    [
        ("2025-01-01T10:00:00", "2025-01-05T10:00:00", True),
        ("2025-01-01T10:00:00", None, True),  # no outcome_at: counts from sent_at
        ("2025-01-01T10:00:00", "2026-01-16T10:00:00", False),  # opted out after D
        ("2025-01-01T10:00:00", "2026-01-15T23:59:59", True),  # opted out on D
        ("2026-01-16T10:00:00", None, False),  # sent after D
        ("2026-01-16T10:00:00", "2026-01-10T10:00:00", False),  # interp 14: both by D
    ],
)
def test_stop_contact_requested_by_opt_out(tmp_path, sent_at, outcome_at, counts):
    data = baseline()
    data["outreach_events"] = [
        outreach("O1", sent_at=sent_at, outcome="opt_out", outcome_at=outcome_at)
    ]
    assert reasons(run(tmp_path, data)) == ("stop_contact_requested" if counts else None)


def test_other_outreach_outcomes_are_not_opt_outs(tmp_path):
    data = baseline()
    data["outreach_events"] = [
        outreach("O1", outcome="not_interested", outcome_at="2025-01-02T10:00:00"),
        outreach("O2", sent_at="2025-02-01T10:00:00", outcome="no_response"),
    ]
    assert reasons(run(tmp_path, data)) is None


def test_disqualified(tmp_path):
    data = baseline()
    data["applications"].append(
        application("A2", closed_at="2025-05-01T10:00:00", rejection_reason="Falsified history")
    )
    assert reasons(run(tmp_path, data)) == "disqualified"


def test_disqualified_reason_is_matched_on_lower_trim(tmp_path):
    data = baseline()
    data["applications"].append(
        application("A2", closed_at="2025-05-01T10:00:00", rejection_reason="  FALSIFIED History ")
    )
    data["applications"].append(
        application("A3", closed_at="2025-05-02T10:00:00", rejection_reason=" 経歴詐称")
    )
    assert reasons(run(tmp_path, data)) == "disqualified"


def test_disqualified_mapping_of_another_source_is_not_used(tmp_path):
    data = baseline()
    data["applications"].append(
        application("A2", closed_at="2025-05-01T10:00:00", rejection_reason="Spam")
    )
    assert reasons(run(tmp_path, data)) is None


def test_disqualifying_decline_reason_of_an_offer_does_not_count(tmp_path):
    # interp 16: only the application's own rejection_reason.
    data = baseline()
    data["applications"].append(
        application("A2", status="offer_declined", closed_at="2025-05-01T10:00:00")
        | {"rejection_reason": None}
    )
    data["offers"] = [offer("F1", "A2", decline_reason="Falsified history")]
    assert reasons(run(tmp_path, data)) is None


def test_disqualified_application_not_yet_closed_at_d_does_not_count(tmp_path):
    data = baseline()
    data["applications"].append(
        application("A2", closed_at="2026-01-20T10:00:00", rejection_reason="Falsified history")
    )
    assert reasons(run(tmp_path, data)) == "active_application"


@pytest.mark.parametrize(
    ("sent_at", "recent"),
    [
        ("2025-07-19T10:00:00", False),  # S + 180 days = 2026-01-15 = D: cooldown over
        ("2025-07-20T10:00:00", True),  # S + 180 days = 2026-01-16 > D
        ("2025-07-19T15:00:00Z", True),  # = 2025-07-20 00:00 in Tokyo
        ("2026-01-16T10:00:00", False),  # sent after D: ignored
    ],
)
def test_recently_contacted_cooldown_180_days(tmp_path, sent_at, recent):
    data = baseline()
    data["outreach_events"] = [outreach("O1", sent_at=sent_at, outcome="interested")]
    assert reasons(run(tmp_path, data)) == ("recently_contacted" if recent else None)


def test_recently_contacted_uses_the_latest_send_by_d(tmp_path):
    data = baseline()
    data["outreach_events"] = [
        outreach("O1", sent_at="2025-01-01T10:00:00"),
        outreach("O2", sent_at="2025-12-01T10:00:00"),
    ]
    assert reasons(run(tmp_path, data)) == "recently_contacted"


def test_cooldown_parameter(tmp_path):
    data = baseline()
    data["outreach_events"] = [outreach("O1", sent_at="2025-10-17T10:00:00")]  # D - 90 days
    marts = run(tmp_path, data, cooldown_days=90)
    assert reasons(marts) is None
    assert elig(marts)["rule_set_version"] == "v1.1;cooldown_days=90"
    marts = run(tmp_path, data, cooldown_days=91)
    assert reasons(marts) == "recently_contacted"


@pytest.mark.parametrize(
    ("as_of", "too_recent"),
    [(date(2026, 1, 14), True), (date(2026, 1, 15), False), (date(2026, 1, 16), False)],
)
def test_too_recent_at_exactly_3_months(tmp_path, as_of, too_recent):
    data = baseline()
    data["applications"] = [application(closed_at="2025-10-15T10:00:00")]
    marts = run(tmp_path, data, as_of=as_of)
    assert reasons(marts) == ("too_recent" if too_recent else None)


@pytest.mark.parametrize(
    ("as_of", "too_recent"),
    [(date(2026, 2, 27), True), (date(2026, 2, 28), False)],
)
def test_too_recent_with_month_end_clamping(tmp_path, as_of, too_recent):
    # closed 2026-01-31, min_months_since_close = 1: 2026-01-31 + 1 month = 2026-02-28.
    data = baseline()
    data["applications"] = [application(closed_at="2026-01-31T10:00:00")]
    marts = run(tmp_path, data, as_of=as_of, min_months_since_close=1)
    assert reasons(marts) == ("too_recent" if too_recent else None)
    assert elig(marts)["rule_set_version"] == "v1.1;min_months_since_close=1"


@pytest.mark.parametrize(
    ("as_of", "outside"),
    [(date(2026, 1, 14), False), (date(2026, 1, 15), True), (date(2026, 1, 16), True)],
)
def test_outside_lookback_at_36_months(tmp_path, as_of, outside):
    # closed 2023-01-15; with consent JP keeps it 60 months, so only the lookback applies.
    data = baseline()
    data["applications"] = [  # applied before closed (else it is quarantined)
        application(applied_at="2022-11-01T10:00:00", closed_at="2023-01-15T10:00:00")
    ]
    marts = run(tmp_path, data, as_of=as_of)
    assert reasons(marts) == ("outside_lookback" if outside else None)
    # the application is in a cohort only while D < closed_on + 36 months
    assert (cohorts(marts) == {}) is outside


def test_all_reasons_listed_in_priority_order(tmp_path):
    data = baseline(is_deleted="yes", updated_at="2025-12-01T10:00:00")
    data["consent_events"] = []
    data["privacy_requests"] = [
        privacy("R1", request_type="stop_contact"),
        privacy("R2", request_type="stop_use"),
        privacy("R3", request_type="erasure"),
    ]
    data["applications"] = [application(closed_at="2025-12-01T10:00:00", rejection_reason="Skills")]
    data["applications"].append(
        application("A2", closed_at="2025-11-01T10:00:00", rejection_reason="Falsified history")
    )
    data["outreach_events"] = [outreach("O1", sent_at="2025-12-02T10:00:00")]
    row = elig(run(tmp_path, data))
    assert row["primary_exclusion_reason"] == "erasure_requested"
    assert row["exclusion_reasons"] == (
        "erasure_requested,deleted_in_source,stop_use_requested,no_recontact_consent,"
        "stop_contact_requested,disqualified,recently_contacted,too_recent"
    )


# --------------------------------------------------------------------------------------------
# Cohorts
# --------------------------------------------------------------------------------------------


def test_cohort_final_interview_only(tmp_path):
    data = baseline()
    data["applications"] = [application(rejection_reason="Team decided")]  # unmapped: other
    marts = run(tmp_path, data)
    assert set(cohorts(marts)) == {"final_interview"}
    row = cohorts(marts)["final_interview"]
    assert (row["furthest_stage"], row["rejection_category"], row["best_rating"]) == (
        "final_interview",
        "other",
        4,
    )


def test_cohort_final_interview_excludes_skills_gap(tmp_path):
    data = baseline()
    data["applications"] = [application(rejection_reason="Skills")]
    marts = run(tmp_path, data)
    assert reasons(marts) is None
    assert cohorts(marts) == {}


def test_cohort_final_interview_needs_the_stage_by_d(tmp_path):
    data = baseline()
    data["applications"] = [application(rejection_reason=None)]
    data["stage_events"] = [
        stage_event("S1", stage="Second Interview", entered_at="2025-05-01T10:00:00"),
        stage_event("S2", stage="Final Interview", entered_at="2026-01-16T10:00:00"),  # after D
        stage_event("S3", stage="Panel of doom", entered_at="2025-06-01T10:00:00"),  # unmapped
        stage_event("S4", stage="Onsite", entered_at="2025-06-01T10:00:00"),  # greenhouse only
    ]
    assert cohorts(run(tmp_path, data)) == {}


def test_japanese_stage_name_maps_to_final_interview(tmp_path):
    data = baseline()
    data["stage_events"] = [stage_event("S1", stage=" 最終面接 ")]
    marts = run(tmp_path, data)
    assert cohorts(marts)["final_interview"]["furthest_stage"] == "final_interview"


def test_cohort_culture_fit_only(tmp_path):
    data = baseline()
    data["stage_events"] = [stage_event("S1", stage="Second Interview")]
    marts = run(tmp_path, data)
    assert set(cohorts(marts)) == {"culture_fit"}
    row = cohorts(marts)["culture_fit"]
    assert (row["furthest_stage"], row["best_rating"]) == ("second_interview", 4)
    # priority: 30 (rating 4) + 15 (stage 4) + 24 (recency)
    assert row["priority_score"] == 69


def test_cohort_culture_fit_needs_rating_4_by_d(tmp_path):
    data = baseline()
    data["stage_events"] = [stage_event("S1", stage="Second Interview")]
    data["evaluations"] = [
        evaluation("E1", rating="3"),
        evaluation("E2", rating="5", evaluated_at="2026-01-16T10:00:00"),  # after D
        evaluation("E3", rating=None),
    ]
    marts = run(tmp_path, data)
    assert reasons(marts) is None
    assert cohorts(marts) == {}


def test_cohort_offer_declined_conditions(tmp_path):
    data = baseline()
    data["applications"] = [application(status="offer_declined", rejection_reason=None)]
    data["stage_events"] = [stage_event("S1", stage="Second Interview")]
    data["evaluations"] = [evaluation("E1", rating="5")]
    data["offers"] = [
        offer("F1", extended_at="2025-06-10T10:00:00", decline_reason="Timing"),
        offer("F2", extended_at="2025-06-20T10:00:00", decline_reason="Salary"),  # latest
        offer("F3", extended_at="2025-06-25T10:00:00", status="rescinded"),
    ]
    marts = run(tmp_path, data)
    assert set(cohorts(marts)) == {"final_interview", "offer_declined_conditions"}
    row = cohorts(marts)["offer_declined_conditions"]
    # furthest_stage raised to offer by the extended offers
    assert (row["furthest_stage"], row["rejection_category"]) == ("offer", "offer_conditions")
    # priority: 40 (rating 5) + 25 (offer = 6) + 24 (recency)
    assert row["priority_score"] == 89


def test_offer_declined_with_own_reason_uses_it(tmp_path):
    data = baseline()
    data["applications"] = [application(status="offer_declined", rejection_reason="Timing")]
    data["offers"] = [offer("F1", decline_reason="Salary")]
    marts = run(tmp_path, data)
    assert cohorts(marts)["final_interview"]["rejection_category"] == "timing"
    assert "offer_declined_conditions" not in cohorts(marts)
    assert "timing_headcount" not in cohorts(marts)  # that cohort is for `rejected` only


@pytest.mark.parametrize(
    ("offers", "category"),
    [
        ([], "other"),  # no declined offer
        ([{"decline_reason": None}], "other"),  # declined without a reason
        ([{"decline_reason": "Unlisted"}], "other"),  # unmapped reason
        ([{"decline_reason": "Salary", "extended_at": "2026-01-16T10:00:00"}], "other"),  # > D
        ([{"decline_reason": "Salary", "status": "accepted"}], "other"),  # not declined
        # same extended_at: latest updated_at wins
        (
            [
                {"decline_reason": "Salary", "updated_at": "2025-06-26T10:00:00"},
                {"decline_reason": "Timing", "updated_at": "2025-06-27T10:00:00"},
            ],
            "timing",
        ),
        # same extended_at and updated_at: largest offer_id wins
        ([{"decline_reason": "Timing"}, {"decline_reason": "Salary"}], "offer_conditions"),
    ],
)
def test_offer_declined_category_from_latest_declined_offer(tmp_path, offers, category):
    data = baseline()
    data["applications"] = [application(status="offer_declined", rejection_reason=" ")]
    data["offers"] = [offer(f"F{n}", **kw) for n, kw in enumerate(offers, start=1)]
    marts = run(tmp_path, data)
    assert cohorts(marts)["final_interview"]["rejection_category"] == category


def test_cohort_timing_headcount(tmp_path):
    data = baseline()
    data["applications"] = [application(rejection_reason="Headcount")]
    data["stage_events"] = [stage_event("S1", stage="Screening")]
    data["evaluations"] = []
    marts = run(tmp_path, data)
    assert set(cohorts(marts)) == {"timing_headcount"}
    row = cohorts(marts)["timing_headcount"]
    assert (row["furthest_stage"], row["rejection_category"], row["best_rating"]) == (
        "screening",
        "headcount_budget",
        None,
    )
    # priority: 0 (no rating) + 5 (screening = 2) + 24 (recency)
    assert row["priority_score"] == 29


@pytest.mark.parametrize("reason", ["Other candidate", "Timing"])
def test_cohort_timing_headcount_other_categories(tmp_path, reason):
    data = baseline()
    data["applications"] = [application(rejection_reason=reason)]
    data["stage_events"] = []
    marts = run(tmp_path, data)
    assert set(cohorts(marts)) == {"timing_headcount"}
    assert cohorts(marts)["timing_headcount"]["furthest_stage"] is None


def test_withdrawn_without_reason_is_candidate_withdrew_and_in_no_cohort(tmp_path):
    data = baseline()
    data["applications"] = [application(status="withdrawn", rejection_reason=None)]
    marts = run(tmp_path, data)
    assert reasons(marts) is None
    assert cohorts(marts) == {}


def test_ineligible_person_has_no_cohorts(tmp_path):
    data = baseline()
    data["consent_events"] = [consent("K1", purpose="retention")]
    assert cohorts(run(tmp_path, data)) == {}


def test_cohort_picks_latest_closed_on(tmp_path):
    data = baseline()
    data["applications"].append(application("A2", job_id="J2", closed_at="2025-07-01T10:00:00"))
    data["stage_events"].append(stage_event("S2", "A2"))
    data["evaluations"].append(evaluation("E2", "A2", rating="4"))
    data["evaluations"][0]["rating"] = "5"  # a better rating on the older one does not matter
    marts = run(tmp_path, data)
    row = cohorts(marts)["final_interview"]
    assert (row["application_id"], row["job_id"], row["closed_on"]) == (
        "A2",
        "J2",
        date(2025, 7, 1),
    )


def test_cohort_tie_on_closed_on_picks_higher_rating(tmp_path):
    data = baseline()
    data["applications"].append(application("A0", closed_at="2025-06-30T18:00:00"))
    data["stage_events"].append(stage_event("S0", "A0"))
    data["evaluations"].append(evaluation("E0", "A0", rating=None))  # NULL is lowest
    data["applications"].append(application("A2", closed_at="2025-06-30T08:00:00"))
    data["stage_events"].append(stage_event("S2", "A2"))
    data["evaluations"].append(evaluation("E2", "A2", rating="5"))
    marts = run(tmp_path, data)
    assert cohorts(marts)["final_interview"]["application_id"] == "A2"
    assert cohorts(marts)["final_interview"]["best_rating"] == 5


def test_cohort_tie_on_closed_on_and_rating_picks_smaller_id_as_text(tmp_path):
    data = baseline(aid="A9")
    data["applications"].append(application("A10"))
    data["stage_events"].append(stage_event("S10", "A10"))
    data["evaluations"].append(evaluation("E10", "A10"))
    marts = run(tmp_path, data)
    assert cohorts(marts)["final_interview"]["application_id"] == "A10"  # "A10" < "A9"


def test_cohort_ignores_applications_outside_their_own_lookback(tmp_path):
    data = baseline()
    data["applications"].append(
        application(
            "A0",
            applied_at="2022-10-01T10:00:00",  # before closed_at (else it is quarantined)
            closed_at="2022-12-01T10:00:00",
            rejection_reason="Salary",
        )
    )
    data["applications"][-1]["status"] = "offer_declined"
    marts = run(tmp_path, data)
    assert reasons(marts) is None
    assert set(cohorts(marts)) == {"final_interview", "culture_fit"}
    assert {r["application_id"] for r in cohorts(marts).values()} == {"A1"}


def test_furthest_stage_raised_to_offer_only_when_extended_by_d(tmp_path):
    data = baseline()
    data["applications"] = [application(rejection_reason="Headcount")]
    data["stage_events"] = [stage_event("S1", stage="Screening")]
    data["offers"] = [offer("F1", extended_at="2026-01-16T10:00:00", status="pending")]
    marts = run(tmp_path, data)
    assert cohorts(marts)["timing_headcount"]["furthest_stage"] == "screening"


def test_furthest_stage_hired_is_not_lowered_by_an_offer(tmp_path):
    data = baseline()
    data["stage_events"].append(stage_event("S2", stage="Hired", entered_at="2025-06-20"))
    data["offers"] = [offer("F1", status="rescinded")]
    marts = run(tmp_path, data)
    row = cohorts(marts)["final_interview"]
    assert row["furthest_stage"] == "hired"
    assert row["priority_score"] == 30 + 30 + 24


@pytest.mark.parametrize(
    ("as_of", "recency"),
    [
        (date(2025, 6, 30), 30),  # closed on D (person too recent, so via the function)
        (date(2026, 1, 15), 24),
        (date(2028, 6, 29), 0),  # d = 1095, W = 1096: floor(30 / 1096) = 0
    ],
)
def test_priority_recency_points(as_of, recency):
    from tests.oracle import AppFacts, Params, priority_score

    app = AppFacts("A1", "J1", "rejected", date(2025, 6, 30), None, None, "other", None)
    assert priority_score(app, Params(as_of, 180, 3, 36)) == recency


def test_priority_score_with_a_shorter_lookback(tmp_path):
    # lookback 24: W = 2025-06-30..2027-06-30 = 730, d = 199 -> floor(30 * 531 / 730) = 21
    marts = run(tmp_path, baseline(), lookback_months=24)
    assert cohorts(marts)["culture_fit"]["priority_score"] == 30 + 20 + 21
    assert elig(marts)["rule_set_version"] == "v1.1;lookback_months=24"


# --------------------------------------------------------------------------------------------
# Purge queue
# --------------------------------------------------------------------------------------------


def test_purge_erasure_requested_after_legal_hold(tmp_path):
    data = baseline()
    data["privacy_requests"] = [
        privacy("R2", received_at="2026-01-10T10:00:00"),
        privacy("R1", received_at="2025-12-01T10:00:00"),  # the earliest one counts
    ]
    marts = run(tmp_path, data)
    assert purge(marts) == {
        "source_system": "canonical",
        "candidate_id": "C1",
        "person_id": md5("canonical|C1"),
        "as_of_date": D,
        "purge_reason": "erasure_requested",
        "purge_due_on": date(2025, 12, 1),  # greatest(2025-12-01, legal hold 2025-09-30)
    }


def test_purge_erasure_waits_for_legal_hold(tmp_path):
    # closed 2025-11-30: JP legal hold = 2025-11-30 + 3 months = 2026-02-28 (clamped) > D
    data = baseline()
    data["applications"] = [application(closed_at="2025-11-30T10:00:00")]
    data["privacy_requests"] = [privacy("R1", received_at="2025-12-10T10:00:00")]
    marts = run(tmp_path, data)
    assert elig(marts)["legal_hold_until"] == date(2026, 2, 28)
    assert purge(marts) is None
    marts = run(tmp_path, data, as_of=date(2026, 2, 28))
    assert purge(marts)["purge_due_on"] == date(2026, 2, 28)


def test_purge_erasure_without_any_application(tmp_path):
    data = baseline()
    data["applications"] = []
    data["privacy_requests"] = [privacy("R1", received_at="2026-01-15T10:00:00")]
    marts = run(tmp_path, data)
    assert purge(marts)["purge_reason"] == "erasure_requested"
    assert purge(marts)["purge_due_on"] == D  # no legal hold (interp 23)


def test_purge_deleted_in_source(tmp_path):
    data = baseline(is_deleted="true", updated_at="2026-01-05T10:00:00")
    marts = run(tmp_path, data)
    assert purge(marts)["purge_reason"] == "deleted_in_source"
    assert purge(marts)["purge_due_on"] == date(2026, 1, 5)


def test_purge_deleted_in_source_waits_for_legal_hold(tmp_path):
    data = baseline(is_deleted="true", updated_at="2025-08-01T10:00:00")
    assert purge(run(tmp_path, data, as_of=date(2025, 9, 29))) is None
    assert purge(run(tmp_path, data, as_of=date(2025, 9, 30)))["purge_due_on"] == date(2025, 9, 30)


def test_purge_deletion_after_d_does_not_hide_retention_expired(tmp_path):
    # interp 8 read for the purge queue too: a deletion known only after D is not a reason yet.
    data = baseline(country="US", is_deleted="true", updated_at="2026-01-20T10:00:00")
    data["applications"] = [application(closed_at="2024-06-30T10:00:00")]
    data["consent_events"] = [consent("K1", purpose="recontact")]
    marts = run(tmp_path, data)
    assert reasons(marts) == "retention_expired"
    assert purge(marts)["purge_reason"] == "retention_expired"
    assert purge(marts)["purge_due_on"] == date(2025, 6, 30)


def test_purge_first_reason_wins(tmp_path):
    data = baseline(is_deleted="true", updated_at="2025-10-01T10:00:00")
    data["privacy_requests"] = [privacy("R1", received_at="2026-01-12T10:00:00")]
    marts = run(tmp_path, data)
    assert purge(marts)["purge_reason"] == "erasure_requested"
    assert purge(marts)["purge_due_on"] == date(2026, 1, 12)


def test_purge_retention_expired_due_on_greatest_of_both_dates(tmp_path):
    # US: 6 months without consent, 12 months legal minimum. closed 2024-06-30.
    data = baseline(country="US", region="NY")
    data["applications"] = [application(closed_at="2024-06-30T10:00:00")]
    data["consent_events"] = [consent("K1", purpose="recontact")]
    marts = run(tmp_path, data)
    row = elig(marts)
    assert row["jurisdiction"] == "US"
    assert (row["use_allowed_until"], row["legal_hold_until"]) == (
        date(2024, 12, 30),
        date(2025, 6, 30),
    )
    assert purge(marts)["purge_reason"] == "retention_expired"
    assert purge(marts)["purge_due_on"] == date(2025, 6, 30)


def test_hired_or_open_persons_are_never_queued(tmp_path):
    hired = baseline("C1", "A1", is_deleted="true")
    hired["applications"].append(
        application("A2", status="hired", closed_at="2025-12-01T10:00:00", rejection_reason=None)
    )
    hired["privacy_requests"] = [privacy("R1", received_at="2025-12-01T10:00:00")]
    open_ = baseline("C2", "A3")
    open_["applications"].append(application("A4", "C2", status="active", closed_at=None))
    open_["privacy_requests"] = [privacy("R2", "C2", received_at="2025-12-01T10:00:00")]
    marts = run(tmp_path, hired, open_)
    assert reasons(marts, "C1") == "erasure_requested,deleted_in_source,hired"
    assert reasons(marts, "C2") == "erasure_requested,active_application"
    assert marts.purge_queue == []


# --------------------------------------------------------------------------------------------
# Jurisdiction
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "region", "jurisdiction"),
    [
        ("JP", "13", "JP"),
        ("US", "CA", "US-CA"),
        (" us ", "ca", "US-CA"),  # lower(trim)
        ("US", "NY", "US"),
        ("US", None, "US"),
        ("DE", None, "DE"),
        ("FR", None, "EU"),  # EU member without its own row
        ("BR", None, "default"),
    ],
)
def test_jurisdiction(tmp_path, country, region, jurisdiction):
    marts = run(tmp_path, baseline(country=country, region=region))
    assert elig(marts)["jurisdiction"] == jurisdiction


def test_eu_and_default_policies_are_applied(tmp_path):
    data = baseline(country="FR")
    data["consent_events"] = [consent("K1", purpose="recontact")]
    row = elig(run(tmp_path, data))
    assert (row["use_allowed_until"], row["legal_hold_until"]) == (
        date(2025, 12, 30),  # EU: 6 months without consent
        date(2025, 6, 30),  # EU: legal minimum 0 months
    )


# --------------------------------------------------------------------------------------------
# Versions, deduplication and bad rows
# --------------------------------------------------------------------------------------------


def test_latest_updated_at_wins_across_batches(tmp_path):
    old = {"candidates": [candidate(updated_at="2025-01-01T10:00:00")]}
    new = {"candidates": [candidate(is_deleted="true", updated_at="2025-12-01T10:00:00")]}
    rest = baseline()
    del rest["candidates"]
    # the newer version arrives in the earlier batch: it still wins
    marts = run(tmp_path, new | rest, old)
    assert reasons(marts) == "deleted_in_source"
    assert sum(marts.quarantine.values()) == 0


def test_tie_on_updated_at_goes_to_the_later_batch(tmp_path):
    first = {"candidates": [candidate(is_deleted="true", updated_at="2025-12-01T10:00:00")]}
    second = {"candidates": [candidate(is_deleted="false", updated_at="2025-12-01T10:00:00")]}
    rest = baseline()
    del rest["candidates"]
    marts = run(tmp_path, first | rest, second)
    assert reasons(marts) is None
    assert sum(marts.quarantine.values()) == 0  # a later batch is not a conflict


def test_tie_on_updated_at_across_offsets_is_a_tie(tmp_path):
    first = {"candidates": [candidate(is_deleted="true", updated_at="2025-12-01T01:00:00Z")]}
    second = {"candidates": [candidate(updated_at="2025-12-01T10:00:00+09:00")]}
    rest = baseline()
    del rest["candidates"]
    assert reasons(run(tmp_path, first | rest, second)) is None


def test_application_status_from_the_latest_version(tmp_path):
    first = baseline()
    first["applications"] = [
        application(status="active", closed_at=None, updated_at="2024-03-01T10:00:00")
    ]
    second = {"applications": [application()]}  # rejected, updated 2025-06-30
    marts = run(tmp_path, first, second)
    assert reasons(marts) is None
    assert elig(marts)["last_closed_on"] == date(2025, 6, 30)


def test_the_winning_version_is_used_whatever_d_is(tmp_path):
    # interp 3: the application was still active at its 2024 version, but the winning row
    # says rejected with closed_at 2025-06-30; as of 2025-07-01 it is closed.
    first = baseline()
    first["applications"] = [
        application(status="active", closed_at=None, updated_at="2024-03-01T10:00:00")
    ]
    second = {"applications": [application(updated_at="2026-01-10T10:00:00")]}
    marts = run(tmp_path, first, second, as_of=date(2025, 7, 1))
    assert elig(marts)["last_closed_on"] == date(2025, 6, 30)


def test_rejected_without_closed_at_closes_on_updated_at(tmp_path):
    data = baseline()
    data["applications"] = [application(closed_at=None, updated_at="2025-06-29T15:30:00Z")]
    assert elig(run(tmp_path, data))["last_closed_on"] == date(2025, 6, 30)  # Tokyo date


def test_an_application_closed_before_it_was_applied_for_is_quarantined(tmp_path):
    data = baseline()
    data["applications"].append(
        application("A2", applied_at="2025-07-01T10:00:00", closed_at="2025-06-30T12:00:00")
    )
    marts = run(tmp_path, data)
    assert marts.quarantine == {("applications", "closed_before_applied"): 1}


def test_timestamps_far_after_the_wall_clock_are_quarantined_but_not_expiries(tmp_path):
    data = baseline()
    data["applications"].append(
        application("A2", applied_at="2099-01-01T10:00:00", status="active", closed_at="")
    )
    data["consent_events"].append(
        consent("K-C1-far", purpose="recontact", expires_at="2099-01-01T00:00:00")
    )
    marts = run(tmp_path, data)
    assert marts.quarantine == {("applications", "future_timestamp"): 1}


def test_conflicting_versions_in_one_batch_are_quarantined(tmp_path):
    data = baseline()
    data["candidates"] = [
        candidate(full_name="Zed", is_deleted="true", updated_at="2025-12-01T10:00:00"),
        candidate(full_name="Amy", updated_at="2025-12-01T10:00:00"),
        candidate(full_name="Amy", updated_at="2025-12-01T10:00:00"),  # identical to winner
    ]
    marts = run(tmp_path, data)
    # AMBIGUITY (oracle): the smallest full content wins: "Amy" < "Zed" (not deleted).
    # v1.1: the conflicting version is quarantined, so the person is held.
    assert reasons(marts) == "data_quality_hold"
    assert marts.quarantine == {("candidates", "conflicting_duplicate"): 1}


def test_event_first_delivery_wins(tmp_path):
    first = baseline()
    second = {
        "consent_events": [
            consent("K-C1-rc"),  # identical re-delivery: harmless
            consent("K-C1-rt", purpose="retention", action="withdrawn"),  # conflicting
        ]
    }
    marts = run(tmp_path, first, second)
    assert reasons(marts) == "data_quality_hold"  # v1.1: the conflicting row holds C1
    assert elig(marts)["use_allowed_until"] == date(2030, 6, 30)  # retention still granted
    assert marts.quarantine == {("consent_events", "conflicting_duplicate"): 1}


def test_bad_rows_are_not_used_and_counted(tmp_path):
    data = baseline()
    data["candidates"].append(candidate("C2", is_deleted="maybe"))
    data["candidates"].append(candidate("C3", country=None))
    data["applications"] += [
        application("A2", status="turned_down", rejection_reason="Falsified history"),
        application("A3", applied_at="sometime", rejection_reason="Falsified history"),
        application("A4", job_id=None, rejection_reason="Falsified history"),
    ]
    data["evaluations"] += [
        evaluation("E2", rating="6"),
        evaluation("E3", rating="0"),
        evaluation("E4", rating="4.5"),
        evaluation("E5", rating="five"),
    ]
    data["consent_events"] += [
        consent("K2", action="withdrawn", recorded_at="2025-13-01T10:00:00"),
        consent("K3", action="revoked", recorded_at="2025-12-01T10:00:00"),
        consent("K4", purpose=None, action="withdrawn", recorded_at="2025-12-01T10:00:00"),
    ]
    data["privacy_requests"] = [privacy("R1", request_type="forget_me")]
    data["outreach_events"] = [outreach("O1", sent_at="2025-12-01T10:00:00", outcome="unsure")]
    data["stage_events"].append({"stage_event_id": None, "application_id": "A1", "stage": "x"})
    marts = run(tmp_path, data)
    assert [r["candidate_id"] for r in marts.eligibility] == ["C1"]
    # v1.1: the bad rows naming C1 or A1 hold C1; the bad values decide nothing else
    assert reasons(marts) == "data_quality_hold"
    assert elig(marts)["last_closed_on"] == date(2025, 6, 30)
    assert dict(marts.quarantine) == {
        ("candidates", "unparseable_boolean"): 1,
        ("candidates", "missing_required_value"): 1,
        ("applications", "unknown_enum_value"): 1,
        ("applications", "unparseable_timestamp"): 1,
        ("applications", "missing_required_value"): 1,
        ("evaluations", "rating_out_of_range"): 2,
        ("evaluations", "unparseable_number"): 2,
        ("consent_events", "unparseable_timestamp"): 1,
        ("consent_events", "unknown_enum_value"): 1,
        ("consent_events", "missing_required_value"): 1,
        ("privacy_requests", "unknown_enum_value"): 1,
        ("outreach_events", "unknown_enum_value"): 1,
        ("stage_events", "missing_required_value"): 1,
    }


def test_newer_bad_version_leaves_the_older_good_one(tmp_path):
    first = baseline()
    second = {"applications": [application(status="closed", updated_at="2025-12-01T10:00:00")]}
    marts = run(tmp_path, first, second)
    assert reasons(marts) == "data_quality_hold"  # v1.1: the bad version holds C1
    assert elig(marts)["last_closed_on"] == date(2025, 6, 30)  # from the good version
    assert marts.quarantine == {("applications", "unknown_enum_value"): 1}


def test_missing_required_column_fails_the_load(tmp_path):
    landing, seeds = tmp_path / "landing", tmp_path / "seeds"
    write_seeds(seeds)
    write_csv(landing / "canonical" / "b1" / "candidates.csv", ["candidate_id", "country"], [])
    with pytest.raises(ValueError, match="updated_at"):
        evaluate(landing, seeds, D)


def test_unknown_extra_columns_are_ignored_and_reported(tmp_path):
    data = baseline()
    data["candidates"][0]["favourite_colour"] = "green"
    marts = run(tmp_path, data)
    assert reasons(marts) is None
    assert marts.unknown_columns == {("candidates", "favourite_colour")}


# --------------------------------------------------------------------------------------------
# Time zones
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded_at", "as_of", "counted"),
    [
        ("2026-01-15T14:59:59Z", D, True),  # 23:59:59 in Tokyo on D
        ("2026-01-15T15:00:00Z", D, False),  # 00:00 on D+1 in Tokyo
        ("2026-01-15T15:00:00Z", date(2026, 1, 16), True),
        ("2026-01-16T00:00:00+0900", D, False),
        ("2026-01-15T23:59:59", D, True),  # no offset: already Tokyo time
    ],
)
def test_utc_timestamps_cross_midnight_into_the_next_tokyo_day(
    tmp_path, recorded_at, as_of, counted
):
    data = baseline()
    data["consent_events"] = [
        consent("K1", recorded_at=recorded_at),
        consent("K2", purpose="retention"),
    ]
    assert (reasons(run(tmp_path, data, as_of=as_of)) is None) is counted


def test_closed_at_in_utc_gives_the_tokyo_closing_date(tmp_path):
    data = baseline()
    data["applications"] = [application(closed_at="2025-10-14T15:00:00Z")]  # 10-15 in Tokyo
    marts = run(tmp_path, data, as_of=date(2026, 1, 14))
    assert elig(marts)["last_closed_on"] == date(2025, 10, 15)
    assert reasons(marts) == "too_recent"  # 2025-10-15 + 3 months = 2026-01-15 > D


def test_source_timezone_parameter(tmp_path):
    data = baseline()
    data["applications"] = [application(closed_at="2025-10-14T15:00:00Z")]
    marts = run(tmp_path, data, as_of=date(2026, 1, 14), source_timezone="UTC")
    assert elig(marts)["last_closed_on"] == date(2025, 10, 14)
    assert reasons(marts) is None


# --------------------------------------------------------------------------------------------
# File formats and run parameters
# --------------------------------------------------------------------------------------------


def test_parquet_and_jsonl_read_like_csv(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    expected = run(tmp_path / "csv", baseline())

    landing, seeds = tmp_path / "other" / "landing", tmp_path / "other" / "seeds"
    write_seeds(seeds)
    batch = landing / "canonical" / "2026-01-01T0300"
    batch.mkdir(parents=True)
    data = baseline()
    for entity in ("candidates", "jobs", "stage_events", "consent_events"):
        with (batch / f"{entity}.jsonl").open("w") as handle:
            for row in data[entity]:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    # typed parquet: timestamps (one tz-aware), an integer rating, a boolean flag
    pq.write_table(
        pa.table(
            {
                "application_id": ["A1"],
                "candidate_id": ["C1"],
                "job_id": ["J1"],
                "applied_at": [datetime(2024, 3, 1, 10)],
                "status": ["rejected"],
                # 03:00 UTC = 12:00 in Tokyo
                "closed_at": [datetime(2025, 6, 30, 3, tzinfo=UTC)],
                "rejection_reason": ["Culture fit"],
                "updated_at": [datetime(2025, 6, 30, 12)],
            }
        ),
        batch / "applications.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "evaluation_id": ["E-A1"],
                "application_id": ["A1"],
                "evaluated_at": [datetime(2025, 6, 1, 12)],
                "rating": pa.array([4], pa.int64()),
            }
        ),
        batch / "evaluations.parquet",
    )
    actual = evaluate(landing, seeds, D)
    assert actual.eligibility == expected.eligibility
    assert actual.cohorts == expected.cohorts
    assert actual.purge_queue == expected.purge_queue


def test_rule_set_version_lists_all_non_default_parameters(tmp_path):
    marts = run(
        tmp_path, baseline(), cooldown_days=90, min_months_since_close=1, lookback_months=24
    )
    assert elig(marts)["rule_set_version"] == (
        "v1.1;cooldown_days=90;min_months_since_close=1;lookback_months=24"
    )
    marts = run(tmp_path, baseline(), cooldown_days=180, lookback_months=36)
    assert elig(marts)["rule_set_version"] == "v1.1"


def test_same_input_gives_identical_marts(tmp_path):
    data = baseline()
    data["outreach_events"] = [outreach("O1", sent_at="2025-12-01T10:00:00")]
    assert run(tmp_path, data, baseline("C2", "A2")) == run(tmp_path, data, baseline("C2", "A2"))


# --------------------------------------------------------------------------------------------
# The real seeds (only when present)
# --------------------------------------------------------------------------------------------

REAL_SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_NAMES = ["stage_map", "rejection_reason_map", "retention_policies", "eu_member_states"]


@pytest.mark.skipif(
    not all((REAL_SEEDS / f"{n}.csv").is_file() for n in SEED_NAMES),
    reason="the real seeds are not there yet",
)
def test_the_real_seeds_load_and_evaluate(tmp_path):
    seeds = load_seeds(REAL_SEEDS)
    # every canonical mapping of the real stage_map agrees with the contract's stage order
    canonical = {
        "applied": 1,
        "screening": 2,
        "first_interview": 3,
        "second_interview": 4,
        "final_interview": 5,
        "offer": 6,
        "hired": 7,
    }
    assert seeds.stage_order, "no canonical rows in stage_map"
    for stage, order in seeds.stage_order.values():
        assert canonical[stage] == order
    assert "default" in seeds.policies and "jp" in seeds.policies
    assert set(seeds.reason_category.values()) <= {
        "preferred_other_candidate",
        "culture_fit",
        "headcount_budget",
        "timing",
        "offer_conditions",
        "candidate_withdrew",
        "skills_gap",
        "disqualified",
        "other",
    }
    landing = tmp_path / "landing"
    write_batch(landing, "2026-01-01T0300", baseline())
    marts = evaluate(landing, REAL_SEEDS, D)
    assert elig(marts)["jurisdiction"] == "JP"
    assert elig(marts)["last_closed_on"] == date(2025, 6, 30)


# --------------------------------------------------------------------------------------------
# Rule set v1.1: the data-quality hold
# --------------------------------------------------------------------------------------------


def expired_person() -> dict:
    """C1 closed 2024-12-20 without retention consent: retention expired, due for purge."""
    data = baseline()
    data["applications"] = [application(closed_at="2024-12-20T10:00:00")]
    data["consent_events"] = [consent("K1", purpose="recontact")]
    return data


def test_a_typo_in_an_active_application_holds_the_person_instead_of_purging(tmp_path):
    """The defect v1.1 fixes: the active application's date is unreadable, the person
    looks closed since 2024 and would be purged; held, they are blocked, not queued."""
    data = expired_person()
    data["applications"].append(
        application("A2", status="active", applied_at="2025-13-02T10:00:00", closed_at=None)
    )
    marts = run(tmp_path, data)
    assert reasons(marts) == "data_quality_hold,retention_expired"
    assert elig(marts)["primary_exclusion_reason"] == "data_quality_hold"
    assert marts.purge_queue == []
    assert marts.purge_blocked == [
        {
            "source_system": "canonical",
            "candidate_id": "C1",
            "person_id": elig(marts)["person_id"],
            "as_of_date": D,
            "would_be_purge_reason": "retention_expired",
            "quarantine_reasons": "unparseable_timestamp",
        }
    ]


def test_the_same_person_without_the_bad_row_is_purged(tmp_path):
    marts = run(tmp_path, expired_person())
    assert purge(marts)["purge_reason"] == "retention_expired"
    assert marts.purge_blocked == []


def test_a_quarantined_row_naming_only_the_application_holds_its_person(tmp_path):
    data = expired_person()
    data["stage_events"].append(stage_event("S-bad", entered_at="yesterday"))
    marts = run(tmp_path, data)
    assert reasons(marts) == "data_quality_hold,retention_expired"
    assert marts.purge_queue == []
    assert [r["would_be_purge_reason"] for r in marts.purge_blocked] == ["retention_expired"]


def test_a_hold_covers_every_record_of_the_person(tmp_path):
    """C2 shares C1's e-mail (one person): C2's bad outreach row holds C1 as well."""
    data = expired_person()
    data["candidates"].append(candidate("C2", email="c1@example.com"))
    data["outreach_events"] = [outreach("O1", cid="C2", sent_at="not a date")]
    marts = run(tmp_path, data)
    assert elig(marts, "C1")["person_id"] == elig(marts, "C2")["person_id"]
    assert reasons(marts, "C1") == reasons(marts, "C2") == "data_quality_hold,retention_expired"
    assert [r["candidate_id"] for r in marts.purge_blocked] == ["C1", "C2"]


def test_a_hold_blocks_an_erasure_too(tmp_path):
    data = baseline()
    data["privacy_requests"] = [privacy("R1", received_at="2026-01-10T10:00:00")]
    data["evaluations"].append(evaluation("E-bad", rating="9"))
    marts = run(tmp_path, data)
    assert reasons(marts).startswith("erasure_requested,data_quality_hold")
    assert marts.purge_queue == []
    assert [r["would_be_purge_reason"] for r in marts.purge_blocked] == ["erasure_requested"]


def test_a_privacy_request_naming_no_candidate_is_quarantined_not_guessed(tmp_path):
    """'c1' is not 'C1', nor is a full-width 'Ｃ1': never matched by folding case or width."""
    data = baseline()
    data["privacy_requests"] = [privacy("R1", cid="c1"), privacy("R2", cid="Ｃ1")]
    data["consent_events"].append(consent("K9", cid="C1\u200b", action="withdrawn"))
    marts = run(tmp_path, data)
    assert reasons(marts) is None  # nobody we can hold: C1 decides as before
    assert dict(marts.quarantine) == {
        ("privacy_requests", "unknown_candidate"): 2,
        ("consent_events", "unknown_candidate"): 1,
    }


@pytest.mark.parametrize(
    "text",
    ["0001-06-01T09:00:00", "1900-01-10", "1999-12-31T23:59:59", "2025-06-01T09:00:00+15:00",
     "2025-06-01T09:00:00-1401", "2025-06-01T09:00:00+09:60"],
)  # fmt: skip
def test_absurd_dates_and_impossible_offsets_do_not_parse(text):
    with pytest.raises(ValueError):
        parse_timestamp(text, TOKYO)


@pytest.mark.parametrize("text", ["2000-01-01", "2025-06-01T09:00:00-14:00", "2025-06-01T09:00+14"])
def test_the_plausible_extremes_parse(text):
    parse_timestamp(text, TOKYO)
