"""Tests of the synthetic canonical export generator (sample_exports/generate.py).

The expectations come from the export contract (shared/spec/ats-export-v1.md) and the brief of
the generator, not from its implementation: the CSV files are read back with Python's csv
module (RFC 4180) and checked row by row.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from sample_exports import generate
from sample_exports.generate import boundary_case_labels, generate_export

END = date(2026, 11, 27)
TOKYO = ZoneInfo("Asia/Tokyo")
N = 3000

# entity -> (key, all columns in contract order, required columns)
CONTRACT = {
    "candidates": (
        "candidate_id",
        "candidate_id full_name email phone country region created_at updated_at is_deleted",
        "candidate_id country updated_at",
    ),
    "jobs": (
        "job_id",
        "job_id title job_family department country status opened_at closed_at updated_at",
        "job_id title updated_at",
    ),
    "applications": (
        "application_id",
        "application_id candidate_id job_id applied_at status closed_at rejection_reason"
        " updated_at",
        "application_id candidate_id job_id applied_at status updated_at",
    ),
    "stage_events": (
        "stage_event_id",
        "stage_event_id application_id stage entered_at",
        "stage_event_id application_id stage entered_at",
    ),
    "evaluations": (
        "evaluation_id",
        "evaluation_id application_id stage evaluated_at rating strengths concerns",
        "evaluation_id application_id evaluated_at",
    ),
    "offers": (
        "offer_id",
        "offer_id application_id extended_at status decline_reason updated_at",
        "offer_id application_id extended_at status updated_at",
    ),
    "consent_events": (
        "consent_event_id",
        "consent_event_id candidate_id purpose action recorded_at expires_at notice_version"
        " channel",
        "consent_event_id candidate_id purpose action recorded_at",
    ),
    "privacy_requests": (
        "request_id",
        "request_id candidate_id request_type received_at completed_at",
        "request_id candidate_id request_type received_at",
    ),
    "outreach_events": (
        "outreach_id",
        "outreach_id candidate_id sent_at channel cohort outcome outcome_at",
        "outreach_id candidate_id sent_at",
    ),
    # company-side (recontact-outreach v1)
    "openings": (
        "opening_id",
        "opening_id job_id situation language target_cohorts opened_on closes_on updated_at",
        "opening_id job_id situation language opened_on updated_at",
    ),
}
MUTABLE = ("candidates", "jobs", "applications", "offers")
TIMESTAMP_COLUMNS = {
    "created_at", "updated_at", "opened_at", "closed_at", "applied_at", "entered_at",
    "evaluated_at", "extended_at", "recorded_at", "expires_at", "received_at", "completed_at",
    "sent_at", "outcome_at",
}  # fmt: skip
ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|\+09:00)?$")

STAGES = {
    "applied", "screening", "first_interview", "second_interview", "final_interview", "offer",
    "hired", "応募", "書類選考", "適性検査", "一次面接", "二次面接", "最終面接", "役員面接", "内定",
    "入社", "Application Review", "Phone Screen", "Technical Interview", "Onsite Interview",
    "Final Interview", "Offer", "Hired", "リファラル面談", "Coding Test",
}  # fmt: skip
REJECTION_REASONS = {
    "他候補者決定", "社風不一致", "カルチャーフィット不一致", "採用枠充足", "予算都合",
    "時期不一致", "スキル不足", "経験不足", "経歴詐称", "条件不一致", "年収条件不一致", "辞退",
    "他社決定", "その他",
    "Hired another candidate", "Not a culture fit", "Position filled", "Budget constraints",
    "Timing", "Lacking skills/qualifications", "Failed background check", "Spam", "Duplicate",
    "Compensation", "Candidate withdrew", "Accepted another offer", "Other",
    "preferred_other_candidate", "culture_fit", "headcount_budget", "timing", "offer_conditions",
    "candidate_withdrew", "skills_gap", "disqualified", "other",
    "面接日程調整不可", "Reason unknown (legacy)",
}  # fmt: skip
DECLINE_REASONS = {
    "条件不一致", "年収条件不一致", "勤務地不一致", "入社時期不一致", "他社決定", "Compensation",
    "Relocation not possible", "Accepted another offer",
}  # fmt: skip
ENUMS = {
    ("jobs", "status"): {"open", "on_hold", "closed", "filled"},
    ("applications", "status"): {"active", "rejected", "withdrawn", "offer_declined", "hired"},
    ("offers", "status"): {"pending", "accepted", "declined", "rescinded"},
    ("consent_events", "purpose"): {"retention", "recontact"},
    ("consent_events", "action"): {"granted", "withdrawn"},
    ("consent_events", "channel"): {"web_form", "email", "ats_portal"},
    ("consent_events", "notice_version"): {"2023-04", "2025-01"},
    ("privacy_requests", "request_type"): {"erasure", "stop_use", "stop_contact"},
    ("outreach_events", "outcome"): {
        "",
        "no_response",
        "interested",
        "not_interested",
        "opt_out",
        "reapplied",
    },
    ("outreach_events", "cohort"): {
        "final_interview",
        "culture_fit",
        "offer_declined_conditions",
        "timing_headcount",
    },
    ("candidates", "is_deleted"): {"", "true", "false"},
    ("stage_events", "stage"): STAGES,
    ("evaluations", "rating"): {"1", "2", "3", "4", "5"},
    ("openings", "language"): {"ja", "en"},
}
FINAL = {"rejected", "withdrawn", "offer_declined", "hired"}


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def read_export(root: Path) -> dict[str, list[dict]]:
    """All CSV rows per entity, each with its batch id under the key '_batch'."""
    rows: dict[str, list[dict]] = defaultdict(list)
    for path in sorted((root / "canonical").glob("*/*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                row["_batch"] = path.parent.name
                rows[path.stem].append(row)
    return rows


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def local(value: str) -> datetime:
    """A contract timestamp as naive Asia/Tokyo local time."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(TOKYO).replace(tzinfo=None)
    return parsed


def latest(rows: list[dict], key: str) -> dict[str, dict]:
    """Winning version per key: latest updated_at, ties to the later batch."""
    best: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: (local(r["updated_at"]), r["_batch"])):
        best[row[key]] = row
    return best


def add_months(day: date, months: int) -> date:
    """Calendar months clamped to the month's end, as the rules define them."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> tuple[Path, generate.GenerationResult, list[str]]:
    """The export most tests read: 3,000 candidates, seed 7, four CSV batches."""
    out = tmp_path_factory.mktemp("export")
    messages: list[str] = []
    result = generate_export(out, N, seed=7, end_date=END, progress=messages.append)
    return out, result, messages


@pytest.fixture(scope="module")
def rows(export) -> dict[str, list[dict]]:
    return read_export(export[0])


@pytest.fixture(scope="module")
def by_label(rows) -> dict[str, str]:
    """boundary label -> candidate_id, checked against the candidates file."""
    labels = {label: cid for cid, label in boundary_case_labels().items()}
    ids = {r["candidate_id"] for r in rows["candidates"]}
    assert set(labels.values()) <= ids
    return labels


# ---------------------------------------------------------------------------------------------
# determinism and layout
# ---------------------------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_files_whatever_the_threads(
    export, tmp_path, monkeypatch
):
    real_connect = duckdb.connect
    monkeypatch.setattr(
        generate.duckdb, "connect", lambda *a, **k: real_connect(config={"threads": 1})
    )
    generate_export(tmp_path, N, seed=7, end_date=END)
    assert digests(tmp_path / "canonical") == digests(export[0] / "canonical")


def test_another_seed_gives_other_data(export, rows, tmp_path):
    generate_export(tmp_path, N, seed=8, end_date=END)
    other = read_export(tmp_path)
    first = digests(export[0] / "canonical")
    second = digests(tmp_path / "canonical")
    assert first.keys() & second.keys()
    assert all(first[k] != second[k] for k in first.keys() & second.keys())
    names = Counter(r["full_name"] for r in rows["candidates"])
    other_names = Counter(r["full_name"] for r in other["candidates"])
    assert names != other_names


def test_progress_is_reported_per_step(export):
    messages = export[2]
    assert any(m.startswith("building ") for m in messages)
    assert any(re.fullmatch(r"batch 1/4: stage_events [\d,]+ rows", m) for m in messages)
    assert any(re.fullmatch(r"batch 4/4: applications [\d,]+ rows", m) for m in messages)


def test_batches_are_ordered_ids_ending_on_end_date(export):
    root, result, _ = export
    dirs = sorted(p.name for p in (root / "canonical").iterdir())
    assert dirs == result.batches
    assert len(dirs) == 4
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{4}", b) for b in dirs)
    assert dirs[-1] == "2026-11-27T0300"
    assert not list(root.glob(".canonical*"))  # no temporary directory left behind


def test_first_batch_is_a_full_export_and_later_ones_are_smaller_deltas(export):
    _, result, _ = export
    first, *later = result.batches
    assert set(result.row_counts[first]) == set(CONTRACT)
    for batch in later:
        for entity, count in result.row_counts[batch].items():
            assert count < result.row_counts[first][entity]


def test_row_counts_match_the_files(export, rows):
    _, result, _ = export
    counted = Counter((entity, r["_batch"]) for entity, rs in rows.items() for r in rs)
    reported = {
        (entity, batch): n
        for batch, entities in result.row_counts.items()
        for entity, n in entities.items()
    }
    assert counted == reported


# ---------------------------------------------------------------------------------------------
# contract shape
# ---------------------------------------------------------------------------------------------


def test_every_file_has_the_contract_columns_and_required_values(export):
    for path in sorted((export[0] / "canonical").glob("*/*.csv")):
        _, columns, required = CONTRACT[path.stem]
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            assert reader.fieldnames == columns.split(), path
            for row in reader:
                missing = [c for c in required.split() if not row[c]]
                assert not missing, (path, row)


def test_keys_are_unique_within_a_batch(rows):
    for entity, (key, _, _) in CONTRACT.items():
        counts = Counter((r["_batch"], r[key]) for r in rows[entity])
        assert counts.most_common(1)[0][1] == 1, entity


def test_enum_values_are_valid(rows):
    for (entity, column), allowed in ENUMS.items():
        seen = {r[column] for r in rows[entity]}
        assert seen <= allowed, (entity, column, seen - allowed)
    reasons = {r["rejection_reason"] for r in rows["applications"]} - {""}
    assert reasons <= REJECTION_REASONS
    declines = {r["decline_reason"] for r in rows["offers"]} - {""}
    assert declines <= DECLINE_REASONS
    assert {r["stage"] for r in rows["evaluations"]} <= STAGES


def test_timestamps_are_iso_8601_mostly_local_some_with_offset_or_utc(rows):
    styles = Counter()
    for entity, rs in rows.items():
        for r in rs:
            for column in TIMESTAMP_COLUMNS & r.keys():
                if r[column]:
                    assert ISO_TIMESTAMP.match(r[column]), (entity, column, r[column])
                    styles[r[column][19:]] += 1
    total = sum(styles.values())
    assert 0.85 < styles[""] / total < 0.97
    assert 0.02 < styles["+09:00"] / total < 0.08
    assert 0.01 < styles["Z"] / total < 0.05
    # some UTC timestamps fall on the previous calendar date than their local time
    crossing = [
        r["applied_at"]
        for r in rows["applications"]
        if r["applied_at"].endswith("Z")
        and local(r["applied_at"]).date().isoformat() != r["applied_at"][:10]
    ]
    assert crossing


def test_foreign_keys_resolve_across_batches(rows):
    candidates = {r["candidate_id"] for r in rows["candidates"]}
    jobs = {r["job_id"] for r in rows["jobs"]}
    applications = {r["application_id"] for r in rows["applications"]}
    assert {r["candidate_id"] for r in rows["applications"]} <= candidates
    assert {r["job_id"] for r in rows["applications"]} <= jobs
    for entity in ("stage_events", "evaluations", "offers"):
        assert {r["application_id"] for r in rows[entity]} <= applications, entity
    for entity in ("consent_events", "privacy_requests", "outreach_events"):
        assert {r["candidate_id"] for r in rows[entity]} <= candidates, entity


def test_csv_quoting_round_trips_commas_and_quotes(rows):
    texts = {r[c] for r in rows["evaluations"] for c in ("strengths", "concerns")}
    assert any("," in t for t in texts)
    assert any('"' in t for t in texts)


# ---------------------------------------------------------------------------------------------
# deltas: updated versions and re-deliveries
# ---------------------------------------------------------------------------------------------


def test_applications_get_updated_versions_in_later_batches(rows):
    versions = defaultdict(list)
    for r in rows["applications"]:
        versions[r["application_id"]].append(r)
    closed_later = 0
    for vs in versions.values():
        vs.sort(key=lambda r: r["_batch"])
        for before, after in zip(vs, vs[1:], strict=False):
            if before["status"] == "active" and after["status"] in FINAL:
                assert local(after["updated_at"]) > local(before["updated_at"])
                assert not before["closed_at"]
                closed_later += 1
    assert closed_later >= 10


def test_identical_redeliveries_exist_and_events_never_conflict(rows):
    for entity in ("stage_events", "consent_events", "applications", "candidates"):
        key = CONTRACT[entity][0]
        seen: dict[str, dict] = {}
        identical = 0
        for r in sorted(rows[entity], key=lambda r: r["_batch"]):
            content = {k: v for k, v in r.items() if k != "_batch"}
            if r[key] in seen and seen[r[key]] == content:
                identical += 1
            elif r[key] in seen:
                assert entity in MUTABLE, (entity, r[key])  # events are append-only
            seen[r[key]] = content
        assert identical > 0, entity


def test_mutable_versions_only_move_forward(rows):
    """A later batch never re-sends an older version (so 'latest updated_at wins' is safe)."""
    for entity in MUTABLE:
        key = CONTRACT[entity][0]
        last: dict[str, datetime] = {}
        for r in sorted(rows[entity], key=lambda r: r["_batch"]):
            updated = local(r["updated_at"])
            assert updated >= last.get(r[key], updated), (entity, r[key])
            last[r[key]] = updated


def test_candidates_are_deleted_in_a_later_version(rows):
    versions = defaultdict(list)
    for r in rows["candidates"]:
        versions[r["candidate_id"]].append(r)
    deleted = [
        vs
        for vs in versions.values()
        if sorted(vs, key=lambda r: r["_batch"])[-1]["is_deleted"] == "true"
    ]
    assert 0.005 < len(deleted) / len(versions) < 0.02
    assert sum(len(vs) > 1 and vs[0]["is_deleted"] != "true" for vs in deleted) > len(deleted) / 2


# ---------------------------------------------------------------------------------------------
# realism
# ---------------------------------------------------------------------------------------------


def test_status_mix_and_volumes(rows):
    apps = latest(rows["applications"], "application_id")
    status = Counter(r["status"] for r in apps.values())
    total = sum(status.values())
    assert status.most_common(1)[0][0] == "rejected"
    assert 0.03 < status["hired"] / total < 0.08
    assert 0.05 < status["active"] / total < 0.15
    assert status["withdrawn"] and status["offer_declined"]
    assert 1.7 < total / N < 2.4
    events = {r["stage_event_id"] for r in rows["stage_events"]}
    assert 6 < len(events) / N < 10
    countries = Counter(r["country"] for r in latest(rows["candidates"], "candidate_id").values())
    assert 0.6 < countries["JP"] / N < 0.8
    assert 0.06 < countries["US"] / N < 0.14
    assert {"DE", "FR", "GB"} <= countries.keys()


def test_applications_are_consistent_with_their_events_and_offers(rows):
    apps = latest(rows["applications"], "application_id")
    events = defaultdict(list)
    for r in rows["stage_events"]:
        events[r["application_id"]].append(local(r["entered_at"]))
    for app_id, app in apps.items():
        applied = local(app["applied_at"])
        if app["status"] == "active":
            assert not app["closed_at"] and not app["rejection_reason"]
        if app["closed_at"]:
            assert applied < local(app["closed_at"])
        times = sorted(set(events[app_id]))
        assert times and times[0] == applied, app_id
        if app["closed_at"] and local(app["closed_at"]).date() <= END:
            assert times[-1] <= local(app["closed_at"]), app_id
    final = [a for a in apps.values() if a["status"] in FINAL]
    assert 0.9 < sum(bool(a["closed_at"]) for a in final) / len(final) < 1
    with_reason = [a for a in final if a["status"] != "hired"]
    empty = sum(not a["rejection_reason"] for a in with_reason) / len(with_reason)
    assert 0.05 < empty < 0.25
    offers = latest(rows["offers"], "offer_id")
    declined_apps = {o["application_id"] for o in offers.values() if o["status"] == "declined"}
    for app_id, app in apps.items():
        if app["status"] == "offer_declined":
            assert app_id in declined_apps


def test_evaluations_never_mention_forbidden_topics(rows):
    forbidden = ("本籍", "出身地", "宗教", "組合", "政党", "思想", "religion", "union", "politic")
    for r in rows["evaluations"]:
        text = f"{r['strengths']} {r['concerns']}".lower()
        assert not any(word in text for word in forbidden), r


# ---------------------------------------------------------------------------------------------
# boundary cases relative to end_date
# ---------------------------------------------------------------------------------------------


def test_closing_dates_sit_on_the_rule_boundaries(rows, by_label):
    apps = latest(rows["applications"], "application_id")
    closed_on = {}
    for app in apps.values():
        if app["status"] in FINAL:
            day = local(app["closed_at"] or app["updated_at"]).date()
            closed_on[app["candidate_id"]] = max(day, closed_on.get(app["candidate_id"], day))
    three, thirty_six = add_months(END, -3), add_months(END, -36)
    assert closed_on[by_label["close_3m_exact"]] == three
    assert closed_on[by_label["close_3m_minus_1d"]] == three - timedelta(days=1)
    assert closed_on[by_label["close_3m_plus_1d"]] == three + timedelta(days=1)
    assert closed_on[by_label["close_36m_exact"]] == thirty_six
    assert closed_on[by_label["retention_24m_exact_no_consent"]] == add_months(END, -24)
    assert closed_on[by_label["close_feb29"]] == date(2024, 2, 29)
    month_end = closed_on[by_label["close_month_end_3m"]]
    assert (month_end + timedelta(days=1)).day == 1
    # the UTC variant reads as the previous date unless converted to local time
    z_case = [a for a in apps.values() if a["candidate_id"] == by_label["close_3m_plus_1d_utc_z"]]
    assert z_case[0]["closed_at"] == f"{three.isoformat()}T15:30:00Z"
    assert closed_on[by_label["close_3m_plus_1d_utc_z"]] == three + timedelta(days=1)
    # empty closed_at: closed_on comes from updated_at
    fallback = [
        a for a in apps.values() if a["candidate_id"] == by_label["close_3m_plus_1d_no_closed_at"]
    ]
    assert not fallback[0]["closed_at"]


def test_consent_and_outreach_boundaries(rows, by_label):
    consents = defaultdict(list)
    for r in rows["consent_events"]:
        consents[r["candidate_id"]].append(r)
    expiry = {
        label: {local(c["expires_at"]).date() for c in consents[by_label[label]] if c["expires_at"]}
        for label in ("recontact_expires_on_d", "recontact_expires_d_plus_1_utc_z")
    }
    assert expiry["recontact_expires_on_d"] == {END}
    assert expiry["recontact_expires_d_plus_1_utc_z"] == {END + timedelta(days=1)}
    # granted and withdrawn at the same instant, one written in UTC
    tie = consents[by_label["consent_tie_mixed_offsets"]]
    events = {c["consent_event_id"]: c for c in tie if c["purpose"] == "recontact"}
    recorded = Counter(local(c["recorded_at"]) for c in events.values())
    (instant, count), *_ = recorded.most_common(1)
    assert count == 2
    tied = [c for c in events.values() if local(c["recorded_at"]) == instant]
    assert {c["action"] for c in tied} == {"granted", "withdrawn"}
    assert {c["recorded_at"][19:] for c in tied} == {"", "Z"}
    sent = {
        r["candidate_id"]: local(r["sent_at"]).date()
        for r in rows["outreach_events"]
        if r["candidate_id"] in by_label.values()
    }
    for days in (179, 180, 181):
        assert sent[by_label[f"outreach_{days}d"]] == END - timedelta(days=days)


def test_some_rows_are_dated_after_end_date(rows, by_label):
    def after(value: str) -> bool:
        return bool(value) and local(value).date() > END

    assert any(after(r["applied_at"]) for r in rows["applications"])
    assert any(after(r["closed_at"]) for r in rows["applications"])
    assert any(after(r["recorded_at"]) for r in rows["consent_events"])
    assert any(after(r["outcome_at"]) for r in rows["outreach_events"])
    assert any(after(r["received_at"]) for r in rows["privacy_requests"])
    assert any(after(r["entered_at"]) for r in rows["stage_events"])
    created = [r for r in rows["candidates"] if r["candidate_id"] == by_label["created_after_d"]]
    assert after(created[0]["created_at"])


# ---------------------------------------------------------------------------------------------
# other formats and failure handling
# ---------------------------------------------------------------------------------------------


def test_parquet_holds_the_same_rows_with_types(export, rows, tmp_path):
    result = generate_export(tmp_path, N, seed=7, end_date=END, file_format="parquet")
    assert result.row_counts == export[1].row_counts
    con = duckdb.connect()
    first = result.batches[0]

    def types(entity: str) -> dict[str, str]:
        path = f"{tmp_path}/canonical/{first}/{entity}.parquet"
        return {row[0]: row[1] for row in con.execute(f"DESCRIBE FROM '{path}'").fetchall()}

    assert types("applications")["applied_at"] == "TIMESTAMP"
    assert types("applications")["application_id"] == "VARCHAR"
    assert types("evaluations")["rating"] == "INTEGER"
    assert types("candidates")["is_deleted"] == "BOOLEAN"
    parquet_apps = dict(
        con.execute(
            "SELECT application_id, applied_at"
            f" FROM '{tmp_path}/canonical/{first}/applications.parquet'"
        ).fetchall()
    )
    csv_apps = {r["application_id"]: local(r["applied_at"]) for r in rows["applications"]
                if r["_batch"] == first}  # fmt: skip
    assert parquet_apps == csv_apps  # Z / +09:00 in CSV are the same local times


def test_mixed_alternates_csv_and_parquet(tmp_path):
    result = generate_export(tmp_path, 500, seed=3, end_date=END, file_format="mixed")
    suffixes = [
        {p.suffix for p in (tmp_path / "canonical" / b).iterdir() if p.name != "_manifest.json"}
        for b in result.batches
    ]
    assert suffixes == [{".csv"}, {".parquet"}, {".csv"}, {".parquet"}]
    con = duckdb.connect()
    for batch in result.batches:
        for entity, expected in result.row_counts[batch].items():
            path = next((tmp_path / "canonical" / batch).glob(f"{entity}.*"))
            reader = "read_csv" if path.suffix == ".csv" else "read_parquet"
            (count,) = con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchone()
            assert count == expected


def test_refuses_to_overwrite_an_export_but_accepts_an_empty_directory(tmp_path):
    (tmp_path / "canonical").mkdir()
    generate_export(tmp_path, 200, end_date=END)
    before = digests(tmp_path)
    with pytest.raises(FileExistsError):
        generate_export(tmp_path, 200, end_date=END)
    assert digests(tmp_path) == before


def test_a_failure_leaves_no_partial_export(tmp_path, monkeypatch):
    real = generate._write_batches

    def fail_after_writing(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(generate, "_write_batches", fail_after_writing)
    with pytest.raises(RuntimeError, match="disk full"):
        generate_export(tmp_path, 200, end_date=END)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kwargs", [{"file_format": "jsonl"}, {"candidates": 10}, {"batches": 0}])
def test_invalid_arguments_are_rejected(tmp_path, kwargs):
    arguments = {"out_dir": tmp_path, "candidates": 500} | kwargs
    with pytest.raises(ValueError):
        generate_export(**arguments)


def test_quality_faults_plant_one_typo_in_an_active_application_only_when_asked(rows, tmp_path):
    """Rule set v1.1's data-quality hold needs a person to hold: `quality_faults` writes the
    active application of boundary case expired_with_active_application with the year
    2062; without it (the default, and every vendor conversion) that date is ten days
    before the end date."""
    labels = {label: cid for cid, label in boundary_case_labels().items()}
    person = labels["expired_with_active_application"]

    def active_applied_at(export_rows) -> set[str]:
        return {
            r["applied_at"][:4]
            for r in export_rows["applications"]
            if r["candidate_id"] == person and r["status"] == "active"
        }

    assert active_applied_at(rows) == {"2026"}
    generate_export(tmp_path, 200, seed=7, end_date=END, quality_faults=True)
    planted = read_export(tmp_path)
    assert active_applied_at(planted) == {"2062"}
    assert not any(
        r["applied_at"].startswith("2062")
        for r in planted["applications"]
        if r["candidate_id"] != person
    )


# ---------------------------------------------------------------------------------------------
# openings (recontact-outreach v1)
# ---------------------------------------------------------------------------------------------

COHORT_NAMES = {"final_interview", "culture_fit", "offer_declined_conditions", "timing_headcount"}


def test_openings_are_realistic_and_reference_known_jobs(rows):
    """Japanese and English situation texts, some with target cohorts, some closed before
    D, some starting after it; every opening names a job of the export."""
    openings = latest(rows["openings"], "opening_id")
    jobs = latest(rows["jobs"], "job_id")
    assert len(openings) >= 30
    assert {o["job_id"] for o in openings.values()} <= set(jobs)
    by_language = Counter(o["language"] for o in openings.values())
    assert by_language["ja"] > 0 and by_language["en"] > 0
    japanese = [o["situation"] for o in openings.values() if o["language"] == "ja"]
    english = [o["situation"] for o in openings.values() if o["language"] == "en"]
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text) for text in japanese)
    assert all(re.fullmatch(r"[ -~]+", text) for text in english)
    targeted = [o["target_cohorts"] for o in openings.values() if o["target_cohorts"]]
    assert targeted
    assert {c.strip() for t in targeted for c in t.split(";")} <= COHORT_NAMES
    opened = {k: date.fromisoformat(o["opened_on"]) for k, o in openings.items()}
    closes = {k: date.fromisoformat(o["closes_on"]) for k, o in openings.items() if o["closes_on"]}
    assert any(day < END for day in closes.values())  # closed before D
    assert any(day > END for day in opened.values())  # not yet started at D
    assert all(closes[k] >= opened[k] for k in closes)
    # open at D on a job still open: what the matching has to work with
    open_at_d = [
        k
        for k, o in openings.items()
        if opened[k] <= END
        and (k not in closes or closes[k] > END)
        and jobs[o["job_id"]]["status"] == "open"
    ]
    assert len(open_at_d) >= 5
    # written before the export that delivers them
    for row in rows["openings"]:
        assert local(row["updated_at"]) <= datetime.fromisoformat(row["_batch"][:10] + "T03:00")
