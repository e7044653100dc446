"""Independent reference implementation ("oracle") of the re-contact rules, rule set v1.1.

It reads the same canonical ATS export and the same seeds as the dbt project and computes the
three marts in plain Python, one small function per rule, so that the SQL can be checked
against it. It follows, in this order of authority:

* ``/work/shared/spec/recontact-rules.md``   (the rules),
* ``/work/shared/spec/ats-export-v1.md``     (the input contract),
* ``docs/rules-interpretation.md``           (how every open choice is resolved; cited as
  "interp N" below).

Where even the interpretation page leaves a choice open, the most literal reading is taken
and marked with ``# AMBIGUITY:``.

It is written for clarity, not speed; a few thousand candidates take a few seconds.

Usage::

    from tests.oracle import evaluate   # (the tests themselves do `from oracle import ...`)
    marts = evaluate(Path("data/landing"), Path("seeds"), date(2026, 11, 27))
    marts.eligibility   # list of dicts, columns of marts.recontact_eligibility
    marts.cohorts       # list of dicts, columns of marts.recontact_cohorts
    marts.purge_queue   # list of dicts, columns of marts.retention_purge_queue
    marts.purge_blocked # list of dicts, columns of marts.purge_blocked_by_quality
    marts.quarantine    # Counter {(entity, reason): rows not used}
    # recontact-outreach v1 (``/work/shared/spec/recontact-outreach.md``), read from that
    # document and docs/rules-interpretation.md, not from the SQL:
    marts.job_matches   # marts.recontact_job_matches
    marts.drafts        # outreach.recontact_drafts
    marts.renewal_queue # marts.consent_renewal_queue
    marts.outcomes      # marts.recontact_outcomes
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

SOURCE_SYSTEM = "canonical"
RULE_SET = "v1.1"

# Rule parameters and their v1 defaults (dbt vars recontact_<name>).
DEFAULT_COOLDOWN_DAYS = 180
# recontact-outreach v1: dbt vars company_name and consent_renewal_days
DEFAULT_COMPANY_NAME = "Example Corporation"  # dbt var company_name
DEFAULT_CONSENT_RENEWAL_DAYS = 30
DEFAULT_MIN_MONTHS_SINCE_CLOSE = 3
DEFAULT_LOOKBACK_MONTHS = 36

# Output contract column lists (recontact-rules.md, "Output contract").
ELIGIBILITY_COLUMNS = [
    "source_system",
    "candidate_id",
    "person_id",
    "as_of_date",
    "jurisdiction",
    "is_eligible",
    "primary_exclusion_reason",
    "exclusion_reasons",
    "last_closed_on",
    "use_allowed_until",
    "legal_hold_until",
    "recontact_consent_expires_on",
    "rule_set_version",
]
COHORT_COLUMNS = [
    "source_system",
    "candidate_id",
    "person_id",
    "as_of_date",
    "cohort",
    "application_id",
    "job_id",
    "closed_on",
    "furthest_stage",
    "rejection_category",
    "best_rating",
    "priority_score",
]
PURGE_COLUMNS = [
    "source_system",
    "candidate_id",
    "person_id",
    "as_of_date",
    "purge_reason",
    "purge_due_on",
]
BLOCKED_COLUMNS = [
    "source_system",
    "candidate_id",
    "person_id",
    "as_of_date",
    "would_be_purge_reason",
    "quarantine_reasons",
]

# Exclusion reasons in priority order (recontact-rules.md table, # 1..13, with v1.1's
# data_quality_hold inserted as #4, "Data-quality hold").
EXCLUSION_ORDER = [
    "erasure_requested",
    "deleted_in_source",
    "stop_use_requested",
    "data_quality_hold",
    "hired",
    "active_application",
    "no_closed_application",
    "retention_expired",
    "no_recontact_consent",
    "stop_contact_requested",
    "disqualified",
    "recently_contacted",
    "too_recent",
    "outside_lookback",
]
COHORT_ORDER = ["final_interview", "culture_fit", "offer_declined_conditions", "timing_headcount"]
PURGE_ORDER = ["erasure_requested", "deleted_in_source", "retention_expired"]

# Canonical stages and their order (ats-export-v1.md, "stage_map").
# AMBIGUITY: a stage event takes the stage_order of its stage_map row, while the thresholds
# "at least offer" and "furthest_stage >= final_interview" use these contract orders (6, 5).
# They agree for any seed that follows the contract (the real seeds do; a test checks it).
CANONICAL_STAGE_ORDER = {
    "applied": 1,
    "screening": 2,
    "first_interview": 3,
    "second_interview": 4,
    "final_interview": 5,
    "offer": 6,
    "hired": 7,
}

CLOSED_STATUSES = {"rejected", "withdrawn", "offer_declined"}

# Quarantine reasons (interp 3, 4, 5).
MISSING_VALUE = "missing_required_value"
BAD_TIMESTAMP = "unparseable_timestamp"
BAD_NUMBER = "unparseable_number"
BAD_BOOLEAN = "unparseable_boolean"
BAD_ENUM = "unknown_enum_value"
BAD_RATING = "rating_out_of_range"
CONFLICT = "conflicting_duplicate"
IMPOSSIBLE_DATES = "closed_before_applied"
FUTURE_TIMESTAMP = "future_timestamp"
# v1.1: a consent event or privacy request naming no candidate of its source.
UNKNOWN_CANDIDATE = "unknown_candidate"
NEEDS_KNOWN_CANDIDATE = ("consent_events", "privacy_requests")

# Timestamps that may lie ahead of the build: a consent's expiry, a job's planned close.
# Every other one later than the wall clock plus var future_grace_days (dbt_project.yml)
# cannot have happened yet.
MAY_BE_FUTURE = {
    ("consent_events", "expires_at"),
    ("jobs", "closed_at"),
    # an opening may be announced before it starts, and says when it will close
    ("openings", "opened_on"),
    ("openings", "closes_on"),
}
FUTURE_GRACE = dt.timedelta(days=31)
# No event of an applicant's history predates this day (var earliest_plausible_date,
# docs/hostile-input.md): a timestamp written before it (year 1, 1900) is unreadable.
EARLIEST_PLAUSIBLE_DATE = date(2000, 1, 1)
# No UTC offset in use lies beyond ±14:00; a wider one is unreadable.
MAX_OFFSET = dt.timedelta(hours=14)


# --------------------------------------------------------------------------------------------
# Input contract: entities, their columns and how each column is typed
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    name: str
    key: str
    mutable: bool  # mutable = latest updated_at wins; otherwise append-only events
    columns: tuple[str, ...]  # every contract column, in contract order
    required: tuple[str, ...]
    timestamps: tuple[str, ...] = ()
    booleans: tuple[str, ...] = ()
    integers: tuple[str, ...] = ()
    enums: dict[str, frozenset[str]] = field(default_factory=dict)


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in [
        Entity(
            "candidates",
            key="candidate_id",
            mutable=True,
            columns=(
                "candidate_id",
                "full_name",
                "email",
                "phone",
                "country",
                "region",
                "created_at",
                "updated_at",
                "is_deleted",
            ),
            required=("candidate_id", "country", "updated_at"),
            timestamps=("created_at", "updated_at"),
            booleans=("is_deleted",),
        ),
        Entity(
            "jobs",
            key="job_id",
            mutable=True,
            columns=(
                "job_id",
                "title",
                "job_family",
                "department",
                "country",
                "status",
                "opened_at",
                "closed_at",
                "updated_at",
            ),
            required=("job_id", "title", "updated_at"),
            timestamps=("opened_at", "closed_at", "updated_at"),
            enums={"status": frozenset({"open", "on_hold", "closed", "filled"})},
        ),
        Entity(
            "applications",
            key="application_id",
            mutable=True,
            columns=(
                "application_id",
                "candidate_id",
                "job_id",
                "applied_at",
                "status",
                "closed_at",
                "rejection_reason",
                "updated_at",
            ),
            required=(
                "application_id",
                "candidate_id",
                "job_id",
                "applied_at",
                "status",
                "updated_at",
            ),
            timestamps=("applied_at", "closed_at", "updated_at"),
            enums={
                "status": frozenset({"active", "rejected", "withdrawn", "offer_declined", "hired"})
            },
        ),
        Entity(
            "stage_events",
            key="stage_event_id",
            mutable=False,
            columns=("stage_event_id", "application_id", "stage", "entered_at"),
            required=("stage_event_id", "application_id", "stage", "entered_at"),
            timestamps=("entered_at",),
        ),
        Entity(
            "evaluations",
            key="evaluation_id",
            mutable=False,
            columns=(
                "evaluation_id",
                "application_id",
                "stage",
                "evaluated_at",
                "rating",
                "strengths",
                "concerns",
            ),
            required=("evaluation_id", "application_id", "evaluated_at"),
            timestamps=("evaluated_at",),
            integers=("rating",),
        ),
        Entity(
            "offers",
            key="offer_id",
            mutable=True,
            columns=(
                "offer_id",
                "application_id",
                "extended_at",
                "status",
                "decline_reason",
                "updated_at",
            ),
            required=("offer_id", "application_id", "extended_at", "status", "updated_at"),
            timestamps=("extended_at", "updated_at"),
            enums={"status": frozenset({"pending", "accepted", "declined", "rescinded"})},
        ),
        Entity(
            "consent_events",
            key="consent_event_id",
            mutable=False,
            columns=(
                "consent_event_id",
                "candidate_id",
                "purpose",
                "action",
                "recorded_at",
                "expires_at",
                "notice_version",
                "channel",
            ),
            required=("consent_event_id", "candidate_id", "purpose", "action", "recorded_at"),
            timestamps=("recorded_at", "expires_at"),
            enums={
                "purpose": frozenset({"retention", "recontact"}),
                "action": frozenset({"granted", "withdrawn"}),
            },
        ),
        Entity(
            "privacy_requests",
            key="request_id",
            mutable=False,
            columns=("request_id", "candidate_id", "request_type", "received_at", "completed_at"),
            required=("request_id", "candidate_id", "request_type", "received_at"),
            timestamps=("received_at", "completed_at"),
            enums={"request_type": frozenset({"erasure", "stop_use", "stop_contact"})},
        ),
        Entity(
            "outreach_events",
            key="outreach_id",
            mutable=False,
            columns=(
                "outreach_id",
                "candidate_id",
                "sent_at",
                "channel",
                "cohort",
                "outcome",
                "outcome_at",
            ),
            required=("outreach_id", "candidate_id", "sent_at"),
            timestamps=("sent_at", "outcome_at"),
            enums={
                "outcome": frozenset(
                    {"no_response", "interested", "not_interested", "opt_out", "reapplied"}
                )
            },
        ),
        # recontact-outreach v1: company-side, mutable (latest updated_at wins)
        Entity(
            "openings",
            key="opening_id",
            mutable=True,
            columns=(
                "opening_id",
                "job_id",
                "situation",
                "language",
                "target_cohorts",
                "opened_on",
                "closes_on",
                "updated_at",
            ),
            required=("opening_id", "job_id", "situation", "language", "opened_on", "updated_at"),
            timestamps=("opened_on", "closes_on", "updated_at"),
            enums={"language": frozenset({"ja", "en"})},
        ),
    ]
}

# File formats, in the order they are read within one batch.
# AMBIGUITY: the contract does not say what happens when one batch holds the same entity in
# several formats; all are read, in this (alphabetical) order.
FORMATS = ("csv", "jsonl", "parquet")


# --------------------------------------------------------------------------------------------
# Small helpers: month arithmetic, local time, parsing
# --------------------------------------------------------------------------------------------


def add_months(d: date, n: int) -> date:
    """Calendar months, clamped to the month's end: 2026-01-31 + 1 month = 2026-02-28."""
    month_index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def person_id(record_key: str) -> str:
    """interp 1 and docs/identity.md: md5 of the smallest 'source_system|candidate_id'
    among the person's records, hex."""
    return hashlib.md5(record_key.encode()).hexdigest()


# ---- identity (docs/identity.md), written from the document, not from the SQL --------------


def email_key(email: str | None) -> str | None:
    text = (email or "").strip(" ").lower()
    return text if re.fullmatch(r"[^@ ]+@[^@ ]+\.[^@ ]+", text) else None


def phone_key(phone: str | None) -> str | None:
    if phone is None:
        return None
    digits = re.sub(r"[^0-9]", "", phone)
    if len(digits) < 7:
        return None
    text = phone.strip(" ")
    if text.startswith("+81"):
        return "0" + digits[2:]
    return "+" + digits if text.startswith("+") else digits


def name_key(full_name: str | None) -> str | None:
    return (full_name or "").replace(" ", "").replace("\u3000", "").lower() or None


def identify(candidates: list[dict]) -> dict[str, str]:
    """record key -> the smallest record key of its person (union-find over the matches:
    same e-mail key, or same phone key and name key)."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_by_match: dict[tuple, str] = {}
    for candidate in candidates:
        key = f"{candidate['source_system']}|{candidate['candidate_id']}"
        parent.setdefault(key, key)
        matches = [("email", email_key(candidate["email"]))]
        phone, name = phone_key(candidate["phone"]), name_key(candidate["full_name"])
        if phone and name:
            matches.append(("phone_name", phone, name))
        for match in matches:
            if match[-1] is None:
                continue
            if match in first_by_match:
                join(key, first_by_match[match])
            else:
                first_by_match[match] = key
    return {key: root(key) for key in parent}


def norm_key(value: str | None) -> str:
    """Mapping keys compare as lower(trim(value)) (interp 6)."""
    return (value or "").strip().lower()


def is_blank(value: str | None) -> bool:
    """interp 6: an empty or blank reason is 'no reason'."""
    return value is None or value.strip() == ""


# AMBIGUITY: "ISO 8601" is read as YYYY-MM-DD, optionally followed by 'T' or ' ' and
# HH:MM[:SS[.fraction]], optionally followed by an offset Z / +HH / +HHMM / +HH:MM. Other
# ISO forms (week dates, basic format 20260115T1000, lower-case 't'/'z') are unparseable.
# Leading/trailing blanks are ignored (as DuckDB's cast does).
_TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"  # date
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"  # optional time
    r"(Z|[+-]\d{2}(?::?\d{2})?)?)?$"  # optional offset (only after a time)
)


def parse_timestamp(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 text -> naive local datetime in the source's time zone (interp 2).

    With an offset ('Z', '+09:00', '+0900', '+09') the instant is converted to ``tz``;
    without one the text already is local time; a bare YYYY-MM-DD is that date at midnight.
    Raises ValueError when the text is not such a timestamp.
    """
    m = _TIMESTAMP_RE.match(text.strip())
    if not m:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    if (int(year), int(month), int(day)) < EARLIEST_PLAUSIBLE_DATE.timetuple()[:3]:
        raise ValueError(f"before {EARLIEST_PLAUSIBLE_DATE}: {text!r}")
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    value = datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        micro,
    )
    if offset:
        if offset == "Z":
            delta = dt.timedelta(0)
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
            delta = sign * dt.timedelta(hours=hours, minutes=minutes)
            if minutes > 59 or abs(delta) > MAX_OFFSET:
                raise ValueError(f"bad offset: {text!r}")
        value = value.replace(tzinfo=dt.timezone(delta)).astimezone(tz).replace(tzinfo=None)
    return value


def parse_boolean(text: str | None) -> bool:
    """interp 5: true/false/t/f/1/0/yes/no in any case; empty is false."""
    if text is None or text.strip() == "":
        return False
    lowered = text.strip().lower()
    if lowered in {"true", "t", "1", "yes"}:
        return True
    if lowered in {"false", "f", "0", "no"}:
        return False
    raise ValueError(f"not a boolean: {text!r}")


_INTEGER_RE = re.compile(r"^[+-]?\d+$")


def parse_integer(text: str) -> int:
    # AMBIGUITY: rating is "integer 1-5". Only integer text is accepted here; '4.0' or '4.5'
    # is an unparseable number (DuckDB's try_cast(... as integer) would accept both, rounding
    # '4.5' to 5).
    if not _INTEGER_RE.match(text.strip()):
        raise ValueError(f"not an integer: {text!r}")
    return int(text.strip())


def local_date(value: datetime | None) -> date | None:
    """The `_on` date of a (local) timestamp."""
    return value.date() if value is not None else None


# --------------------------------------------------------------------------------------------
# Reading files: every value becomes a string or None, whatever the file format
# --------------------------------------------------------------------------------------------


def to_text(value: object) -> str | None:
    """A parquet / JSON value as the text the CSV would carry. Empty string = NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        # AMBIGUITY: a naive parquet timestamp is read as local time (like a CSV timestamp
        # without an offset); a tz-aware one keeps its offset and is converted.
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value)
    # Every value is trimmed and a blank one is NULL, in every format (interp 5).
    return text.strip() or None


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        rows = []
        for record in reader:
            if not record:
                continue  # a blank line is not a row
            values = [(v.strip() or None) for v in record]
            # AMBIGUITY: a ragged row (not RFC 4180) is padded with NULLs / cut to the header.
            values += [None] * (len(header) - len(values))
            rows.append(dict(zip(header, values, strict=False)))
        return header, rows


def read_jsonl(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    header: list[str] = []
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            obj = json.loads(line)
            for name in obj:
                if name not in header:
                    header.append(name)
            rows.append({name: to_text(value) for name, value in obj.items()})
    return header, rows


def read_parquet(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    import pyarrow.parquet as pq  # imported here: only needed when a parquet file exists

    table = pq.read_table(path)
    rows = [{name: to_text(value) for name, value in row.items()} for row in table.to_pylist()]
    return list(table.column_names), rows


READERS = {"csv": read_csv, "jsonl": read_jsonl, "parquet": read_parquet}


@dataclass
class RawRow:
    """One row as delivered: where it came from and its text values."""

    batch_id: str
    file: str
    row_number: int
    values: dict[str, str | None]


def read_landing(landing_dir: Path) -> tuple[dict[str, list[RawRow]], set[tuple[str, str]]]:
    """All rows of every entity, batches in `batch_id` order (ats-export-v1.md, "Layout").

    Returns the rows per entity and the set of (entity, column) unknown extra columns, which
    are ignored but reported. A missing required column fails with a clear error.
    """
    rows: dict[str, list[RawRow]] = {name: [] for name in ENTITIES}
    unknown: set[tuple[str, str]] = set()
    root = landing_dir / SOURCE_SYSTEM
    if not root.is_dir():
        return rows, unknown
    for batch_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for name, entity in ENTITIES.items():
            for fmt in FORMATS:
                path = batch_dir / f"{name}.{fmt}"
                if not path.is_file():
                    continue
                header, records = READERS[fmt](path)
                missing = [c for c in entity.required if c not in header]
                # AMBIGUITY: "fails the load of that entity": the oracle stops altogether.
                if missing:
                    raise ValueError(f"{path}: missing required column(s) {', '.join(missing)}")
                unknown |= {(name, c) for c in header if c not in entity.columns}
                for number, record in enumerate(records, start=1):
                    values = {c: record.get(c) for c in entity.columns}
                    rows[name].append(RawRow(batch_dir.name, path.name, number, values))
    return rows, unknown


# --------------------------------------------------------------------------------------------
# Staging: typing, bad rows, dedup
# --------------------------------------------------------------------------------------------


def type_row(entity: Entity, values: dict[str, str | None], tz: ZoneInfo) -> dict | str:
    """Typed row, or the quarantine reason when the row is bad (interp 5).

    AMBIGUITY: a row with several faults gets the first reason in this order of checks:
    missing value, timestamp, number, boolean, enum, rating range, closed before applied,
    a timestamp after the wall clock plus FUTURE_GRACE (docs/hostile-input.md).
    """
    for column in entity.required:
        if values[column] is None:
            return MISSING_VALUE
    typed: dict[str, object] = dict(values)
    for column in entity.timestamps:
        if values[column] is not None:
            try:
                typed[column] = parse_timestamp(values[column], tz)
            except ValueError:
                return BAD_TIMESTAMP
    for column in entity.integers:
        if values[column] is not None:
            try:
                typed[column] = parse_integer(values[column])
            except ValueError:
                return BAD_NUMBER
    for column in entity.booleans:
        try:
            typed[column] = parse_boolean(values[column])
        except ValueError:
            return BAD_BOOLEAN
    for column, allowed in entity.enums.items():
        # Enum values compare case-insensitively (values are already trimmed; interp 5).
        if values[column] is not None:
            typed[column] = values[column].lower()
            if typed[column] not in allowed:
                return BAD_ENUM
    if entity.name == "evaluations" and typed["rating"] is not None:
        if not 1 <= typed["rating"] <= 5:
            return BAD_RATING
    if entity.name == "applications" and typed["closed_at"] is not None:
        if typed["closed_at"] < typed["applied_at"]:
            return IMPOSSIBLE_DATES
    if entity.name == "openings" and typed["closes_on"] is not None:
        if typed["closes_on"].date() < typed["opened_on"].date():
            return IMPOSSIBLE_DATES
    latest_possible = datetime.now(tz).replace(tzinfo=None) + FUTURE_GRACE
    for column in entity.timestamps:
        if (entity.name, column) not in MAY_BE_FUTURE and values[column] is not None:
            if typed[column] > latest_possible:
                return FUTURE_TIMESTAMP
    return typed


def content_key(entity: Entity, row: dict) -> tuple:
    """The row's full typed content as a sortable tuple (NULLs last in every column)."""
    return tuple((row[c] is None, row[c] if row[c] is not None else 0) for c in entity.columns)


@dataclass
class Quarantine:
    """Rows not used: the count per (entity, reason), and per row the candidate_id and
    application_id it names (v1.1, "Data-quality hold": their person is held)."""

    counts: Counter = field(default_factory=Counter)
    refs: list[tuple[str | None, str | None, str]] = field(default_factory=list)

    def add(self, entity: Entity, values: dict, reason: str) -> None:
        self.counts[(entity.name, reason)] += 1
        names = entity.columns
        self.refs.append(
            (
                values.get("candidate_id") if "candidate_id" in names else None,
                values.get("application_id") if "application_id" in names else None,
                reason,
            )
        )


def latest_version_wins(entity: Entity, rows: list[tuple[RawRow, dict]], quarantine: Quarantine):
    """Mutable entities (interp 3): per key, latest updated_at, then later batch_id.

    Rows tied on both are ordered by their full content; the first in that order wins and the
    other tied rows are quarantined as conflicting_duplicate unless identical to the winner.
    Older versions are superseded, not quarantined.
    """
    by_key: dict[str, list[tuple[RawRow, dict]]] = defaultdict(list)
    for raw, row in rows:
        by_key[row[entity.key]].append((raw, row))
    winners = {}
    for key, versions in by_key.items():
        latest = max((row["updated_at"], raw.batch_id) for raw, row in versions)
        tied = [row for raw, row in versions if (row["updated_at"], raw.batch_id) == latest]
        # AMBIGUITY: interp 3 orders tied rows "by their full content" without a direction;
        # here the smallest content (column by column, contract column order, NULLs last)
        # wins.
        tied.sort(key=lambda row: content_key(entity, row))
        winner = tied[0]
        for loser in tied[1:]:
            if content_key(entity, loser) != content_key(entity, winner):
                quarantine.add(entity, loser, CONFLICT)
        winners[key] = winner
    return winners


def first_delivery_wins(entity: Entity, rows: list[tuple[RawRow, dict]], quarantine: Quarantine):
    """Event entities (interp 4): per id the first delivery (earliest batch) wins.

    A later delivery with different content is quarantined as conflicting_duplicate; an
    identical one is a harmless re-delivery.
    AMBIGUITY: within one batch "first" is file order (csv, jsonl, parquet), then row order.
    """
    winners: dict[str, dict] = {}
    for _raw, row in rows:  # rows are already in batch, file, row order
        key = row[entity.key]
        if key not in winners:
            winners[key] = row
        elif content_key(entity, row) != content_key(entity, winners[key]):
            quarantine.add(entity, row, CONFLICT)
    return winners


def stage_entities(raw_rows: dict[str, list[RawRow]], tz: ZoneInfo):
    """Typed, deduplicated rows per entity, plus the rows not used (Quarantine).

    v1.1: a staged consent event or privacy request whose candidate_id is no staged
    candidate's is quarantined as unknown_candidate (ids compare exactly). The rule names
    "a candidate row of its source"; a candidate whose every row is quarantined has no
    record the rules decide on, so it counts as unknown (docs/rules-interpretation.md).
    """
    quarantine = Quarantine()
    staged: dict[str, list[dict]] = {}
    for name, entity in ENTITIES.items():
        good: list[tuple[RawRow, dict]] = []
        for raw in raw_rows[name]:
            typed = type_row(entity, raw.values, tz)
            if isinstance(typed, str):
                quarantine.add(entity, raw.values, typed)
            else:
                good.append((raw, typed))
        if entity.mutable:
            winners = latest_version_wins(entity, good, quarantine)
        else:
            winners = first_delivery_wins(entity, good, quarantine)
        staged[name] = [winners[k] for k in sorted(winners)]
    known = {c["candidate_id"] for c in staged["candidates"]}
    for name in NEEDS_KNOWN_CANDIDATE:
        kept = []
        for row in staged[name]:
            if row["candidate_id"] in known:
                kept.append(row)
            else:
                quarantine.add(ENTITIES[name], row, UNKNOWN_CANDIDATE)
        staged[name] = kept
    return staged, quarantine


# --------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------


def read_seed(seeds_dir: Path, name: str) -> list[dict[str, str]]:
    with (seeds_dir / f"{name}.csv").open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def optional_int(text: str | None) -> int | None:
    return int(text.strip()) if text is not None and text.strip() != "" else None


@dataclass
class Policy:
    jurisdiction: str
    months_without_consent: int | None
    months_with_consent: int | None
    legal_min_months: int | None


@dataclass
class Seeds:
    stage_order: dict[str, tuple[str, int]]  # lower(trim(source_stage)) -> (stage, order)
    reason_category: dict[str, str]  # lower(trim(source_reason)) -> category
    policies: dict[str, Policy]  # lower(trim(jurisdiction)) -> policy
    eu_countries: set[str]  # lower(trim(country))


def load_seeds(seeds_dir: Path) -> Seeds:
    # AMBIGUITY: a mapping key (lower(trim)) listed twice in a seed would be a seed error;
    # here the first row wins (a SQL join would duplicate rows instead).
    stage_order = {}
    for row in read_seed(seeds_dir, "stage_map"):
        if norm_key(row["source_system"]) == SOURCE_SYSTEM:
            stage_order.setdefault(
                norm_key(row["source_stage"]), (row["stage"].strip(), int(row["stage_order"]))
            )
    reason_category = {}
    for row in read_seed(seeds_dir, "rejection_reason_map"):
        if norm_key(row["source_system"]) == SOURCE_SYSTEM:
            reason_category.setdefault(norm_key(row["source_reason"]), row["category"].strip())
    policies = {}
    for row in read_seed(seeds_dir, "retention_policies"):
        policies[norm_key(row["jurisdiction"])] = Policy(
            row["jurisdiction"].strip(),
            optional_int(row["months_without_consent"]),
            optional_int(row["months_with_consent"]),
            optional_int(row["legal_min_months"]),
        )
    eu = {norm_key(row["country"]) for row in read_seed(seeds_dir, "eu_member_states")}
    return Seeds(stage_order, reason_category, policies, eu)


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


@dataclass
class Params:
    as_of: date
    cooldown_days: int
    min_months_since_close: int
    lookback_months: int


def rule_set_version(params: Params) -> str:
    """interp 26: 'v1.1', plus every non-default parameter, e.g. 'v1.1;cooldown_days=90'.

    AMBIGUITY: the page gives one example only; parameters are named without the
    'recontact_' prefix (as in the example) and appended in the order cooldown_days,
    min_months_since_close, lookback_months, separated by ';'.
    """
    parts = [RULE_SET]
    if params.cooldown_days != DEFAULT_COOLDOWN_DAYS:
        parts.append(f"cooldown_days={params.cooldown_days}")
    if params.min_months_since_close != DEFAULT_MIN_MONTHS_SINCE_CLOSE:
        parts.append(f"min_months_since_close={params.min_months_since_close}")
    if params.lookback_months != DEFAULT_LOOKBACK_MONTHS:
        parts.append(f"lookback_months={params.lookback_months}")
    return ";".join(parts)


# ---- jurisdiction ---------------------------------------------------------------------------


def resolve_jurisdiction(candidate: dict, seeds: Seeds) -> tuple[str, Policy | None]:
    """`country-region` if such a policy row exists, else `country`, else `EU` for an EU
    member state, else `default` (ats-export-v1.md, retention_policies)."""
    country = norm_key(candidate["country"])
    region = norm_key(candidate["region"])
    if region and f"{country}-{region}" in seeds.policies:
        policy = seeds.policies[f"{country}-{region}"]
        return policy.jurisdiction, policy
    if country in seeds.policies:
        return seeds.policies[country].jurisdiction, seeds.policies[country]
    # AMBIGUITY: when the EU (or default) row is missing from the seed, the jurisdiction is
    # still reported as 'EU' (or 'default') and there is no policy: the retention dates are NULL.
    if country in seeds.eu_countries:
        policy = seeds.policies.get("eu")
        return (policy.jurisdiction if policy else "EU"), policy
    policy = seeds.policies.get("default")
    return (policy.jurisdiction if policy else "default"), policy


# ---- applications at D ----------------------------------------------------------------------


def closed_on(application: dict) -> date:
    """Date of closed_at, or of updated_at when closed_at is empty."""
    return local_date(application["closed_at"] or application["updated_at"])


def is_counted(application: dict, as_of: date) -> bool:
    """An application counts if applied_at is by D (interp 7: otherwise ignored entirely)."""
    return local_date(application["applied_at"]) <= as_of


def is_closed_at(application: dict, as_of: date) -> bool:
    return application["status"] in CLOSED_STATUSES and closed_on(application) <= as_of


def is_hired_at(application: dict, as_of: date) -> bool:
    return application["status"] == "hired" and closed_on(application) <= as_of


def is_open_at(application: dict, as_of: date) -> bool:
    """Status active, or a final status whose closed_on is after D."""
    return not is_closed_at(application, as_of) and not is_hired_at(application, as_of)


def last_closed_on(applications: list[dict], as_of: date) -> date | None:
    dates = [closed_on(a) for a in applications if is_closed_at(a, as_of)]
    return max(dates) if dates else None


# ---- consent --------------------------------------------------------------------------------


def latest_consent(events: list[dict], purpose: str, as_of: date) -> dict | None:
    """interp 10: among the purpose's events recorded by D, the latest recorded_at; on a tie
    withdrawn wins, then the earliest expires_at (empty last), then the smallest id."""
    candidates = [
        e for e in events if e["purpose"] == purpose and local_date(e["recorded_at"]) <= as_of
    ]
    if not candidates:
        return None
    # Sort in steps, least significant key first (Python's sort is stable).
    candidates.sort(key=lambda e: e["consent_event_id"])  # smallest id
    candidates.sort(key=lambda e: (e["expires_at"] is None, e["expires_at"] or datetime.min))
    candidates.sort(key=lambda e: e["action"] != "withdrawn")  # withdrawn first
    candidates.sort(key=lambda e: e["recorded_at"], reverse=True)  # latest first
    return candidates[0]


def is_consent_valid(event: dict | None, as_of: date) -> bool:
    """Granted, and expires_at empty or its date after D."""
    if event is None or event["action"] != "granted":
        return False
    return event["expires_at"] is None or local_date(event["expires_at"]) > as_of


def person_consent_valid(latest_events: list[dict], as_of: date) -> bool:
    """The most restrictive consent wins: the latest event of every record that has one
    must be valid (docs/identity.md)."""
    return bool(latest_events) and all(is_consent_valid(e, as_of) for e in latest_events)


def person_consent_expires_on(latest_events: list[dict]) -> date | None:
    """The earliest expiry of the records' latest grants; NULL when any is a withdrawal."""
    if any(e["action"] != "granted" for e in latest_events):
        return None
    expiries = [local_date(e["expires_at"]) for e in latest_events if e["expires_at"]]
    return min(expiries) if expiries else None


# ---- retention ------------------------------------------------------------------------------


def retention_dates(
    last_closed: date | None,
    has_open: bool,
    has_hire: bool,
    retention_consents: list[dict],
    policy: Policy | None,
    as_of: date,
) -> tuple[date | None, date | None]:
    """(use_allowed_until, legal_hold_until); both NULL for a person who is hired, has an
    open application or has no closed application (interp 12)."""
    if last_closed is None or has_open or has_hire or policy is None:
        return None, None
    if person_consent_valid(retention_consents, as_of):
        use_until = (
            add_months(last_closed, policy.months_with_consent)
            if policy.months_with_consent is not None
            else None
        )
        expiry = person_consent_expires_on(retention_consents)
        if expiry is not None:
            use_until = min(use_until, expiry) if use_until is not None else expiry
    else:
        use_until = (
            add_months(last_closed, policy.months_without_consent)
            if policy.months_without_consent is not None
            else None
        )
    legal_until = (
        add_months(last_closed, policy.legal_min_months)
        if policy.legal_min_months is not None
        else None
    )
    return use_until, legal_until


def is_retention_expired(use_until: date | None, legal_until: date | None, as_of: date) -> bool:
    """D >= use_allowed_until; interp 13: needs both dates."""
    return use_until is not None and legal_until is not None and as_of >= use_until


# ---- exclusion reasons, one function each ---------------------------------------------------


def received_by(requests: list[dict], request_type: str, as_of: date) -> list[dict]:
    return [
        r
        for r in requests
        if r["request_type"] == request_type and local_date(r["received_at"]) <= as_of
    ]


def has_erasure_request(p: PersonFacts) -> bool:
    return bool(received_by(p.requests, "erasure", p.as_of))


def deleted_in_source_on(p: PersonFacts) -> date | None:
    """interp 8: is_deleted = true and its updated_at date is by D, for any of the
    person's records; the earliest such date."""
    dates = [
        local_date(c["updated_at"])
        for c in p.candidates
        if c["is_deleted"] and local_date(c["updated_at"]) <= p.as_of
    ]
    return min(dates) if dates else None


def is_deleted_in_source(p: PersonFacts) -> bool:
    return deleted_in_source_on(p) is not None


def has_stop_use_request(p: PersonFacts) -> bool:
    return bool(received_by(p.requests, "stop_use", p.as_of))


def is_data_quality_held(p: PersonFacts) -> bool:
    """v1.1: a quarantined row names one of the person's records or applications."""
    return bool(p.quarantine_reasons)


def is_hired(p: PersonFacts) -> bool:
    return p.has_hire


def has_active_application(p: PersonFacts) -> bool:
    return p.has_open


def has_no_closed_application(p: PersonFacts) -> bool:
    return p.last_closed_on is None


def has_retention_expired(p: PersonFacts) -> bool:
    return is_retention_expired(p.use_allowed_until, p.legal_hold_until, p.as_of)


def has_no_recontact_consent(p: PersonFacts) -> bool:
    return not person_consent_valid(p.recontact_consents, p.as_of)


def opt_out_on(outreach: dict, as_of: date) -> date | None:
    """interp 14: an opt-out counts from the date of outcome_at, else of sent_at; both must
    be by D. Returns the date when the opt-out counts at D, else None."""
    if outreach["outcome"] != "opt_out" or local_date(outreach["sent_at"]) > as_of:
        return None
    counted_on = local_date(outreach["outcome_at"] or outreach["sent_at"])
    return counted_on if counted_on <= as_of else None


def has_stop_contact(p: PersonFacts) -> bool:
    if received_by(p.requests, "stop_contact", p.as_of):
        return True
    return any(opt_out_on(o, p.as_of) is not None for o in p.outreach)


def is_disqualified(p: PersonFacts) -> bool:
    """interp 16: only the application's own rejection_reason counts."""
    return any(
        own_reason_category(a, p.seeds) == "disqualified"
        for a in p.applications
        if is_closed_at(a, p.as_of)
    )


def was_recently_contacted(p: PersonFacts) -> bool:
    """interp 15: S = latest sent_at date by D; applies when D < S + cooldown days."""
    sent = [local_date(o["sent_at"]) for o in p.outreach if local_date(o["sent_at"]) <= p.as_of]
    if not sent:
        return False
    return p.as_of < max(sent) + dt.timedelta(days=p.params.cooldown_days)


def is_too_recent(p: PersonFacts) -> bool:
    """D < last_closed_on + min_months_since_close months (interp 17: needs last_closed_on)."""
    if p.last_closed_on is None:
        return False
    return p.as_of < add_months(p.last_closed_on, p.params.min_months_since_close)


def is_outside_lookback(p: PersonFacts) -> bool:
    """D >= last_closed_on + lookback_months months (interp 17: needs last_closed_on)."""
    if p.last_closed_on is None:
        return False
    return p.as_of >= add_months(p.last_closed_on, p.params.lookback_months)


EXCLUSION_RULES = {
    "erasure_requested": has_erasure_request,
    "deleted_in_source": is_deleted_in_source,
    "stop_use_requested": has_stop_use_request,
    "data_quality_hold": is_data_quality_held,
    "hired": is_hired,
    "active_application": has_active_application,
    "no_closed_application": has_no_closed_application,
    "retention_expired": has_retention_expired,
    "no_recontact_consent": has_no_recontact_consent,
    "stop_contact_requested": has_stop_contact,
    "disqualified": is_disqualified,
    "recently_contacted": was_recently_contacted,
    "too_recent": is_too_recent,
    "outside_lookback": is_outside_lookback,
}
assert list(EXCLUSION_RULES) == EXCLUSION_ORDER


# ---- cohorts --------------------------------------------------------------------------------


def category_of(reason: str | None, seeds: Seeds) -> str | None:
    """Category of a rejection / decline reason; None when blank (no reason); an unmapped
    reason is 'other' (interp 6)."""
    if is_blank(reason):
        return None
    return seeds.reason_category.get(norm_key(reason), "other")


def own_reason_category(application: dict, seeds: Seeds) -> str | None:
    return category_of(application["rejection_reason"], seeds)


def latest_declined_offer(offers: list[dict], as_of: date) -> dict | None:
    """interp 19: declined offers extended by D; latest extended_at, then latest updated_at,
    then largest offer_id."""
    declined = [
        o for o in offers if o["status"] == "declined" and local_date(o["extended_at"]) <= as_of
    ]
    if not declined:
        return None
    return max(declined, key=lambda o: (o["extended_at"], o["updated_at"], o["offer_id"]))


def rejection_category(application: dict, offers: list[dict], seeds: Seeds, as_of: date) -> str:
    own = own_reason_category(application, seeds)
    if own is not None:
        return own
    if application["status"] == "offer_declined":
        offer = latest_declined_offer(offers, as_of)
        declined = category_of(offer["decline_reason"], seeds) if offer else None
        return declined or "other"
    if application["status"] == "withdrawn":
        return "candidate_withdrew"
    return "other"


def furthest_stage(
    stage_events: list[dict], offers: list[dict], seeds: Seeds, as_of: date
) -> tuple[str | None, int | None]:
    """interp 18: highest stage_order among mapped stage events entered by D; raised to
    `offer` when an offer (any status) was extended by D; (None, None) when neither."""
    reached: list[tuple[int, str]] = []
    for event in stage_events:
        if local_date(event["entered_at"]) > as_of:
            continue
        mapped = seeds.stage_order.get(norm_key(event["stage"]))
        if mapped is None:
            continue  # unmapped stage: no canonical stage, does not count
        stage, order = mapped
        reached.append((order, stage))
    if any(local_date(o["extended_at"]) <= as_of for o in offers):
        reached.append((CANONICAL_STAGE_ORDER["offer"], "offer"))
    if not reached:
        return None, None
    top = max(order for order, _stage in reached)
    # Several names with the same order cannot happen with a sane seed; take the smallest.
    return min(stage for order, stage in reached if order == top), top


def best_rating(evaluations: list[dict], as_of: date) -> int | None:
    """interp 20: highest rating among evaluations whose evaluated_at date is by D."""
    ratings = [
        e["rating"]
        for e in evaluations
        if e["rating"] is not None and local_date(e["evaluated_at"]) <= as_of
    ]
    return max(ratings) if ratings else None


def qualifies_final_interview(a: AppFacts) -> bool:
    return (
        a.status in {"rejected", "offer_declined"}
        and a.stage_order is not None
        and a.stage_order >= CANONICAL_STAGE_ORDER["final_interview"]
        and a.rejection_category not in {"skills_gap", "disqualified"}
    )


def qualifies_culture_fit(a: AppFacts) -> bool:
    return (
        a.status == "rejected"
        and a.rejection_category == "culture_fit"
        and a.best_rating is not None
        and a.best_rating >= 4
    )


def qualifies_offer_declined_conditions(a: AppFacts) -> bool:
    return a.status == "offer_declined" and a.rejection_category == "offer_conditions"


def qualifies_timing_headcount(a: AppFacts) -> bool:
    return a.status == "rejected" and a.rejection_category in {
        "preferred_other_candidate",
        "headcount_budget",
        "timing",
    }


COHORT_RULES = {
    "final_interview": qualifies_final_interview,
    "culture_fit": qualifies_culture_fit,
    "offer_declined_conditions": qualifies_offer_declined_conditions,
    "timing_headcount": qualifies_timing_headcount,
}
assert list(COHORT_RULES) == COHORT_ORDER


def priority_score(a: AppFacts, params: Params) -> int:
    """interp 22: rating points (0-40) + stage points (0-30) + recency points (0-30)."""
    rating_points = 10 * (a.best_rating - 1) if a.best_rating is not None else 0
    stage_points = 5 * (a.stage_order - 1) if a.stage_order is not None else 0
    days_since = (params.as_of - a.closed_on).days
    window = (add_months(a.closed_on, params.lookback_months) - a.closed_on).days
    # floor division; here 0 <= days_since < window, as D < closed_on + lookback months
    recency_points = (30 * (window - days_since)) // window
    return rating_points + stage_points + recency_points


def best_application(qualifying: list[AppFacts]) -> AppFacts:
    """interp 21: latest closed_on, then higher best_rating (NULL lowest), then the smaller
    application_id as text (byte order; Python compares code points, the same order)."""
    ordered = sorted(qualifying, key=lambda a: a.application_id)  # smallest id first
    ordered.sort(key=lambda a: (a.best_rating is not None, a.best_rating or 0), reverse=True)
    ordered.sort(key=lambda a: a.closed_on, reverse=True)
    return ordered[0]


# ---- purge queue ----------------------------------------------------------------------------


def greatest(*dates: date | None) -> date | None:
    """interp 23: ignores NULLs."""
    present = [d for d in dates if d is not None]
    return max(present) if present else None


def purge_entry(p: PersonFacts) -> tuple[str, date] | None:
    """The first purge reason that applies and its purge_due_on, kept only when due by D
    (interp 24). Hired persons and persons with an open application are never queued.
    The data-quality hold (v1.1) is applied by the caller: a held person's entry goes to
    purge_blocked instead of the queue."""
    if p.has_hire or p.has_open:
        return None
    reason, due = None, None
    erasures = received_by(p.requests, "erasure", p.as_of)
    if erasures:
        earliest = min(local_date(r["received_at"]) for r in erasures)
        reason, due = "erasure_requested", greatest(earliest, p.legal_hold_until)
    elif is_deleted_in_source(p):
        # AMBIGUITY: the purge table says "is_deleted = true"; interp 8 says
        # `deleted_in_source` applies only when the deletion (updated_at) is by D. That reading
        # is applied here too, so a deletion after D lets a later reason (retention_expired)
        # apply. (With the other reading the person would not be queued at all, since
        # purge_due_on >= updated_at date > D.)
        reason, due = "deleted_in_source", greatest(deleted_in_source_on(p), p.legal_hold_until)
    elif has_retention_expired(p) and p.as_of >= p.legal_hold_until:
        reason = "retention_expired"
        due = greatest(p.use_allowed_until, p.legal_hold_until)
    if reason is None or due > p.as_of:
        return None
    return reason, due


# --------------------------------------------------------------------------------------------
# Facts per person and per application, then the marts
# --------------------------------------------------------------------------------------------


@dataclass
class AppFacts:
    application_id: str
    job_id: str
    status: str
    closed_on: date
    furthest_stage: str | None
    stage_order: int | None
    rejection_category: str
    best_rating: int | None


@dataclass
class PersonFacts:
    as_of: date
    params: Params
    seeds: Seeds
    candidates: list[dict]  # the person's records (docs/identity.md)
    jurisdiction: str
    applications: list[dict]  # counted applications only (applied by D), every record's
    requests: list[dict]
    outreach: list[dict]
    recontact_consents: list[dict]  # each record's latest recontact event by D, if any
    retention_consents: list[dict]
    has_hire: bool
    has_open: bool
    last_closed_on: date | None
    use_allowed_until: date | None
    legal_hold_until: date | None
    # v1.1: the reasons of the quarantined rows that name the person (empty: not held)
    quarantine_reasons: set[str] = field(default_factory=set)


@dataclass
class Marts:
    eligibility: list[dict]
    cohorts: list[dict]
    purge_queue: list[dict]
    purge_blocked: list[dict] = field(default_factory=list)
    # Rows not used, per (entity, reason): bad rows and conflicting duplicates.
    quarantine: Counter = field(default_factory=Counter)
    # Unknown extra columns seen (ignored, reported): {(entity, column)}.
    unknown_columns: set = field(default_factory=set)
    # recontact-outreach v1
    job_matches: list[dict] = field(default_factory=list)
    drafts: list[dict] = field(default_factory=list)
    renewal_queue: list[dict] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)

    def as_frames(self):
        """The three marts as pandas DataFrames with exactly the contract columns."""
        import pandas as pd

        return (
            pd.DataFrame(self.eligibility, columns=ELIGIBILITY_COLUMNS),
            pd.DataFrame(self.cohorts, columns=COHORT_COLUMNS),
            pd.DataFrame(self.purge_queue, columns=PURGE_COLUMNS),
        )


def group_by(rows: list[dict], column: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row[column]].append(row)
    return groups


def evaluate(
    landing_dir: Path,
    seeds_dir: Path,
    as_of: date,
    *,
    cooldown_days: int = DEFAULT_COOLDOWN_DAYS,
    min_months_since_close: int = DEFAULT_MIN_MONTHS_SINCE_CLOSE,
    lookback_months: int = DEFAULT_LOOKBACK_MONTHS,
    source_timezone: str = "Asia/Tokyo",
    company_name: str = DEFAULT_COMPANY_NAME,
    consent_renewal_days: int = DEFAULT_CONSENT_RENEWAL_DAYS,
) -> Marts:
    """Compute the three marts as of D from a landing directory and a seeds directory."""
    params = Params(as_of, cooldown_days, min_months_since_close, lookback_months)
    version = rule_set_version(params)
    seeds = load_seeds(Path(seeds_dir))
    raw_rows, unknown_columns = read_landing(Path(landing_dir))
    staged, quarantine = stage_entities(raw_rows, ZoneInfo(source_timezone))
    # v1.1: the reasons of the quarantined rows naming each candidate, directly or through
    # one of their (staged) applications
    owner_of_application = {a["application_id"]: a["candidate_id"] for a in staged["applications"]}
    quarantine_reasons_by_candidate: dict[str, set[str]] = defaultdict(set)
    for candidate_id, application_id, reason in quarantine.refs:
        for named in (candidate_id, owner_of_application.get(application_id)):
            if named is not None:
                quarantine_reasons_by_candidate[named].add(reason)

    applications_by_candidate = group_by(staged["applications"], "candidate_id")
    stages_by_application = group_by(staged["stage_events"], "application_id")
    evaluations_by_application = group_by(staged["evaluations"], "application_id")
    offers_by_application = group_by(staged["offers"], "application_id")
    consents_by_candidate = group_by(staged["consent_events"], "candidate_id")
    requests_by_candidate = group_by(staged["privacy_requests"], "candidate_id")
    outreach_by_candidate = group_by(staged["outreach_events"], "candidate_id")

    for candidate in staged["candidates"]:
        candidate["source_system"] = SOURCE_SYSTEM
    roots = identify(staged["candidates"])
    records_by_person: dict[str, list[dict]] = defaultdict(list)
    for candidate in staged["candidates"]:
        records_by_person[roots[f"{SOURCE_SYSTEM}|{candidate['candidate_id']}"]].append(candidate)

    eligibility, cohorts, purge_queue, purge_blocked = [], [], [], []
    persons: list[tuple[str, list[dict], PersonFacts, list[str]]] = []
    for root_key, records in records_by_person.items():
        # jurisdiction: the most recently updated record (ties: source, then id)
        newest = sorted(records, key=lambda c: (c["source_system"], c["candidate_id"]))
        newest.sort(key=lambda c: c["updated_at"], reverse=True)
        jurisdiction, policy = resolve_jurisdiction(newest[0], seeds)
        owner: dict[str, dict] = {}  # application_id -> its record
        applications, requests, outreach = [], [], []
        recontact_consents, retention_consents = [], []
        held_for: set[str] = set()
        for record in records:
            cid = record["candidate_id"]
            held_for |= quarantine_reasons_by_candidate.get(cid, set())
            for a in applications_by_candidate.get(cid, []):
                if is_counted(a, as_of):
                    applications.append(a)
                    owner[a["application_id"]] = record
            requests += requests_by_candidate.get(cid, [])
            outreach += outreach_by_candidate.get(cid, [])
            consents = consents_by_candidate.get(cid, [])
            for purpose, latest in (
                ("recontact", recontact_consents),
                ("retention", retention_consents),
            ):
                event = latest_consent(consents, purpose, as_of)
                if event is not None:
                    latest.append(event)
        has_hire = any(is_hired_at(a, as_of) for a in applications)
        has_open = any(is_open_at(a, as_of) for a in applications)
        last_closed = last_closed_on(applications, as_of)
        use_until, legal_until = retention_dates(
            last_closed, has_open, has_hire, retention_consents, policy, as_of
        )
        person = PersonFacts(
            as_of=as_of,
            params=params,
            seeds=seeds,
            candidates=records,
            jurisdiction=jurisdiction,
            applications=applications,
            requests=requests,
            outreach=outreach,
            recontact_consents=recontact_consents,
            retention_consents=retention_consents,
            has_hire=has_hire,
            has_open=has_open,
            last_closed_on=last_closed,
            use_allowed_until=use_until,
            legal_hold_until=legal_until,
            quarantine_reasons=held_for,
        )

        def common(record: dict, person_key: str = root_key) -> dict:
            return {
                "source_system": record["source_system"],
                "candidate_id": record["candidate_id"],
                "person_id": person_id(person_key),
                "as_of_date": as_of,
            }

        # Eligibility: every reason that applies, in priority order; one row per record.
        reasons = [name for name, rule in EXCLUSION_RULES.items() if rule(person)]
        persons.append((person_id(root_key), records, person, reasons))
        for record in records:
            eligibility.append(
                {
                    **common(record),
                    "jurisdiction": jurisdiction,
                    "is_eligible": not reasons,
                    "primary_exclusion_reason": reasons[0] if reasons else None,
                    "exclusion_reasons": ",".join(reasons) if reasons else None,
                    "last_closed_on": last_closed,
                    "use_allowed_until": use_until,
                    "legal_hold_until": legal_until,
                    "recontact_consent_expires_on": person_consent_expires_on(recontact_consents),
                    "rule_set_version": version,
                }
            )

        # Cohorts: eligible persons only, applications closed at D within the lookback.
        if not reasons:
            facts = []
            for a in applications:
                if not is_closed_at(a, as_of):
                    continue
                if not as_of < add_months(closed_on(a), lookback_months):
                    continue
                offers = offers_by_application.get(a["application_id"], [])
                stage, order = furthest_stage(
                    stages_by_application.get(a["application_id"], []), offers, seeds, as_of
                )
                facts.append(
                    AppFacts(
                        application_id=a["application_id"],
                        job_id=a["job_id"],
                        status=a["status"],
                        closed_on=closed_on(a),
                        furthest_stage=stage,
                        stage_order=order,
                        rejection_category=rejection_category(a, offers, seeds, as_of),
                        best_rating=best_rating(
                            evaluations_by_application.get(a["application_id"], []), as_of
                        ),
                    )
                )
            for cohort, qualifies in COHORT_RULES.items():
                qualifying = [f for f in facts if qualifies(f)]
                if not qualifying:
                    continue
                best = best_application(qualifying)
                cohorts.append(
                    {
                        **common(owner[best.application_id]),
                        "cohort": cohort,
                        "application_id": best.application_id,
                        "job_id": best.job_id,
                        "closed_on": best.closed_on,
                        "furthest_stage": best.furthest_stage,
                        "rejection_category": best.rejection_category,
                        "best_rating": best.best_rating,
                        "priority_score": priority_score(best, params),
                    }
                )

        # Purge queue: every person, eligible or not; one row per record of a queued person.
        # v1.1: a held person is never queued; they are listed as blocked instead.
        entry = purge_entry(person)
        if entry is not None and is_data_quality_held(person):
            for record in records:
                purge_blocked.append(
                    {
                        **common(record),
                        "would_be_purge_reason": entry[0],
                        "quarantine_reasons": ",".join(sorted(held_for)),
                    }
                )
        elif entry is not None:
            for record in records:
                purge_queue.append(
                    {**common(record), "purge_reason": entry[0], "purge_due_on": entry[1]}
                )

    def by_record(row: dict) -> tuple:
        cohort_rank = COHORT_ORDER.index(row["cohort"]) if "cohort" in row else 0
        return (row["source_system"], row["candidate_id"], cohort_rank)

    eligibility.sort(key=by_record)
    cohorts.sort(key=by_record)
    purge_queue.sort(key=by_record)
    purge_blocked.sort(key=by_record)
    # recontact-outreach v1, from the marts above and the staged rows
    outreach = outreach_marts(
        as_of,
        seeds_dir=Path(seeds_dir),
        seeds=seeds,
        staged=staged,
        cohorts=cohorts,
        persons=persons,
        roots=roots,
        company_name=company_name,
        renewal_days=consent_renewal_days,
    )
    return Marts(
        eligibility,
        cohorts,
        purge_queue,
        purge_blocked,
        quarantine.counts,
        unknown_columns,
        **outreach,
    )


# --------------------------------------------------------------------------------------------
# recontact-outreach v1 (the article's step 3), read from shared/spec/recontact-outreach.md
# and docs/rules-interpretation.md ("Outreach" points), never from the SQL
# --------------------------------------------------------------------------------------------

OUTREACH_RULE_VERSION = "outreach-v1"
MATCH_POINTS = {"same_job": 20, "same_job_family": 10, "same_department": 5}
CLAUSE_MARKS = "。、.,;"
CITE_LIMIT = 120
# Exclusion reasons that do not bar asking for a consent (spec, "Consent renewal").
NOT_BARRING_RENEWAL = {"no_recontact_consent", "too_recent"}


def blank_to_none(text: str | None) -> str | None:
    return text if text is not None and text.strip() != "" else None


def is_opening_open(opening: dict, job: dict | None, as_of: date) -> bool:
    """opened_on <= D, closes_on empty or after D, and the job's latest status `open`."""
    if job is None or job["status"] != "open":
        return False
    if local_date(opening["opened_on"]) > as_of:
        return False
    return opening["closes_on"] is None or local_date(opening["closes_on"]) > as_of


def target_cohorts(opening: dict) -> set[str] | None:
    """The `;`-separated cohort names (trimmed, any case); None = every cohort."""
    names = {n.strip().lower() for n in (opening["target_cohorts"] or "").split(";")}
    names.discard("")
    return names or None


def match_reasons(applied_job_id: str, applied_job: dict | None, opening_job: dict) -> list[str]:
    reasons = []
    if applied_job_id == opening_job["job_id"]:
        reasons.append("same_job")
    for column, reason in (("job_family", "same_job_family"), ("department", "same_department")):
        mine = blank_to_none(applied_job[column]) if applied_job else None
        theirs = blank_to_none(opening_job[column])
        if mine is not None and theirs is not None and mine.strip() == theirs.strip():
            reasons.append(reason)
    return reasons


def cut_citation(text: str) -> str:
    """At most 120 characters whole; longer: through the last clause mark within the first
    120 characters, else the first 119 characters and an ellipsis."""
    if len(text) <= CITE_LIMIT:
        return text
    head = text[:CITE_LIMIT]
    last = max(head.rfind(mark) for mark in CLAUSE_MARKS)
    return head[: last + 1] if last >= 0 else text[: CITE_LIMIT - 1] + "…"


def cited_evaluation(evaluations: list[dict], seeds: Seeds, as_of: date) -> dict | None:
    """Among the evaluations given by D with a strengths text: highest rating (missing
    lowest), then later canonical stage (unmapped lowest), later evaluated_at, smaller id."""
    usable = [
        e
        for e in evaluations
        if local_date(e["evaluated_at"]) <= as_of and blank_to_none(e["strengths"]) is not None
    ]
    if not usable:
        return None

    def stage_order(e: dict) -> int:
        mapped = seeds.stage_order.get(norm_key(e["stage"])) if e["stage"] else None
        return mapped[1] if mapped else 0

    usable.sort(key=lambda e: e["evaluation_id"])
    usable.sort(key=lambda e: e["evaluated_at"], reverse=True)
    usable.sort(key=stage_order, reverse=True)
    usable.sort(key=lambda e: e["rating"] if e["rating"] is not None else 0, reverse=True)
    return usable[0]


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def read_optional_seed(seeds_dir: Path, name: str) -> list[dict[str, str]]:
    """A seed the outreach marts read; a seeds directory without it (the rules-only tests
    write their own) has no templates and no deny-list."""
    return read_seed(seeds_dir, name) if (seeds_dir / f"{name}.csv").is_file() else []


def deny_list(seeds_dir: Path) -> list[tuple[str, str, str, bool]]:
    """(list, term as listed, folded term, whole words only): forbidden-data terms in Latin
    letters match as whole words (as the forbidden_data suite does), other terms and every
    banned phrase as substrings."""
    entries = []
    for row in read_optional_seed(seeds_dir, "forbidden_data_terms"):
        term = row["term"].strip()
        if term:
            folded = fold(term)
            latin = re.fullmatch(r"[a-z0-9 _-]+", folded) is not None
            entries.append(("forbidden_data_term", term, folded, latin))
    for row in read_optional_seed(seeds_dir, "outreach_banned_phrases"):
        phrase = row["phrase"].strip()
        if phrase:
            entries.append(("banned_phrase", phrase, fold(phrase), False))
    return entries


def deny_list_hits(text: str, entries: list[tuple[str, str, str, bool]]) -> list[str]:
    folded = fold(text)
    hits = set()
    for list_name, term, folded_term, whole_words in entries:
        if whole_words:
            words = r"[ _-]?".join(re.escape(w) for w in folded_term.split(" "))
            found = re.search(rf"(^|[^a-z0-9]){words}([^a-z0-9]|$)", folded) is not None
        else:
            found = folded_term in folded
        if found:
            hits.add(f"{list_name}:{term}")
    return sorted(hits)


def render(template: str, values: dict[str, str]) -> str:
    """Company-side values first, the candidate's name last (interpretation page)."""
    for placeholder in ("company", "job_title", "situation", "past_evaluation", "name"):
        template = template.replace("{" + placeholder + "}", values[placeholder])
    return template


def outreach_marts(
    as_of: date,
    *,
    seeds_dir: Path,
    seeds: Seeds,
    staged: dict[str, list[dict]],
    cohorts: list[dict],
    persons: list[tuple[str, list[dict], PersonFacts, list[str]]],
    roots: dict[str, str],
    company_name: str,
    renewal_days: int,
) -> dict[str, list[dict]]:
    jobs = {j["job_id"]: j for j in staged["jobs"]}
    candidates = {c["candidate_id"]: c for c in staged["candidates"]}
    open_openings = [
        o for o in staged["openings"] if is_opening_open(o, jobs.get(o["job_id"]), as_of)
    ]

    # ---- matches: per person and opening, the best cohort; then the person's ranks
    best: dict[tuple[str, str], dict] = {}
    for row in cohorts:
        applied_job = jobs.get(row["job_id"])
        for opening in open_openings:
            targets = target_cohorts(opening)
            if targets is not None and row["cohort"] not in targets:
                continue
            reasons = match_reasons(row["job_id"], applied_job, jobs[opening["job_id"]])
            if not reasons:
                continue
            score = row["priority_score"] + sum(MATCH_POINTS[r] for r in reasons)
            match = {
                "source_system": row["source_system"],
                "candidate_id": row["candidate_id"],
                "person_id": row["person_id"],
                "as_of_date": as_of,
                "opening_id": opening["opening_id"],
                "job_id": opening["job_id"],
                "cohort": row["cohort"],
                "application_id": row["application_id"],
                "match_reasons": ",".join(reasons),
                "match_score": score,
                "_language": opening["language"],
            }
            key = (row["person_id"], opening["opening_id"])
            held = best.get(key)
            if held is None or (score, -COHORT_ORDER.index(row["cohort"])) > (
                held["match_score"],
                -COHORT_ORDER.index(held["cohort"]),
            ):
                best[key] = match
    by_person: dict[str, list[dict]] = defaultdict(list)
    for match in best.values():
        by_person[match["person_id"]].append(match)
    job_matches = []
    for matches in by_person.values():
        record = candidates[matches[0]["candidate_id"]]
        language = "ja" if (record["country"] or "").upper() == "JP" else "en"
        matches.sort(key=lambda m: m["opening_id"])
        matches.sort(key=lambda m: m["_language"] != language)
        matches.sort(key=lambda m: m["match_score"], reverse=True)
        for rank, match in enumerate(matches, start=1):
            match["match_rank"] = rank
            job_matches.append(match)

    # ---- drafts: match_rank 1, in the opening's language
    templates = {
        (t["cohort"].strip(), t["language"].strip()): t
        for t in read_optional_seed(seeds_dir, "outreach_templates")
    }
    entries = deny_list(seeds_dir)
    openings = {o["opening_id"]: o for o in open_openings}
    evaluations_by_application = group_by(staged["evaluations"], "application_id")
    drafts = []
    for match in job_matches:
        if match["match_rank"] != 1:
            continue
        opening = openings[match["opening_id"]]
        template = templates.get((match["cohort"], opening["language"]))
        if template is None:
            continue
        cited = cited_evaluation(
            evaluations_by_application.get(match["application_id"], []), seeds, as_of
        )
        values = {
            "company": company_name,
            "job_title": jobs[opening["job_id"]]["title"] or "",
            "situation": opening["situation"],
            "past_evaluation": (
                cut_citation(cited["strengths"]) if cited else template["fallback_evaluation"]
            ),
            "name": candidates[match["candidate_id"]]["full_name"] or "",
        }
        subject = render(template["subject"], values)
        body = render(template["body"], values)
        hits = deny_list_hits(subject + "\n" + body, entries)
        drafts.append(
            {
                "source_system": match["source_system"],
                "candidate_id": match["candidate_id"],
                "person_id": match["person_id"],
                "as_of_date": as_of,
                "opening_id": match["opening_id"],
                "job_id": match["job_id"],
                "cohort": match["cohort"],
                "template_id": template["template_id"],
                "language": opening["language"],
                "subject": subject,
                "body": body,
                "cited_evaluation_id": cited["evaluation_id"] if cited else None,
                "draft_status": "withheld" if hits else "ready",
                "withheld_reason": ",".join(hits) if hits else None,
                "outreach_rule_version": OUTREACH_RULE_VERSION,
                "content_hash": hashlib.sha256(f"{subject}\n{body}".encode()).hexdigest(),
            }
        )
    for match in job_matches:
        del match["_language"]

    # ---- consent renewal: no bar but consent; a withdrawal of the purpose by D bars it
    consents_by_candidate = group_by(staged["consent_events"], "candidate_id")
    horizon = as_of + dt.timedelta(days=renewal_days)
    renewal_queue = []
    for pid, records, person, reasons in persons:
        if set(reasons) - NOT_BARRING_RENEWAL:
            continue
        events = [
            e
            for record in records
            for e in consents_by_candidate.get(record["candidate_id"], [])
            if local_date(e["recorded_at"]) <= as_of
        ]
        first = min(records, key=lambda r: (r["source_system"], r["candidate_id"]))

        def withdrew(purpose: str, events: list[dict] = events) -> bool:
            return any(e["purpose"] == purpose and e["action"] == "withdrawn" for e in events)

        rows = []
        if not withdrew("recontact"):
            expires = person_consent_expires_on(person.recontact_consents)
            if not any(e["purpose"] == "recontact" for e in events):
                rows.append(("recontact", "never_asked", None))
            elif (
                person_consent_valid(person.recontact_consents, as_of)
                and expires is not None
                and expires <= horizon
            ):
                rows.append(("recontact", "recontact_expiring", expires))
        if not withdrew("retention"):
            expires = person_consent_expires_on(person.retention_consents)
            if (
                person_consent_valid(person.retention_consents, as_of)
                and expires is not None
                and expires <= horizon
            ):
                rows.append(("retention", "retention_expiring", expires))
        for purpose, reason, expires in rows:
            renewal_queue.append(
                {
                    "source_system": first["source_system"],
                    "candidate_id": first["candidate_id"],
                    "person_id": pid,
                    "as_of_date": as_of,
                    "purpose": purpose,
                    "renewal_reason": reason,
                    "consent_expires_on": expires,
                }
            )

    # ---- outcomes: per cohort and month of sent_at, each person once
    person_of = {cid: person_id(roots[f"{SOURCE_SYSTEM}|{cid}"]) for cid in candidates}
    groups: dict[tuple[str, str, date], list[dict]] = defaultdict(list)
    for event in staged["outreach_events"]:
        pid = person_of.get(event["candidate_id"])
        if pid is None or local_date(event["sent_at"]) > as_of:
            continue
        cohort = blank_to_none(event["cohort"]) or "unspecified"
        month = local_date(event["sent_at"]).replace(day=1)
        groups[(pid, cohort.strip(), month)].append(event)
    hires = defaultdict(list)
    for a in staged["applications"]:
        pid = person_of.get(a["candidate_id"])
        if pid is not None and is_counted(a, as_of) and is_hired_at(a, as_of):
            hires[pid].append(a["applied_at"])
    tally: dict[tuple[str, date], Counter] = defaultdict(Counter)
    for (pid, cohort, month), events in groups.items():
        known = [
            e
            for e in events
            if e["outcome"] is not None and local_date(e["outcome_at"] or e["sent_at"]) <= as_of
        ]
        known.sort(key=lambda e: (e["outcome_at"] or e["sent_at"], e["outreach_id"]))
        outcome = known[-1]["outcome"] if known else None
        first_sent = min(e["sent_at"] for e in events)
        counts = tally[(cohort, month)]
        counts["contacted"] += 1
        counts["responded"] += outcome is not None and outcome != "no_response"
        counts["interested"] += outcome == "interested"
        counts["reapplied"] += outcome == "reapplied"
        counts["opted_out"] += outcome == "opt_out"
        counts["hired"] += any(applied > first_sent for applied in hires[pid])
    outcomes = []
    for (cohort, month), counts in sorted(tally.items()):
        contacted = counts["contacted"]
        outcomes.append(
            {
                "as_of_date": as_of,
                "cohort": cohort,
                "sent_month": month,
                "contacted_persons": contacted,
                "responded_persons": counts["responded"],
                "interested_persons": counts["interested"],
                "reapplied_persons": counts["reapplied"],
                "hired_after_contact_persons": counts["hired"],
                "opted_out_persons": counts["opted_out"],
                "response_rate": counts["responded"] / contacted,
                "interest_rate": counts["interested"] / contacted,
                "reapplication_rate": counts["reapplied"] / contacted,
                "hire_rate": counts["hired"] / contacted,
                "opt_out_rate": counts["opted_out"] / contacted,
            }
        )
    return {
        "job_matches": job_matches,
        "drafts": drafts,
        "renewal_queue": renewal_queue,
        "outcomes": outcomes,
    }
