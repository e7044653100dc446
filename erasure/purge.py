"""Retention purge: delete every person in ``marts.retention_purge_queue`` everywhere.

The raw tables are the system of record (loader/load.py: a loaded batch leaves the
landing), so the purge works on tables and on the files that copy them, never on landing
files. ``plan_purge`` reads the queue and finds where each queued person's rows are: every
warehouse base table with a ``candidate_id`` or ``application_id`` column (the raw tables
included), the archive's Parquet files (``<archive>/<source>/<batch_id>/<table>.parquet``,
when RECONTACT_ARCHIVE_DIR is set) and the Spark target's raw Parquet files
(``<RECONTACT_SPARK_DIR>/raw/<source>__<table>/<batch_id>.parquet``, when they exist).
``apply_purge`` then deletes them, in an order that makes a crash at any point safe and a
re-run finish the job:

1. **tombstones** — ``<state>/tombstones.csv`` gets one salted hash per person
   (``sha256_hex(salt || '|' || source_system || '|' || candidate_id)``, the salt in
   ``<state>/tombstone_salt``), so the loader and staging suppress a later re-delivery;
2. **files** — each Parquet file holding their rows (archive, Spark) is rewritten without
   them by one function (:func:`rewrite_parquet`, atomic: old or new, never half), and so
   is each outreach export handed to the mailing tool;
3. **warehouse** — one read-write transaction deletes their rows from every base table
   (``raw._loaded_files`` counts the rows left per file); then the DuckDB file is
   rewritten with its live data only and swapped in atomically (:func:`compact_warehouse`:
   a DELETE alone leaves the values in the file's blocks); a marker in the state
   directory makes a re-run finish that step after a crash;
4. the returned :class:`PurgeReport` (counts only) is what the audit entry records.

The copies orchestration makes are orchestration's to replace, after this: a building
copy of the warehouse left by a failed build, and BI's releases
(orchestration/publish.py ``purge_and_republish``, which every entry point runs).

The queue was decided from what the raw tables held: while the landing holds a batch not
loaded yet (the person may have re-applied or withdrawn a request in it), ``purge``
refuses to run, deletes nothing and records the refusal.

What is whose: candidate-keyed entities (candidates, applications, consent_events,
privacy_requests, outreach_events) by ``candidate_id``; application-keyed entities
(stage_events, evaluations, offers) by the person's application ids, which are every
``application_id`` that any table or file with both columns ties to the person. Jobs hold
no personal data. A vendor source's own tables (Greenhouse's ``candidate``,
``application``, ``scorecard`` ...) say in their sources YAML which column holds the
candidate id or an application id (table meta ``erasure``, :func:`vendor_erasure_keys`);
their raw tables, files and staging models (``stg_<source>__<table>``) are matched by those
columns, within that source. Tables with a ``source_system`` column are matched on
(source_system, id); raw tables and files on their source and the id; other tables on
the id alone. Tables shaped like the quarantine (``entity`` + ``record_key``) lose the
entries whose key is one of the person's candidate, application or event ids.

Ids are matched as staging sees them: column names case-insensitively, values cast to
text with spaces trimmed (DuckDB ``trim``), empty = NULL.

Nothing here logs or renders names, e-mails or ids: plans and reports show counts per
reason, per file and per table only (``repr`` hides the ids too).
"""

from __future__ import annotations

import csv
import functools
import io
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from erasure.exports import erase_from_exports
from loader import sql
from loader.audit import append_entry
from loader.contract import PERSON_ENTITIES
from loader.files import atomic_write, fsync_directory
from loader.intake import dbt_sources, landing_batches
from loader.load import LOADED_FILES, RAW_SCHEMA, spark_raw_dir
from loader.paths import WarehousePaths
from loader.tombstones import (
    TOMBSTONE_COLUMNS,
    TOMBSTONES_FILE,
    PurgeError,
    load_salt,
    read_tombstones,
    tombstone_hash,
)

QUEUE_TABLE = "marts.retention_purge_queue"
PURGE_REASONS = ("erasure_requested", "deleted_in_source", "retention_expired")
# entity -> (whose rows: by candidate or by application, the entity's own key column)
ENTITIES: dict[str, tuple[str, str]] = PERSON_ENTITIES  # type: ignore[assignment]
# event entities whose own key also identifies a person's row (quarantine record keys)
EVENT_KEY_COLUMNS = {
    key: entity
    for entity, (_, key) in ENTITIES.items()
    if entity not in ("candidates", "applications")
}

# present while deleted rows may still have bytes in the warehouse file (see compact_warehouse)
COMPACTION_PENDING_FILE = "warehouse_compaction_pending"


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
class Hit:
    """A warehouse table (``schema.table``) or a Parquet file (``archive:<path>``,
    ``spark:<path>``) holding rows of queued persons: how many, and how many it keeps."""

    where: str
    rows: int
    rows_kept: int | None = None  # files only: rows left in the rewritten file


@dataclass(frozen=True)
class PurgePlan:
    """Who is due (from the queue) and where their rows are; nothing has changed yet."""

    as_of_date: str | None
    persons: tuple[QueuedPerson, ...] = field(repr=False)
    files: tuple[Hit, ...]
    tables: tuple[Hit, ...]
    files_scanned: int
    # (source_system, entity, record key) of the persons' rows
    record_keys: frozenset[tuple[str, str, str]] = field(repr=False, default=frozenset())

    @property
    def persons_by_reason(self) -> tuple[tuple[str, int], ...]:
        return _by_reason(self.persons)

    @property
    def application_count(self) -> int:
        return sum(len(person.application_ids) for person in self.persons)

    def render(self) -> str:
        lines = [
            f"retention purge plan as of {self.as_of_date or '-'} (dry run: nothing changed)",
            _row("persons queued", len(self.persons)),
            *(_row(reason, count, 4) for reason, count in self.persons_by_reason),
            _row("their applications", self.application_count),
            *_hit_rows(
                f"archive and Spark files with their rows (of {self.files_scanned:,})",
                self.files,
                "  rows in those files",
            ),
            *_hit_rows("warehouse tables with their rows", self.tables, "  rows in those tables"),
        ]
        return "\n".join(lines)


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
    files: tuple[Hit, ...]
    tables: tuple[Hit, ...]
    warehouse_compacted: bool = False

    @property
    def persons(self) -> int:
        return sum(count for _, count in self.persons_by_reason)

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
            "file_rows_removed": {hit.where: hit.rows for hit in self.files},
            "table_rows_removed": {hit.where: hit.rows for hit in self.tables},
            "warehouse_compacted": self.warehouse_compacted,
        }

    def render(self) -> str:
        lines = [
            f"retention purge {self.run_id} as of {self.as_of_date or '-'}",
            _row("persons purged", self.persons),
            *(_row(reason, count, 4) for reason, count in self.persons_by_reason),
            _row("tombstones written", self.tombstones_written),
            _row("tombstones already present", self.tombstones_already_present),
            *_hit_rows(
                "files rewritten (archive, Spark, outreach exports)",
                self.files,
                "  rows removed from files",
            ),
            *_hit_rows("warehouse tables purged", self.tables, "  rows removed from tables"),
            "  warehouse file rewritten without the deleted rows' bytes: "
            + ("yes" if self.warehouse_compacted else "no (nothing deleted)"),
        ]
        return "\n".join(lines)


def _row(label: str, count: int, indent: int = 2) -> str:
    return f"{' ' * indent}{label:<{62 - indent}}{count:>10,}"


def _hit_rows(title: str, hits: tuple[Hit, ...], total: str) -> list[str]:
    """How many tables or files, the rows of each, and the rows in all."""
    rows = [_row(hit.where, hit.rows, 4) for hit in hits]
    return [_row(title, len(hits)), *rows, _row(total, sum(hit.rows for hit in hits))]


def _by_reason(persons: Iterable[QueuedPerson]) -> tuple[tuple[str, int], ...]:
    counts = Counter(person.purge_reason for person in persons)
    order = {reason: i for i, reason in enumerate(PURGE_REASONS)}
    return tuple(sorted(counts.items(), key=lambda item: (order.get(item[0], 99), item[0])))


# --------------------------------------------------------------------------------------------
# Tombstones
# --------------------------------------------------------------------------------------------


def write_tombstones(
    state_dir: Path, persons: Iterable[QueuedPerson], purged_at: str
) -> tuple[int, int]:
    """Append one tombstone per person not yet tombstoned; return (written, already present).

    The whole file is replaced atomically (loader/files.py); existing lines stay
    byte-identical.
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
    atomic_write(path, existing + buffer.getvalue().encode("utf-8"), mode=0o600)
    return len(new_rows), already


# --------------------------------------------------------------------------------------------
# Whose rows: ids, keys, and the tables and files that can hold them
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


@functools.cache
def vendor_erasure_keys(source_system: str) -> dict[str, ErasureKeys]:
    """A vendor source's own tables holding personal data, as its sources YAML declares
    them (table meta ``erasure: {candidate: <column>, application: <column>}``)."""
    return {
        table["name"]: ErasureKeys(erasure.get("candidate"), erasure.get("application"))
        for _, source in dbt_sources()
        if source["name"] == source_system
        for table in source.get("tables", [])
        if (erasure := (table.get("meta") or {}).get("erasure"))
    }


@dataclass(frozen=True)
class _Table:
    schema: str
    name: str
    columns: dict[str, str]  # normalized name -> actual name
    # a vendor table's staging model (stg_<source>__<table>) or raw table: its source and
    # erasure keys
    vendor: tuple[str, ErasureKeys] | None = None
    # a raw table (raw.<source>__<table>, loader/load.py) or a file: its rows' source
    source: str | None = None

    path: Path | None = None  # a Parquet file (archive, Spark), read by read_parquet

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.path is None else self.name

    @property
    def sql_name(self) -> str:
        if self.path is not None:
            return f"read_parquet({sql.literal(self.path.as_posix())})"
        return f"{sql.identifier(self.schema)}.{sql.identifier(self.name)}"

    def application_columns(self) -> tuple[str, str] | None:
        """(candidate column, application column), normalized, of a table tying applications
        to persons."""
        if self.vendor is not None and self.vendor[1].ties_applications:
            keys = self.vendor[1]
            names = (keys.candidate.lower(), keys.application.lower())  # type: ignore[union-attr]
        else:
            names = ("candidate_id", "application_id")
        return names if all(name in self.columns for name in names) else None

    def text(self, column: str) -> str:
        """A column of ``t`` (by its normalized name) as staging sees ids: text, trimmed."""
        return f"trim(cast(t.{sql.identifier(self.columns[column])} as varchar))"

    def predicate(self) -> str | None:
        """SQL (alias ``t``) true for the rows of queued persons; None: not a person table."""
        by_source = f" and k.source_system = {self.source_sql()}"
        if "source_system" not in self.columns and not self.source:
            by_source = ""
        # (the key it is, the column holding it, which source's keys)
        keyed = [(key, key, by_source) for key in ("candidate_id", "application_id")]
        if self.vendor is not None:
            source, erasure = self.vendor
            for key, column in (
                ("candidate_id", erasure.candidate),
                ("application_id", erasure.application),
            ):
                if column is not None:
                    keyed.append((key, column.lower(), f" and k.source_system = '{source}'"))
        parts = [
            f"exists (select 1 from purge_{key}s as k where k.{key} = {self.text(column)}{scope})"
            for key, column, scope in keyed
            if column in self.columns
        ]
        if "entity" in self.columns and "record_key" in self.columns:
            parts.append(
                "exists (select 1 from purge_record_keys as k"
                f" where k.entity = cast(t.{sql.identifier(self.columns['entity'])} as varchar)"
                f" and k.record_key = {self.text('record_key')}{by_source})"
            )
        return " or ".join(parts) or None

    def source_sql(self) -> str:
        """The source system of a row of ``t``: its column, the source of a raw table or
        file, or (``from_sql`` joins them) every queued source."""
        if "source_system" in self.columns:
            return f"cast(t.{sql.identifier(self.columns['source_system'])} as varchar)"
        if self.source:
            return f"'{self.source}'"
        return "queued_sources.source_system"

    def from_sql(self) -> str:
        clause = f"{self.sql_name} as t"
        if "source_system" not in self.columns and not self.source:
            clause += ", (select distinct source_system from purge_candidate_ids) as queued_sources"
        return clause


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


def _safe_message(error: Exception) -> str:
    """An error's message without the offending content."""
    if isinstance(error, UnicodeDecodeError):
        return f"invalid UTF-8 at byte {error.start}"
    return str(error)[:200]


def _person_tables(connection: duckdb.DuckDBPyConnection) -> list[_Table]:
    """Every base table, in any schema of the warehouse file, that can hold a person's rows."""
    tables = []
    for (schema, name), names in sql.base_tables(connection).items():
        cols = {}
        for column in names:
            cols.setdefault(column.lower(), column)
        if schema == RAW_SCHEMA and "__" in name:
            source = name.split("__", 1)[0]
            tables.append(_Table(schema, name, cols, _vendor_table(name, raw=True), source))
        else:
            tables.append(_Table(schema, name, cols, _vendor_table(name)))
    return [table for table in tables if table.predicate()]


def _parquet_files(paths: WarehousePaths) -> list[_Table]:
    """The copies of the raw tables in files, as tables: the archive's
    (<archive>/<source>/<batch_id>/<table>.parquet) and the Spark target's
    (<spark>/raw/<source>__<table>/<batch_id>.parquet), those that can hold a person's rows."""
    found: list[tuple[Path, str, str]] = []  # (path, raw table name, label)
    if paths.archive_dir is not None:
        for path in sorted(paths.archive_dir.glob("*/*/*.parquet")):
            label = f"archive:{path.relative_to(paths.archive_dir).as_posix()}"
            found.append((path, f"{path.parent.parent.name}__{path.stem}", label))
    spark = spark_raw_dir()
    for path in sorted(spark.glob("*__*/*.parquet")):
        found.append((path, path.parent.name, f"spark:{path.relative_to(spark).as_posix()}"))
    tables = []
    for path, name, label in found:
        try:
            names = pq.read_schema(path).names
        except (OSError, ValueError) as error:  # pyarrow's errors are ValueError or OSError
            raise PurgeError(
                f"{label} cannot be read as Parquet ({type(error).__name__}); restore it from"
                " its source or remove it, then purge again"
            ) from None
        columns = {column.lower(): column for column in names}
        vendor = _vendor_table(name, raw=True)
        tables.append(_Table("file", label, columns, vendor, name.split("__", 1)[0], path))
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
    def register(name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        arrays = [pa.array(values, pa.string()) for values in zip(*rows, strict=True)]
        empty = [pa.array([], pa.string()) for _ in columns]
        connection.register(name, pa.Table.from_arrays(arrays or empty, names=list(columns)))

    def pairs(by_source: dict[str, set[str]]) -> list[tuple[str, str]]:
        return sorted((source, value) for source, ids in by_source.items() for value in ids)

    register("purge_candidate_ids", ("source_system", "candidate_id"), pairs(targets.candidates))
    register(
        "purge_application_ids", ("source_system", "application_id"), pairs(targets.applications)
    )
    register(
        "purge_record_keys",
        ("source_system", "entity", "record_key"),
        sorted(targets.all_record_keys()),
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
    if rows:
        as_of = rows[0][5]
    else:  # the D of the marts, if any (a hand-made warehouse may have a queue only)
        try:
            as_of = sql.marts_as_of_date(connection)
        except duckdb.CatalogException:
            as_of = None
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
                f" cast({sql.identifier(column)} as varchar) as candidate_id"
                f" from {sql.identifier(schema)}.{sql.identifier(name)}"
                f" where _fate = 'suppressed' and {sql.identifier(column)} is not null"
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


def _collect_applications_and_keys(
    connection: duckdb.DuckDBPyConnection, tables: list[_Table], targets: _Targets
) -> None:
    """Every application id a table or file ties to a queued person, then the own keys of
    the persons' event rows (for quarantine-style entries); registered for the predicates."""
    for table in tables:
        tie = table.application_columns()
        if tie is None:
            continue
        candidate, application = (table.text(name) for name in tie)
        rows = connection.execute(
            f"""
            select distinct {table.source_sql()}, {candidate}, {application}
            from {table.from_sql()}
            where exists (
                select 1 from purge_candidate_ids as k
                where k.candidate_id = {candidate} and k.source_system = {table.source_sql()}
            )
            """
        ).fetchall()
        for source_system, candidate_id, application_id in rows:
            if application_id:
                targets.add_application(source_system, candidate_id, application_id)
    _register_targets(connection, targets)
    for table in tables:
        if "record_key" in table.columns:
            continue
        for key in (name for name in table.columns if name in EVENT_KEY_COLUMNS):
            rows = connection.execute(
                f"""
                select distinct {table.source_sql()}, {table.text(key)}
                from {table.from_sql()}
                where {table.predicate()}
                """
            ).fetchall()
            targets.record_keys.update(
                (source_system, EVENT_KEY_COLUMNS[key], value)
                for source_system, value in rows
                if value
            )
    _register_targets(connection, targets)


def _rows_of_persons(
    connection: duckdb.DuckDBPyConnection, tables: list[_Table], statement: str
) -> list[Hit]:
    """Run `<statement> <table> where <the persons' rows>` per table (a count, or a
    delete, which DuckDB answers with the rows deleted); tables with none are left out."""
    hits = []
    for table in tables:
        count = connection.execute(
            f"{statement} {table.sql_name} as t where {table.predicate()}"
        ).fetchall()[0][0]
        if count:
            hits.append(Hit(table.qualified, count))
    return hits


def _count_rows(connection: duckdb.DuckDBPyConnection, tables: list[_Table]) -> list[Hit]:
    return _rows_of_persons(connection, tables, "select count(*) from")


def _delete_rows(connection: duckdb.DuckDBPyConnection, tables: list[_Table]) -> list[Hit]:
    return _rows_of_persons(connection, tables, "delete from")


def _count_loaded_rows_left(connection: duckdb.DuckDBPyConnection, tables: list[_Table]) -> None:
    """`raw._loaded_files` counts the rows each file holds in the raw tables: lower it by the
    persons' rows about to be deleted (the landing reconciliation compares it with staging)."""
    for table in tables:
        if table.schema != RAW_SCHEMA or table.path is not None:
            continue
        connection.execute(
            f"""
            update {RAW_SCHEMA}.{LOADED_FILES} as loaded set rows = loaded.rows - deleted.n
            from (
                select _file, count(*) as n from {table.sql_name} as t
                where {table.predicate()} group by _file
            ) as deleted
            where loaded.file = deleted._file
            """
        ).fetchall()


def _forget_files_read(connection: duckdb.DuckDBPyConnection) -> None:
    """The incremental event models no longer hold what they held when they last read their
    raw tables' batches: forget what they read, so the next build recomputes them from the
    raw tables as they are now (dbt_project/macros/landing_files_loaded.sql)."""
    exists = connection.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'staging' and table_name = 'landing_files_loaded'"
    ).fetchone()[0]
    if exists:
        connection.execute("delete from staging.landing_files_loaded").fetchall()


def rewrite_parquet(connection: duckdb.DuckDBPyConnection, table: _Table) -> Hit | None:
    """Replace one Parquet file (archive, Spark) by its rows that are not the queued persons',
    atomically (loader/files.py), with the same schema and compression; None when it
    holds none of them. The one function for every Parquet copy of the raw tables."""
    assert table.path is not None
    parquet = pq.ParquetFile(table.path)
    rows = parquet.read()
    numbered = rows.append_column("_purge_row", pa.array(range(rows.num_rows), pa.int64()))
    connection.register("purge_file", numbered)
    try:
        kept = (
            connection.sql(
                f"select _purge_row from purge_file as t where not ({table.predicate()})"
                " order by _purge_row"
            )
            .to_arrow_table()
            .column(0)
        )
    finally:
        connection.unregister("purge_file")
    removed = rows.num_rows - len(kept)
    if not removed:
        return None
    metadata = parquet.metadata
    compression = (
        metadata.row_group(0).column(0).compression
        if metadata.num_row_groups and metadata.num_columns
        else "SNAPPY"
    )
    atomic_write(
        table.path,
        lambda path: pq.write_table(rows.take(kept), path, compression=compression),
    )
    return Hit(table.qualified, removed, rows.num_rows - removed)


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

    def copy_live_data(temp: Path) -> None:
        temp.unlink()  # DuckDB creates the database file itself
        connection = duckdb.connect()
        try:
            connection.execute(f"attach {sql.literal(str(source))} as purge_source (read_only)")
            connection.execute(f"attach {sql.literal(str(temp))} as purge_target")
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
            Path(f"{temp}.wal").unlink(missing_ok=True)

    atomic_write(source, copy_live_data)


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
        tables, files = _person_tables(connection), _parquet_files(paths)
        _collect_applications_and_keys(connection, [*tables, *files], targets)
        table_hits = _count_rows(connection, tables) if queue else []
        file_hits = _count_rows(connection, files) if queue else []
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
        files=tuple(file_hits),
        tables=tuple(table_hits),
        files_scanned=len(files),
        record_keys=frozenset(targets.record_keys),
    )


def apply_purge(plan: PurgePlan, paths: WarehousePaths, *, run_id: str) -> PurgeReport:
    """Delete the planned persons: tombstones, then the files, then the warehouse.

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

    # 2. the files, each replaced atomically; 3. the warehouse in one transaction, then
    #    the file rewritten without their bytes (pending until done, so a re-run finishes it)
    pending = paths.state_dir / COMPACTION_PENDING_FILE
    was_pending = pending.exists()
    file_hits: list[Hit] = []
    table_hits: list[Hit] = []
    if plan.persons:
        connection = _connect(paths, read_only=False)
        try:
            _register_targets(connection, targets)
            tables, files = _person_tables(connection), _parquet_files(paths)
            # a batch loaded since the plan may tie more applications to them
            _collect_applications_and_keys(connection, [*tables, *files], targets)
            file_hits = [hit for file in files if (hit := rewrite_parquet(connection, file))]
            # the outreach export files handed to the mailing tool (recontact-outreach v1)
            file_hits += [
                Hit(f"export:{path.name}", removed, kept)
                for path, removed, kept in erase_from_exports(
                    paths.state_dir, {(p.source_system, p.candidate_id) for p in plan.persons}
                )
            ]
            if not was_pending:
                atomic_write(pending, run_id.encode("utf-8"))
            connection.execute("begin transaction")
            try:
                _count_loaded_rows_left(connection, tables)
                table_hits = _delete_rows(connection, tables)
                _forget_files_read(connection)
                connection.execute("commit")
            except BaseException:
                connection.execute("rollback")
                raise
        except duckdb.Error as error:
            raise PurgeError(
                f"deleting from the warehouse failed and was rolled back: {type(error).__name__}"
                f" ({_safe_message(error)}); the files are purged, re-run to finish"
            ) from None
        finally:
            connection.close()
        if not table_hits and not was_pending:
            pending.unlink()  # nothing deleted (a re-run): nothing to scrub
    compacted = pending.exists()
    if compacted:
        compact_warehouse(paths)
        pending.unlink()
        fsync_directory(paths.state_dir)

    # 4. the report the audit entry records (counts only)
    return PurgeReport(
        run_id=run_id,
        as_of_date=plan.as_of_date,
        started_at=started_at,
        finished_at=_now(),
        persons_by_reason=plan.persons_by_reason,
        tombstones_written=written,
        tombstones_already_present=already,
        files=tuple(sorted(file_hits, key=lambda hit: hit.where)),
        tables=tuple(table_hits),
        warehouse_compacted=compacted,
    )


def refuse_while_unloaded(paths: WarehousePaths, run_id: str, *, dry_run: bool) -> None:
    """Raise PurgeError, and record the refusal (counts only), while the landing holds a
    batch that is not loaded: the queue was decided without it (the person may have
    re-applied, or a row of it may be bad), and a purge is irreversible."""
    waiting = [f"{batch.parent.name}/{batch.name}" for batch in landing_batches(paths.landing_dir)]
    if not waiting:
        return
    append_entry(
        paths.audit_dir,
        {
            "event": "purge_refused",
            "run_id": run_id,
            "dry_run": dry_run,
            "reason": "batches in the landing not loaded",
            "unloaded_batches": len(waiting),
        },
    )
    more = f" and {len(waiting) - 10} more" if len(waiting) > 10 else ""
    listed = ", ".join(waiting[:10]) + more
    raise PurgeError(
        f"refused: the landing holds {len(waiting)} batch(es) not loaded ({listed}), and the"
        " purge queue was decided without them; nothing was deleted. Run `recontact load`"
        " (or `recontact build`); fix or remove a batch the intake refuses, then purge again"
    )


def purge(paths: WarehousePaths, *, dry_run: bool, run_id: str) -> PurgePlan | PurgeReport:
    """Plan the purge and record the plan; unless ``dry_run``, carry it out and record it.
    Every entry point goes through here (by orchestration/publish.py
    ``purge_and_republish``, which then replaces the BI releases), so each leaves the same
    audit entry (``purge_refused``, ``purge_dry_run`` or ``purge``, counts only). Refused
    while a batch waits in the landing."""
    refuse_while_unloaded(paths, run_id, dry_run=dry_run)
    plan = plan_purge(paths)
    if dry_run:
        append_entry(
            paths.audit_dir, {"event": "purge_dry_run", "run_id": run_id, "summary": plan.render()}
        )
        return plan
    report = apply_purge(plan, paths, run_id=run_id)
    append_entry(paths.audit_dir, {"event": "purge", "run_id": run_id, "summary": report.render()})
    return report


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_id() -> str:
    return f"purge-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
