"""Retention purge: delete every person in ``marts.retention_purge_queue`` everywhere.

``plan_purge`` reads the queue and finds where each queued person's rows are: the
landing files of every batch (``<landing>/<source_system>/<batch_id>/<entity>.<ext>``)
and every warehouse base table with a ``candidate_id`` or ``application_id`` column.
``apply_purge`` then deletes them, in an order that makes a crash at any point safe
and a re-run finish the job:

1. **tombstones** — ``<state>/tombstones.csv`` gets one salted hash per person
   (``sha256_hex(salt || '|' || source_system || '|' || candidate_id)``, the salt in
   ``<state>/tombstone_salt``), so staging can suppress a later re-delivery;
2. **landing files** — each file holding their rows is rewritten without them
   (temp file in the same directory, fsync, ``os.replace``): a file is always either
   the old or the new version; the Japanese ATS export's vendor files (CP932 or UTF-8,
   Japanese names and headers) go through ``decode.erase_persons``, which also
   regenerates their decoded copies under ``<state>/decoded``;
3. **warehouse** — one read-write transaction deletes their rows from every base table;
   then the DuckDB file is rewritten with its live data only and swapped in atomically
   (:func:`compact_warehouse`: a DELETE alone leaves the values in the file's blocks);
   a marker in the state directory makes a re-run finish that step after a crash;
4. the returned :class:`PurgeReport` (counts only) is what the audit entry records.

What is whose: candidate-keyed entities (candidates, applications, consent_events,
privacy_requests, outreach_events) by ``candidate_id``; application-keyed entities
(stage_events, evaluations, offers) by the person's application ids, which are every
``application_id`` that any version of any landed application row, or any warehouse
table with both columns, ties to the person (applications rows go by either). Jobs hold
no personal data. A vendor source's own tables (Greenhouse's ``candidate``, ``application``,
``scorecard`` ...) say in their sources YAML which column holds the candidate id or an
application id (table meta ``erasure``, :func:`vendor_erasure_keys`); their landing files
and their staging models (``stg_<source>__<table>``) are matched by those columns, within
that source. Warehouse tables with a ``source_system`` column are matched on
(source_system, id); tables without one on the id alone. Tables shaped like the
quarantine (``entity`` + ``record_key``) lose the entries whose key is one of the
person's candidate, application or event ids.

Ids are matched as staging sees them: column names case-insensitively, values cast to
text with spaces trimmed (DuckDB ``trim``), empty = NULL.

Nothing here logs or renders names, e-mails or ids: plans and reports show counts per
reason, per file and per table only (``repr`` hides the ids too).
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import io
import json
import os
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from orchestration import decode
from orchestration.audit import append_entry
from orchestration.contract import LANDING_FORMATS, PERSON_ENTITIES
from orchestration.intake import record_removed_rows
from orchestration.load import LOADED_FILES, RAW_SCHEMA
from orchestration.outreach import erase_from_exports
from orchestration.paths import PROJECT_DIR, WarehousePaths
from orchestration.publish import publish, release_dirs
from orchestration.warehouse import discard_build

QUEUE_TABLE = "marts.retention_purge_queue"
PURGE_REASONS = ("erasure_requested", "deleted_in_source", "retention_expired")
FORMATS = LANDING_FORMATS
# entity -> (whose rows: by candidate or by application, the entity's own key column)
ENTITIES: dict[str, tuple[str, str]] = PERSON_ENTITIES  # type: ignore[assignment]
# event entities whose own key also identifies a person's row (quarantine record keys)
EVENT_KEY_COLUMNS = {
    key: entity
    for entity, (_, key) in ENTITIES.items()
    if entity not in ("candidates", "applications")
}

TOMBSTONES_FILE = "tombstones.csv"
SALT_FILE = "tombstone_salt"
# present while deleted rows may still have bytes in the warehouse file (see compact_warehouse)
COMPACTION_PENDING_FILE = "warehouse_compaction_pending"
TOMBSTONE_COLUMNS = ("source_system", "candidate_key_hash", "purge_reason", "purged_at")
# Temp files never end in .csv/.parquet/.jsonl, so no landing glob ever reads one.
TEMP_SUFFIX = ".purge-tmp"


class PurgeError(RuntimeError):
    """The purge cannot run (or cannot go on); the message says why, never whom."""


# --------------------------------------------------------------------------------------------
# Plan and report (counts only in anything rendered; ids are kept out of repr)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedPerson:
    source_system: str
    candidate_id: str = field(repr=False)
    person_id: str
    purge_reason: str
    purge_due_on: date | None
    application_ids: tuple[str, ...] = field(repr=False, default=())


@dataclass(frozen=True)
class FileHit:
    """A landing file holding rows of queued persons (path relative to the landing dir)."""

    path: str
    entity: str
    rows: int
    total_rows: int


@dataclass(frozen=True)
class TableHit:
    """A warehouse base table (``schema.table``) holding rows of queued persons."""

    table: str
    rows: int


@dataclass(frozen=True)
class PurgePlan:
    """Who is due (from the queue) and where their rows are; nothing has changed yet."""

    as_of_date: str | None
    persons: tuple[QueuedPerson, ...] = field(repr=False)
    files: tuple[FileHit, ...]
    tables: tuple[TableHit, ...]
    files_scanned: int
    # (source_system, entity, record key) of the persons' landed/warehoused rows
    record_keys: frozenset[tuple[str, str, str]] = field(repr=False, default=frozenset())

    @property
    def persons_by_reason(self) -> tuple[tuple[str, int], ...]:
        return _by_reason(self.persons)

    @property
    def application_count(self) -> int:
        return sum(len(person.application_ids) for person in self.persons)

    def render(self) -> str:
        file_rows = sum(hit.rows for hit in self.files)
        table_rows = sum(hit.rows for hit in self.tables)
        lines = [
            f"retention purge plan as of {self.as_of_date or '-'} (dry run: nothing changed)",
            _row("persons queued", len(self.persons)),
            *(_row(reason, count, 4) for reason, count in self.persons_by_reason),
            _row("their applications", self.application_count),
            _row(f"landing files with their rows (of {self.files_scanned:,})", len(self.files)),
            *(_row(hit.path, hit.rows, 4, f" of {hit.total_rows:,}") for hit in self.files),
            _row("  rows in those files", file_rows),
            _row("warehouse tables with their rows", len(self.tables)),
            *(_row(hit.table, hit.rows, 4) for hit in self.tables),
            _row("  rows in those tables", table_rows),
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class FileChange:
    """What the purge did to one landing file: rows removed, rows kept, file removed."""

    path: str
    entity: str
    rows_removed: int
    rows_kept: int
    file_removed: bool = False  # a JSON-lines file left without rows (it cannot hold a schema)


@dataclass(frozen=True)
class PurgeReport:
    """The outcome of a real run, counts only: what the audit entry records."""

    run_id: str
    as_of_date: str | None
    started_at: str
    finished_at: str
    persons_by_reason: tuple[tuple[str, int], ...]
    tombstones_written: int
    tombstones_already_present: int
    files: tuple[FileChange, ...]
    tables: tuple[TableHit, ...]
    warehouse_compacted: bool = False

    @property
    def persons(self) -> int:
        return sum(count for _, count in self.persons_by_reason)

    @property
    def file_rows_removed(self) -> int:
        return sum(change.rows_removed for change in self.files)

    @property
    def table_rows_removed(self) -> int:
        return sum(hit.rows for hit in self.tables)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready counts for the audit trail (no ids)."""
        return {
            "run_id": self.run_id,
            "as_of_date": self.as_of_date,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "persons": self.persons,
            "persons_by_reason": dict(self.persons_by_reason),
            "tombstones_written": self.tombstones_written,
            "tombstones_already_present": self.tombstones_already_present,
            "file_rows_removed": {change.path: change.rows_removed for change in self.files},
            "files_removed": [change.path for change in self.files if change.file_removed],
            "table_rows_removed": {hit.table: hit.rows for hit in self.tables},
            "warehouse_compacted": self.warehouse_compacted,
        }

    def render(self) -> str:
        lines = [
            f"retention purge {self.run_id} as of {self.as_of_date or '-'}",
            _row("persons purged", self.persons),
            *(_row(reason, count, 4) for reason, count in self.persons_by_reason),
            _row("tombstones written", self.tombstones_written),
            _row("tombstones already present", self.tombstones_already_present),
            _row("landing files rewritten", len(self.files)),
            *(
                _row(change.path, change.rows_removed, 4, " (no rows left: file removed)")
                if change.file_removed
                else _row(change.path, change.rows_removed, 4)
                for change in self.files
            ),
            _row("  rows removed from files", self.file_rows_removed),
            _row("warehouse tables purged", len(self.tables)),
            *(_row(hit.table, hit.rows, 4) for hit in self.tables),
            _row("  rows removed from tables", self.table_rows_removed),
            "  warehouse file rewritten without the deleted rows' bytes: "
            + ("yes" if self.warehouse_compacted else "no (nothing deleted)"),
        ]
        return "\n".join(lines)


def _row(label: str, count: int, indent: int = 2, suffix: str = "") -> str:
    return f"{' ' * indent}{label:<{62 - indent}}{count:>10,}{suffix}"


def _by_reason(persons: Iterable[QueuedPerson]) -> tuple[tuple[str, int], ...]:
    counts = Counter(person.purge_reason for person in persons)
    order = {reason: i for i, reason in enumerate(PURGE_REASONS)}
    return tuple(sorted(counts.items(), key=lambda item: (order.get(item[0], 99), item[0])))


# --------------------------------------------------------------------------------------------
# Tombstones
# --------------------------------------------------------------------------------------------


def tombstone_hash(salt: str, source_system: str, candidate_id: str) -> str:
    """sha256 of ``salt|source_system|candidate_id`` (UTF-8), lower-case hex.

    Equal to DuckDB's ``sha256(salt || '|' || source_system || '|' || candidate_id)``.
    """
    return hashlib.sha256(f"{salt}|{source_system}|{candidate_id}".encode()).hexdigest()


def load_salt(state_dir: Path, *, create: bool = False) -> str | None:
    """The tombstone salt (stripped); created (mode 0600) on first use when ``create``."""
    path = state_dir / SALT_FILE
    if not path.exists():
        if not create:
            return None
        state_dir.mkdir(parents=True, exist_ok=True)
        temp = state_dir / f".{SALT_FILE}.{os.getpid()}{TEMP_SUFFIX}"
        temp.unlink(missing_ok=True)
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if hasattr(os, "fchmod"):  # POSIX: 0600 whatever the umask
                os.fchmod(descriptor, 0o600)
            os.write(descriptor, secrets.token_hex(32).encode("ascii"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(temp, path)  # atomic and exclusive: a concurrent first use keeps one salt
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
        _fsync_directory(state_dir)
    salt = path.read_text(encoding="utf-8").strip()
    if not salt:
        raise PurgeError(f"the tombstone salt file {path} is empty; restore it from backup")
    return salt


def read_tombstones(state_dir: Path) -> list[dict[str, str]]:
    """The tombstone rows (hashes, reasons, times: no ids)."""
    path = state_dir / TOMBSTONES_FILE
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != TOMBSTONE_COLUMNS:
            raise PurgeError(
                f"{path} does not have the columns {','.join(TOMBSTONE_COLUMNS)}; left as it is"
            )
        return list(reader)


def write_tombstones(
    state_dir: Path, persons: Iterable[QueuedPerson], purged_at: str
) -> tuple[int, int]:
    """Append one tombstone per person not yet tombstoned; return (written, already present).

    The whole file is replaced atomically (temp file, fsync, ``os.replace``); existing
    lines stay byte-identical.
    """
    persons = list(persons)
    if not persons:
        return 0, 0
    salt = load_salt(state_dir, create=True)
    assert salt is not None
    path = state_dir / TOMBSTONES_FILE
    present = {row["candidate_key_hash"] for row in read_tombstones(state_dir)}
    new_rows: list[tuple[str, str, str, str]] = []
    already = 0
    for person in persons:
        key_hash = tombstone_hash(salt, person.source_system, person.candidate_id)
        if key_hash in present:
            already += 1
            continue
        present.add(key_hash)
        new_rows.append((person.source_system, key_hash, person.purge_reason, purged_at))
    if not new_rows:
        return 0, already
    existing = path.read_bytes() if path.exists() else b""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not existing:
        writer.writerow(TOMBSTONE_COLUMNS)
    elif not existing.endswith(b"\n"):
        buffer.write("\n")
    writer.writerows(new_rows)
    _atomic_write(path, lambda handle: handle.write(existing + buffer.getvalue().encode("utf-8")))
    return len(new_rows), already


# --------------------------------------------------------------------------------------------
# Landing files
# --------------------------------------------------------------------------------------------


@dataclass
class _Targets:
    """The ids to purge, per source system (ids as staging sees them)."""

    candidates: dict[str, set[str]] = field(default_factory=dict)
    applications: dict[str, set[str]] = field(default_factory=dict)
    # (source_system, candidate_id) -> the application ids tied to that person
    owned: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # (source_system, entity, own key) of the persons' event rows
    record_keys: set[tuple[str, str, str]] = field(default_factory=set)

    @classmethod
    def of(cls, persons: Iterable[QueuedPerson], record_keys=()) -> _Targets:
        targets = cls(record_keys=set(record_keys))
        for person in persons:
            targets.add_candidate(person.source_system, person.candidate_id)
            for application_id in person.application_ids:
                targets.add_application(person.source_system, person.candidate_id, application_id)
        return targets

    def add_candidate(self, source_system: str, candidate_id: str) -> None:
        self.candidates.setdefault(source_system, set()).add(candidate_id)

    def is_candidate(self, source_system: str, candidate_id: str | None) -> bool:
        return candidate_id in self.candidates.get(source_system, ())

    def add_application(self, source_system: str, candidate_id: str, application_id: str) -> None:
        self.applications.setdefault(source_system, set()).add(application_id)
        self.owned.setdefault((source_system, candidate_id), set()).add(application_id)

    def applications_of(self, source_system: str, candidate_id: str) -> tuple[str, ...]:
        return tuple(sorted(self.owned.get((source_system, candidate_id), ())))

    def all_record_keys(self) -> set[tuple[str, str, str]]:
        keys = set(self.record_keys)
        for source, ids in self.candidates.items():
            keys.update((source, "candidates", value) for value in ids)
        for source, ids in self.applications.items():
            keys.update((source, "applications", value) for value in ids)
        return keys


@dataclass(frozen=True)
class ErasureKeys:
    """Which columns of a landing table say whose rows they are: the person's candidate
    id, an application id of theirs, or both (a table tying applications to persons)."""

    candidate: str | None = None
    application: str | None = None

    @property
    def ties_applications(self) -> bool:
        return self.candidate is not None and self.application is not None


# canonical entity files (ats-export-v1 and every source's company-side files)
CANONICAL_ERASURE_KEYS = {
    entity: ErasureKeys(candidate="candidate_id")
    if whose == "candidate"
    else ErasureKeys(application="application_id")
    for entity, (whose, _) in ENTITIES.items()
} | {"applications": ErasureKeys(candidate="candidate_id", application="application_id")}


@functools.cache
def vendor_erasure_keys(source_system: str) -> dict[str, ErasureKeys]:
    """A vendor source's own tables holding personal data, as its sources YAML declares
    them (table meta ``erasure: {candidate: <column>, application: <column>}``)."""
    if not re.fullmatch(r"[a-z0-9_]+", source_system):
        return {}
    path = PROJECT_DIR / "dbt_project" / "models" / "staging" / source_system
    path = path / f"_{source_system}__sources.yml"
    if not path.is_file():
        return {}
    keys = {}
    for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources", []):
        for table in source.get("tables", []):
            erasure = (table.get("meta") or {}).get("erasure")
            if erasure:
                keys[table["name"]] = ErasureKeys(
                    candidate=erasure.get("candidate"), application=erasure.get("application")
                )
    return keys


@dataclass(frozen=True)
class _LandingFile:
    path: Path
    relative: str
    source_system: str
    entity: str
    fmt: str
    keys: ErasureKeys = field(default_factory=ErasureKeys)


@dataclass
class _Scan:
    """One landing file read: which data rows belong to queued persons."""

    file: _LandingFile
    matches: list[bool]
    total_rows: int
    # format-specific content needed to write the file back without the matched rows
    content: object = field(repr=False, default=None)

    @property
    def matched(self) -> int:
        return sum(self.matches)


def landing_files(landing_dir: Path, source_systems: Iterable[str]) -> list[_LandingFile]:
    """Every file of a person-bearing entity of these sources, applications first."""
    found = []
    for source in sorted(set(source_systems)):
        if not source or source in (".", "..") or "/" in source or "\\" in source:
            raise PurgeError(f"source system {source!r} is not a landing directory name")
        root = landing_dir / source
        if not root.is_dir():
            continue
        tables = CANONICAL_ERASURE_KEYS | vendor_erasure_keys(source)
        for batch in sorted(p for p in root.iterdir() if p.is_dir()):
            for entity, keys in tables.items():
                for fmt in FORMATS:
                    path = batch / f"{entity}.{fmt}"
                    if path.is_file():
                        found.append(
                            _LandingFile(
                                path=path,
                                relative=path.relative_to(landing_dir).as_posix(),
                                source_system=source,
                                entity=entity,
                                fmt=fmt,
                                keys=keys,
                            )
                        )
    found.sort(key=lambda f: (not f.keys.ties_applications, f.relative))
    return found


def _as_key(value: object) -> str | None:
    """A landed value as staging sees it: text, spaces trimmed, empty = NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.strip(" ")
    return text or None


def _normalized(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


class _TapLines:
    """Lines handed to csv.reader, remembered so a record's raw text can be kept verbatim."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.taken: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line

    def record(self) -> str:
        raw = "".join(self.taken)
        self.taken.clear()
        return raw


def _read_csv(file: _LandingFile) -> tuple[dict[str, list[str | None]], object, int]:
    """Columns by normalized name, the raw records (header first) and the data-row count."""
    text = file.path.read_bytes().decode("utf-8")
    tap = _TapLines(text)
    raw_records: list[tuple[str, bool]] = []  # (raw text, is a data row)
    rows: list[list[str]] = []
    header: list[str] | None = None
    field_size_limit = csv.field_size_limit(max(len(text), csv.field_size_limit()))
    try:
        for fields in csv.reader(tap, strict=True):
            raw = tap.record()
            if header is None:
                header = fields
                raw_records.append((raw, False))
            elif not fields:
                raw_records.append((raw, False))  # a blank line is no row
            else:
                raw_records.append((raw, True))
                rows.append(fields)
    finally:
        csv.field_size_limit(field_size_limit)
    if tap.taken:
        raise csv.Error("unterminated record at the end of the file")
    names = [_normalized(name) for name in header or []]
    columns: dict[str, list[str | None]] = {}
    for index, name in enumerate(names):
        if name not in columns:
            columns[name] = [_as_key(row[index]) if index < len(row) else None for row in rows]
    return columns, raw_records, len(rows)


def _read_parquet(file: _LandingFile) -> tuple[dict[str, list[str | None]], object, int]:
    parquet = pq.ParquetFile(file.path)
    table = parquet.read()
    compression = (
        parquet.metadata.row_group(0).column(0).compression
        if parquet.metadata.num_row_groups and parquet.metadata.num_columns
        else "SNAPPY"
    )
    columns: dict[str, list[str | None]] = {}
    for name in table.column_names:
        key = _normalized(name)
        wanted = key in ("candidate_id", "application_id") or key in EVENT_KEY_COLUMNS
        if key in columns or not wanted:
            continue
        values = pc.utf8_trim(pc.cast(table.column(name), pa.string()), characters=" ")
        columns[key] = [value or None for value in values.to_pylist()]
    return columns, (table, compression), table.num_rows


def _read_jsonl(file: _LandingFile) -> tuple[dict[str, list[str | None]], object, int]:
    data = file.path.read_bytes()
    lines = data.split(b"\n")
    raw_lines = [line + b"\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    records: list[tuple[bytes, bool]] = []
    objects: list[dict[str, object]] = []
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            records.append((raw, False))
            continue
        try:
            value = json.loads(raw.decode("utf-8"))
        except ValueError as error:
            raise ValueError(f"line {number} is not JSON ({type(error).__name__})") from None
        if not isinstance(value, dict):
            raise ValueError(f"line {number} is not a JSON object")
        normalized: dict[str, object] = {}
        for name, item in value.items():
            normalized.setdefault(_normalized(name), item)
        objects.append(normalized)
        records.append((raw, True))
    names = {name for obj in objects for name in obj}
    columns = {name: [_as_key(obj.get(name)) for obj in objects] for name in names}
    return columns, records, len(objects)


READERS = {"csv": _read_csv, "parquet": _read_parquet, "jsonl": _read_jsonl}


def _read(file: _LandingFile) -> tuple[dict[str, list[str | None]], object, int]:
    """Columns by normalized name, the content to write back, and the number of data rows."""
    try:
        return READERS[file.fmt](file)
    except PurgeError:
        raise
    except Exception as error:  # csv.Error, UnicodeDecodeError, ArrowInvalid, ValueError ...
        raise PurgeError(
            f"landing file {file.relative} cannot be read as {file.fmt}: "
            f"{type(error).__name__}: {_safe_message(error)}"
        ) from None


def _safe_message(error: Exception) -> str:
    """An error's message without the offending content."""
    if isinstance(error, UnicodeDecodeError):
        return f"invalid UTF-8 at byte {error.start}"
    return str(error)[:200]


def _collect_landed_applications(files: Iterable[_LandingFile], targets: _Targets) -> None:
    """Every application id that any version of a landed applications row ties to a person."""
    for file in files:
        if not file.keys.ties_applications:
            continue
        columns, _, total = _read(file)
        if total == 0:
            continue
        for name in (file.keys.candidate, file.keys.application):
            if name not in columns:
                raise PurgeError(
                    f"landing file {file.relative} has no {name} column; "
                    "cannot tell whose applications it holds"
                )
        for candidate_id, application_id in zip(
            columns[file.keys.candidate], columns[file.keys.application], strict=True
        ):
            if application_id and targets.is_candidate(file.source_system, candidate_id):
                targets.add_application(file.source_system, candidate_id, application_id)


def _scan(file: _LandingFile, targets: _Targets) -> _Scan:
    """Read one file and mark the rows of queued persons; note their rows' own keys.

    Candidate-keyed entities go by candidate_id (applications also by application_id,
    so every version of a person's application goes), application-keyed ones by
    application_id. Call after :func:`_collect_landed_applications`.
    """
    columns, content, total = _read(file)
    if total == 0:
        return _Scan(file, [], 0, content)
    keys = file.keys
    for name in (keys.candidate, keys.application):
        if name is not None and name not in columns:
            raise PurgeError(
                f"landing file {file.relative} has no {name} column; "
                "cannot tell whose rows it holds"
            )
    candidates = targets.candidates.get(file.source_system, set())
    applications = targets.applications.get(file.source_system, set())
    matches = [False] * total
    for name, whose in ((keys.candidate, candidates), (keys.application, applications)):
        if name is not None:
            matches = [
                hit or value in whose for hit, value in zip(matches, columns[name], strict=True)
            ]
    own_key = ENTITIES.get(file.entity, (None, None))[1]
    if own_key in columns and file.entity in EVENT_KEY_COLUMNS.values():
        targets.record_keys.update(
            (file.source_system, file.entity, value)
            for hit, value in zip(matches, columns[own_key], strict=True)
            if hit and value is not None
        )
    return _Scan(file, matches, total, content)


def _write_csv(scan: _Scan, keep: list[bool], handle) -> None:
    records: list[tuple[str, bool]] = scan.content  # type: ignore[assignment]
    data_rows = iter(keep)
    for raw, is_row in records:
        if not is_row or next(data_rows):
            handle.write(raw.encode("utf-8"))


def _write_parquet(scan: _Scan, keep: list[bool], handle) -> None:
    table, compression = scan.content  # type: ignore[misc]
    kept = table.filter(pa.array(keep, type=pa.bool_()))
    pq.write_table(kept, handle, compression=compression)


def _write_jsonl(scan: _Scan, keep: list[bool], handle) -> None:
    records: list[tuple[bytes, bool]] = scan.content  # type: ignore[assignment]
    data_rows = iter(keep)
    for raw, is_row in records:
        if not is_row or next(data_rows):
            handle.write(raw)


WRITERS = {"csv": _write_csv, "parquet": _write_parquet, "jsonl": _write_jsonl}


def rewrite_landing_file(scan: _Scan) -> FileChange:
    """Replace one landing file by its version without the matched rows, atomically.

    CSV and JSON lines keep every other line byte-identical (header included); Parquet
    keeps the schema and compression. A JSON-lines file left without rows is removed
    (an empty one has no columns, which would fail the next build's load). The batch's
    manifest, if any, is told how many rows went (intake.record_removed_rows).
    """
    keep = [not hit for hit in scan.matches]
    kept = sum(keep)
    file = scan.file
    if file.fmt == "jsonl" and kept == 0:
        file.path.unlink()
        _fsync_directory(file.path.parent)
        record_removed_rows(file.path.parent, file.entity, scan.matched)
        return FileChange(file.relative, file.entity, scan.matched, 0, file_removed=True)
    writer = WRITERS[file.fmt]
    _atomic_write(file.path, lambda handle: writer(scan, keep, handle))
    record_removed_rows(file.path.parent, file.entity, scan.matched)
    return FileChange(file.relative, file.entity, scan.matched, kept)


def _atomic_write(target: Path, write: Callable[[object], object]) -> None:
    """Write a temp file beside ``target``, fsync it, then ``os.replace`` it into place."""
    temp = target.with_name(f".{target.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        with open(temp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(temp, 0o600)
        _publish(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _publish(temp: Path, target: Path) -> None:
    """The one step that makes a new file version visible (atomic on POSIX and Windows)."""
    os.replace(temp, target)
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _erase_vendor_files(
    paths: WarehousePaths, targets: _Targets, *, dry_run: bool
) -> list[decode.ErasedFile]:
    """The Japanese ATS export's vendor files (CP932 or UTF-8, Japanese names and headers),
    which the readers above do not read, go through orchestration/decode.py; it also
    regenerates the decoded copies (<state>/decoded) without the persons' rows."""
    candidates = targets.candidates.get(decode.SOURCE)
    if not candidates:
        return []
    try:
        return decode.erase_persons(
            paths, candidates, targets.applications.get(decode.SOURCE, set()), dry_run=dry_run
        )
    except decode.DecodeError as error:
        raise PurgeError(f"cannot purge the {decode.SOURCE} export: {error}") from None


def _remove_stale_temp_files(files: Iterable[_LandingFile]) -> None:
    """Temp files of an earlier run that was killed before it could clean up."""
    for directory in {file.path.parent for file in files}:
        for stale in directory.glob(f".*{TEMP_SUFFIX}"):
            stale.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Warehouse
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    schema: str
    name: str
    columns: dict[str, str]  # normalized name -> actual name
    # a vendor table's staging model (stg_<source>__<table>) or raw table: its source and
    # erasure keys
    vendor: tuple[str, ErasureKeys] | None = None
    # a raw table (raw.<source>__<table>, orchestration/load.py): the source its rows are of
    source: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql_name(self) -> str:
        return f"{_quote(self.schema)}.{_quote(self.name)}"

    def predicate(self) -> str | None:
        """SQL (alias ``t``) true for the rows of queued persons; None: not a person table."""
        if "source_system" in self.columns:
            by_source = (
                f" and k.source_system = cast(t.{_quote(self.columns['source_system'])} as varchar)"
            )
        else:
            by_source = f" and k.source_system = '{self.source}'" if self.source else ""
        parts = []
        for column, keys in (
            ("candidate_id", "purge_candidate_ids"),
            ("application_id", "purge_application_ids"),
        ):
            if column in self.columns:
                parts.append(
                    f"exists (select 1 from {keys} as k where k.{column} ="
                    f" trim(cast(t.{_quote(self.columns[column])} as varchar)){by_source})"
                )
        if self.vendor is not None:
            source, erasure = self.vendor
            for key_column, column, keys in (
                ("candidate_id", erasure.candidate, "purge_candidate_ids"),
                ("application_id", erasure.application, "purge_application_ids"),
            ):
                if column is not None and column.lower() in self.columns:
                    parts.append(
                        f"exists (select 1 from {keys} as k where k.{key_column} ="
                        f" trim(cast(t.{_quote(self.columns[column.lower()])} as varchar))"
                        f" and k.source_system = '{source}')"
                    )
        if "entity" in self.columns and "record_key" in self.columns:
            parts.append(
                "exists (select 1 from purge_record_keys as k"
                f" where k.entity = cast(t.{_quote(self.columns['entity'])} as varchar)"
                f" and k.record_key = trim(cast(t.{_quote(self.columns['record_key'])} as varchar))"
                f"{by_source})"
            )
        return " or ".join(parts) or None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _connect(paths: WarehousePaths, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not paths.duckdb_path.exists():
        raise PurgeError(f"no warehouse at {paths.duckdb_path}; build it first (`recontact build`)")
    try:
        return duckdb.connect(str(paths.duckdb_path), read_only=read_only)
    except duckdb.IOException as error:
        raise PurgeError(
            f"cannot open the warehouse {paths.duckdb_path} "
            f"({'read-only' if read_only else 'read-write'}): {error}"
        ) from None


def _person_tables(connection: duckdb.DuckDBPyConnection) -> list[_Table]:
    """Every base table, in any schema of the warehouse file, that can hold a person's rows."""
    rows = connection.execute(
        """
        select c.table_schema, c.table_name, c.column_name
        from information_schema.columns as c
        join information_schema.tables as t using (table_catalog, table_schema, table_name)
        where t.table_type = 'BASE TABLE' and t.table_catalog = current_database()
        order by c.table_schema, c.table_name, c.ordinal_position
        """
    ).fetchall()
    columns: dict[tuple[str, str], dict[str, str]] = {}
    for schema, table, column in rows:
        columns.setdefault((schema, table), {}).setdefault(column.lower(), column)
    tables = []
    for (schema, name), cols in sorted(columns.items()):
        if schema == RAW_SCHEMA and "__" in name:
            source = name.split("__", 1)[0]
            tables.append(_Table(schema, name, cols, _vendor_table(name, raw=True), source))
        else:
            tables.append(_Table(schema, name, cols, _vendor_table(name)))
    return [table for table in tables if table.predicate()]


def _vendor_table(name: str, raw: bool = False) -> tuple[str, ErasureKeys] | None:
    """stg_<source>__<table> (or raw <source>__<table>) of a vendor table that holds
    personal data, with its keys."""
    if "__" not in name or not (raw or name.startswith("stg_")):
        return None
    source, table = name.removeprefix("stg_").split("__", 1)
    keys = vendor_erasure_keys(source).get(table)
    return (source, keys) if keys else None


def _register_targets(connection: duckdb.DuckDBPyConnection, targets: _Targets) -> None:
    def pairs(by_source: dict[str, set[str]], column: str) -> pa.Table:
        items = sorted((source, value) for source, ids in by_source.items() for value in ids)
        return pa.table(
            {
                "source_system": pa.array([s for s, _ in items], pa.string()),
                column: pa.array([v for _, v in items], pa.string()),
            }
        )

    keys = sorted(targets.all_record_keys())
    connection.register("purge_candidate_ids", pairs(targets.candidates, "candidate_id"))
    connection.register("purge_application_ids", pairs(targets.applications, "application_id"))
    connection.register(
        "purge_record_keys",
        pa.table(
            {
                "source_system": pa.array([k[0] for k in keys], pa.string()),
                "entity": pa.array([k[1] for k in keys], pa.string()),
                "record_key": pa.array([k[2] for k in keys], pa.string()),
            }
        ),
    )


def _read_queue(connection: duckdb.DuckDBPyConnection) -> tuple[str | None, list[tuple]]:
    try:
        rows = connection.execute(
            f"""
            select source_system, candidate_id, person_id, purge_reason, purge_due_on,
                   cast(as_of_date as varchar)
            from {QUEUE_TABLE}
            order by source_system, candidate_id
            """
        ).fetchall()
    except duckdb.CatalogException:
        raise PurgeError(
            f"the warehouse has no {QUEUE_TABLE}; build the marts first (`recontact build`)"
        ) from None
    as_of = rows[0][5] if rows else _any_as_of_date(connection)
    queued = {(row[0], row[1]) for row in rows}
    redelivered = [row for row in _redelivered_persons(connection) if row[:2] not in queued]
    return as_of, [row[:5] for row in rows] + redelivered


REDELIVERED_REASON = "purged_earlier_redelivered"


def _redelivered_persons(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Persons purged before whom a later export delivered again: staging suppressed their
    rows (fate `suppressed`, content already blanked), and the purge removes them from the
    landing files and the warehouse too, so erasure reaches every layer. Each staging model
    (stg_<source>__<table>) names its source; its candidate column is `candidate_id`, else
    the vendor table's erasure key (Lever's staging models rename `contact` to candidate_id)."""
    tables = connection.execute(
        """
        select table_schema, table_name, list(lower(column_name))
        from information_schema.columns
        where table_name like 'stg\\_%\\_\\_%' escape '\\'
        group by table_schema, table_name
        having list_contains(list(lower(column_name)), '_fate')
        order by table_schema, table_name
        """
    ).fetchall()
    selects = []
    for schema, name, columns in tables:
        source, table = name.removeprefix("stg_").split("__", 1)
        vendor = vendor_erasure_keys(source).get(table)
        column = "candidate_id" if "candidate_id" in columns else vendor and vendor.candidate
        if column and column.lower() in columns:
            selects.append(
                f"select distinct '{source}' as source_system,"
                f" cast({_quote(column)} as varchar) as candidate_id"
                f" from {_quote(schema)}.{_quote(name)}"
                f" where _fate = 'suppressed' and {_quote(column)} is not null"
            )
    if not selects:
        return []
    return [
        (source_system, candidate_id, person_id, REDELIVERED_REASON, None)
        for source_system, candidate_id, person_id in connection.execute(
            "select source_system, candidate_id, md5(source_system || '|' || candidate_id)"
            f" from ({' union '.join(selects)}) order by all"
        ).fetchall()
    ]


def _any_as_of_date(connection: duckdb.DuckDBPyConnection) -> str | None:
    """D of the marts when the queue is empty (the eligibility mart has one row per person)."""
    try:
        rows = connection.execute(
            "select cast(max(as_of_date) as varchar) from marts.recontact_eligibility"
        ).fetchall()
    except duckdb.Error:
        return None
    return rows[0][0] if rows else None


def _source_sql(table: _Table) -> str:
    """The source system of a row of ``t``: its column, or every queued source without one."""
    if "source_system" in table.columns:
        return f"cast(t.{_quote(table.columns['source_system'])} as varchar)"
    return "queued_sources.source_system"


def _from_sql(table: _Table) -> str:
    clause = f"{table.sql_name} as t"
    if "source_system" not in table.columns:
        clause += ", (select distinct source_system from purge_candidate_ids) as queued_sources"
    return clause


def _warehouse_applications(
    connection: duckdb.DuckDBPyConnection, tables: list[_Table], targets: _Targets
) -> None:
    """Application ids that warehouse tables with both columns tie to queued candidates."""
    for table in tables:
        if not {"candidate_id", "application_id"} <= table.columns.keys():
            continue
        candidate = f"trim(cast(t.{_quote(table.columns['candidate_id'])} as varchar))"
        application = f"trim(cast(t.{_quote(table.columns['application_id'])} as varchar))"
        rows = connection.execute(
            f"""
            select distinct {_source_sql(table)}, {candidate}, {application}
            from {_from_sql(table)}
            where exists (
                select 1 from purge_candidate_ids as k
                where k.candidate_id = {candidate} and k.source_system = {_source_sql(table)}
            )
            """
        ).fetchall()
        for source_system, candidate_id, application_id in rows:
            if application_id:
                targets.add_application(source_system, candidate_id, application_id)


def _warehouse_record_keys(
    connection: duckdb.DuckDBPyConnection, tables: list[_Table], targets: _Targets
) -> None:
    """Own keys of the persons' event rows in the warehouse (for quarantine-style entries)."""
    for table in tables:
        if "record_key" in table.columns:
            continue
        for key in (name for name in table.columns if name in EVENT_KEY_COLUMNS):
            rows = connection.execute(
                f"""
                select distinct {_source_sql(table)},
                       trim(cast(t.{_quote(table.columns[key])} as varchar))
                from {_from_sql(table)}
                where {table.predicate()}
                """
            ).fetchall()
            targets.record_keys.update(
                (source_system, EVENT_KEY_COLUMNS[key], value)
                for source_system, value in rows
                if value
            )


def _rows_of_persons(
    connection: duckdb.DuckDBPyConnection, tables: list[_Table], statement: str
) -> list[TableHit]:
    """Run `<statement> <table> where <the persons' rows>` per table (a count, or a
    delete, which DuckDB answers with the rows deleted); tables with none are left out."""
    hits = []
    for table in tables:
        count = connection.execute(
            f"{statement} {table.sql_name} as t where {table.predicate()}"
        ).fetchall()[0][0]
        if count:
            hits.append(TableHit(table.qualified, count))
    return hits


def _count_rows(connection: duckdb.DuckDBPyConnection, tables: list[_Table]) -> list[TableHit]:
    return _rows_of_persons(connection, tables, "select count(*) from")


def _delete_rows(connection: duckdb.DuckDBPyConnection, tables: list[_Table]) -> list[TableHit]:
    return _rows_of_persons(connection, tables, "delete from")


def _forget_loaded_files(connection: duckdb.DuckDBPyConnection) -> None:
    """The raw tables and the incremental event models no longer hold what their files
    held when read (rows were deleted here, files rewritten): forget what was loaded and
    read, so the next load reads every batch again from the files as they are
    (orchestration/load.py) and the next build recomputes the event models
    (dbt_project/macros/landing_files_loaded.sql). Otherwise an ATS re-sending the
    original files (same content) would go unread."""
    for schema, table in (("staging", "landing_files_loaded"), (RAW_SCHEMA, LOADED_FILES)):
        exists = connection.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        if exists:
            connection.execute(f"delete from {schema}.{table}")


def compact_warehouse(paths: WarehousePaths) -> None:
    """Rewrite the DuckDB file with its live data only, and swap it in atomically.

    DuckDB's DELETE only marks rows as deleted: their values stay in the file's blocks
    (CHECKPOINT does not scrub them), so an erased person's name or e-mail could still be
    read from the raw file. ``COPY FROM DATABASE`` into a new file in the same directory
    (schemas, tables, views, macros, sequences), fsync, ``os.replace`` leaves none of
    them. Needs the file free of writers (the warehouse concurrency pool) and room for
    a second copy; connections opened before the swap keep reading the old file.
    """
    source = paths.duckdb_path
    if Path(f"{source}.wal").exists():
        raise PurgeError(
            f"{source} has an unfinished write-ahead log; open and close it once, then re-run"
        )
    temp = source.with_name(f".{source.name}.{os.getpid()}{TEMP_SUFFIX}")
    temp.unlink(missing_ok=True)
    try:
        connection = duckdb.connect()
        try:
            connection.execute(f"attach {_literal(str(source))} as purge_source (read_only)")
            connection.execute(f"attach {_literal(str(temp))} as purge_target")
            connection.execute("copy from database purge_source to purge_target")
            connection.execute("detach purge_target")
            connection.execute("detach purge_source")
        except duckdb.Error as error:
            raise PurgeError(
                f"rewriting the warehouse file failed ({type(error).__name__}:"
                f" {_safe_message(error)}); its deleted rows' bytes remain until a re-run"
            ) from None
        finally:
            connection.close()
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temp, source.stat().st_mode & 0o7777)
        _publish(temp, source)
    finally:
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --------------------------------------------------------------------------------------------
# Plan, apply, purge
# --------------------------------------------------------------------------------------------


def plan_purge(paths: WarehousePaths) -> PurgePlan:
    """Who is due for deletion and where their rows are. Changes nothing."""
    connection = _connect(paths, read_only=True)
    try:
        as_of, queue = _read_queue(connection)
        targets = _Targets()
        for source_system, candidate_id, *_ in queue:
            targets.add_candidate(source_system, candidate_id)
        _register_targets(connection, targets)
        tables = _person_tables(connection)
        _warehouse_applications(connection, tables, targets)
    finally:
        connection.close()

    files = landing_files(paths.landing_dir, targets.candidates) if queue else []
    _collect_landed_applications(files, targets)
    file_hits = []
    for file in files:
        scan = _scan(file, targets)
        if scan.matched:
            file_hits.append(FileHit(file.relative, file.entity, scan.matched, scan.total_rows))
    for erased in _erase_vendor_files(paths, targets, dry_run=True):
        file_hits.append(
            FileHit(
                erased.path,
                erased.entity,
                erased.rows_removed,
                erased.rows_removed + erased.rows_kept,
            )
        )

    table_hits: list[TableHit] = []
    if queue:
        connection = _connect(paths, read_only=True)
        try:
            _register_targets(connection, targets)
            _warehouse_record_keys(connection, tables, targets)
            _register_targets(connection, targets)  # now with the event keys
            table_hits = _count_rows(connection, tables)
        finally:
            connection.close()

    persons = tuple(
        QueuedPerson(
            source_system=source_system,
            candidate_id=candidate_id,
            person_id=person_id,
            purge_reason=purge_reason,
            purge_due_on=purge_due_on,
            application_ids=targets.applications_of(source_system, candidate_id),
        )
        for source_system, candidate_id, person_id, purge_reason, purge_due_on in queue
    )
    return PurgePlan(
        as_of_date=as_of,
        persons=persons,
        files=tuple(sorted(file_hits, key=lambda hit: hit.path)),
        tables=tuple(table_hits),
        files_scanned=len(files),
        record_keys=frozenset(targets.record_keys),
    )


def apply_purge(plan: PurgePlan, paths: WarehousePaths, *, run_id: str) -> PurgeReport:
    """Delete the planned persons: tombstones, then landing files, then the warehouse.

    Safe to re-run after a failure at any point (and with the same plan after success):
    tombstones are not duplicated, files already rewritten hold no matching rows, the
    warehouse transaction either committed or left everything as it was, and a pending
    compaction of the warehouse file is finished by the next run, whatever its plan.
    """
    started_at = _now()
    if not paths.duckdb_path.exists():
        raise PurgeError(f"no warehouse at {paths.duckdb_path}; build it first (`recontact build`)")
    targets = _Targets.of(plan.persons, plan.record_keys)

    # 1. tombstones first: a re-delivery of these persons is suppressed from now on
    written, already = write_tombstones(paths.state_dir, plan.persons, purged_at=started_at)

    # 2. landing files, each replaced atomically (a new batch since the plan is included)
    changes: list[FileChange] = []
    if plan.persons:
        files = landing_files(paths.landing_dir, targets.candidates)
        _remove_stale_temp_files(files)
        _collect_landed_applications(files, targets)
        for file in files:
            scan = _scan(file, targets)
            if scan.matched:
                changes.append(rewrite_landing_file(scan))
            del scan  # one file's content in memory at a time
        changes.extend(
            FileChange(erased.path, erased.entity, erased.rows_removed, erased.rows_kept)
            for erased in _erase_vendor_files(paths, targets, dry_run=False)
        )
        # the outreach export files handed to the mailing tool (recontact-outreach v1)
        changes.extend(
            FileChange(path, "outreach_export", removed, kept)
            for path, removed, kept in erase_from_exports(
                paths.state_dir, {(p.source_system, p.candidate_id) for p in plan.persons}
            )
        )

    # 3. warehouse: one transaction over every table that can hold their rows, then the
    #    file rewritten without their bytes (pending until done, so a re-run finishes it)
    pending = paths.state_dir / COMPACTION_PENDING_FILE
    was_pending = pending.exists()
    table_hits: list[TableHit] = []
    if plan.persons:
        if not was_pending:
            _atomic_write(pending, lambda handle: handle.write(run_id.encode("utf-8")))
        connection = _connect(paths, read_only=False)
        try:
            _register_targets(connection, targets)
            tables = _person_tables(connection)
            connection.execute("begin transaction")
            try:
                table_hits = _delete_rows(connection, tables)
                _forget_loaded_files(connection)
                connection.execute("commit")
            except BaseException:
                connection.execute("rollback")
                raise
        except duckdb.Error as error:
            raise PurgeError(
                f"deleting from the warehouse failed and was rolled back: {type(error).__name__}"
                f" ({_safe_message(error)}); landing files are purged, re-run to finish"
            ) from None
        finally:
            connection.close()
        if not table_hits and not was_pending:
            pending.unlink()  # nothing deleted (a re-run): nothing to scrub
    compacted = pending.exists()
    if compacted:
        compact_warehouse(paths)
        pending.unlink()
        _fsync_directory(paths.state_dir)

    # 4. the report the audit entry records (counts only)
    changes.sort(key=lambda change: change.path)
    return PurgeReport(
        run_id=run_id,
        as_of_date=plan.as_of_date,
        started_at=started_at,
        finished_at=_now(),
        persons_by_reason=plan.persons_by_reason,
        tombstones_written=written,
        tombstones_already_present=already,
        files=tuple(changes),
        tables=tuple(table_hits),
        warehouse_compacted=compacted,
    )


def purge(paths: WarehousePaths, *, dry_run: bool, run_id: str) -> PurgePlan | PurgeReport:
    """Plan the purge and record the plan; unless ``dry_run``, carry it out, record it, and
    republish BI without the purged persons. Every entry point (``recontact purge``, the
    Dagster job and its schedule) goes through here, so each leaves the same audit entry
    (``purge_dry_run`` or ``purge``, counts only) and no BI release keeps a purged person:
    the new release replaces every older one (publish.py, "Releases kept"), and a building
    copy of the warehouse left by a failed build is removed (warehouse.discard_build)."""
    plan = plan_purge(paths)
    if dry_run:
        append_entry(
            paths.audit_dir, {"event": "purge_dry_run", "run_id": run_id, "summary": plan.render()}
        )
        return plan
    report = apply_purge(plan, paths, run_id=run_id)
    discard_build(paths)  # a failed build kept for inspection holds the purged persons too
    append_entry(paths.audit_dir, {"event": "purge", "run_id": run_id, "summary": report.render()})
    if release_dirs(paths.publish_dir):  # BI has been given a release: replace it
        publish(paths, release_id=f"{run_id}-after-purge", keep=1)
    return report


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_id() -> str:
    return f"purge-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


# --------------------------------------------------------------------------------------------
# Command line: `recontact purge [--dry-run]` (cli.py wires register_cli in)
# --------------------------------------------------------------------------------------------


def register_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    command = subparsers.add_parser(
        "purge",
        help="delete the persons in marts.retention_purge_queue from landing files and warehouse",
        description=(
            "Delete every person in marts.retention_purge_queue from the landing files and "
            "every warehouse table, after writing a salted-hash tombstone for each. "
            "Prints counts only."
        ),
    )
    command.add_argument(
        "--dry-run", action="store_true", help="show what would be deleted; change nothing"
    )
    command.add_argument("--run-id", help="the run id recorded in the report (default: new)")
    command.set_defaults(handler=command_purge)
    return command


def command_purge(args: argparse.Namespace) -> None:
    paths = WarehousePaths.from_env()
    try:
        result = purge(paths, dry_run=args.dry_run, run_id=args.run_id or new_run_id())
    except PurgeError as error:
        raise SystemExit(f"recontact purge: {error}") from None
    print(result.render())
