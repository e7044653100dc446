"""The loader: every landing batch read once into append-only raw tables.

`load(paths)` runs before every dbt build (CLI `recontact load`, the Dagster asset of each
source, the tests). It
1. runs the intake checks (orchestration/intake.py: the landing's layout, CP932
   decoding, strict CSV / JSON-lines reading, batch manifests); when they refuse the
   export nothing is loaded;
2. reads every batch not loaded yet, or whose files changed since they were loaded (an
   ATS re-sending a batch, a purge rewriting it), into `raw.<source>__<table>`: the
   contract's columns (docs/sources.md) as the file's text, matched to the contract by
   name without regard to case, plus the lineage `_batch_id`, `_file`,
   `_row_number` (1-based data row) and `_loaded_at`; a batch's tables are replaced in
   one transaction, so a reader sees the whole batch or none of it;
3. deletes the rows of a batch that is no longer in the landing.

A person purged earlier (a purge tombstone, orchestration/purge.py) whom an export
delivers again reaches the raw tables with the row's ids only: their name, contact
details and evaluation text are never stored.

dbt reads the raw tables, never the files (`read_landing` in macros/read_landing.sql),
so a build or a daily run reads no file at all. A file lacking a required column is
refused here, naming file and column; a column outside the contract is reported by
name. Nothing of a row's content ever reaches a message.

What was loaded is recorded per file in `raw._loaded_files` (size and modification time,
and a SHA-256 of the content, so a file touched without change is not reloaded). The
same loader serves the three dbt targets: DuckDB writes into the warehouse file,
PostgreSQL receives the rows by COPY, Spark gets one Parquet file per batch under
`<RECONTACT_SPARK_DIR>/raw/<source>__<table>/` (registered as tables by dbt's
on-run-start, macros/raw_tables.sql).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration import intake
from orchestration.engines import PostgresSettings, current_target
from orchestration.paths import WarehousePaths, resolve

RAW_SCHEMA = "raw"
LOADED_FILES = "_loaded_files"
TOMBSTONES = "_tombstones"
TOMBSTONE_SALT = "_tombstone_salt"
LINEAGE = {
    "_batch_id": "varchar",
    "_file": "varchar",
    "_row_number": "bigint",
    "_loaded_at": "timestamp with time zone",
}
# The lineage every writer receives with a file's rows (`_loaded_at` it adds itself).
FILE_LINEAGE = ("_batch_id", "_file", "_row_number")
SPARK_DIR_VARIABLE = "RECONTACT_SPARK_DIR"
POSTGRES_IDENTIFIER_LIMIT = 63


class LoadError(intake.IntakeError):
    """A batch cannot be loaded as it is (a required column missing, a file the reader
    refuses); like IntakeError it lists every problem, never a value of a row."""


@dataclass(frozen=True)
class RawTable:
    """One table of a dbt source: what its raw table holds."""

    source: str
    table: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    # whose rows: the candidate id column a purge tombstone is matched on (table meta
    # erasure.candidate of a vendor table, else candidate_id), None for other tables
    person_column: str | None = None

    @property
    def name(self) -> str:
        return f"{self.source}__{self.table}"


@dataclass
class LoadReport:
    """Counts only: printed, logged and attached to Dagster runs."""

    intake: intake.IntakeReport
    loaded: dict[str, int] = field(default_factory=dict)  # source/batch -> rows loaded now
    rows_by_table: dict[str, int] = field(default_factory=dict)  # raw table -> rows loaded now
    removed: list[str] = field(default_factory=list)  # source/batch gone from the landing
    unchanged: int = 0  # batches already loaded as they are
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> columns

    @property
    def rows(self) -> int:
        return sum(self.loaded.values())

    def render(self) -> str:
        lines = [
            self.intake.render(),
            f"load: {len(self.loaded)} batch(es) loaded now ({self.rows:,} row(s)),"
            f" {self.unchanged} unchanged since loaded",
        ]
        if self.removed:
            lines.append(f"  batches gone from the landing, removed: {', '.join(self.removed)}")
        for file, columns in sorted(self.ignored_columns.items()):
            lines.append(
                f"  landing file {file}: ignoring column(s) not in the contract:"
                f" {', '.join(columns)}"
            )
        return "\n".join(lines)


def raw_tables() -> list[RawTable]:
    """Every table the dbt sources declare, with its contract columns."""
    tables = []
    for _, source in intake.dbt_sources():
        for table in source["tables"]:
            columns = table.get("columns") or []
            names = tuple(column["name"] for column in columns)
            erasure = (table.get("meta") or {}).get("erasure")
            if erasure is not None:
                person_column = erasure.get("candidate")
            else:
                person_column = "candidate_id" if "candidate_id" in names else None
            tables.append(
                RawTable(
                    source=source["name"],
                    table=table["name"],
                    columns=names,
                    required=tuple(
                        column["name"]
                        for column in columns
                        if (column.get("meta") or {}).get("required")
                    ),
                    person_column=person_column,
                )
            )
    return tables


def load(
    paths: WarehousePaths, target: str | None = None, sources: set[str] | None = None
) -> LoadReport:
    """Check the landing, then bring the raw tables of the target in line with it: load
    new and changed batches, remove gone ones (of the sources given, default every
    source). Raises IntakeError (nothing loaded) when the intake refuses the export,
    LoadError when a batch cannot be loaded (the other batches are loaded; the failing
    batch keeps what it had)."""
    report = LoadReport(intake=intake.prepare_landing(paths))
    tables = {
        (table.source, table.table): table
        for table in raw_tables()
        if sources is None or table.source in sources
    }
    files_by_batch: dict[tuple[str, str], list[intake.LandedFile]] = {}
    for file in intake.landing_files(paths):
        if (file.source, file.entity) in tables:
            files_by_batch.setdefault((file.source, file.batch_id), []).append(file)
    loaded_at = datetime.now(UTC)
    tombstones = _tombstones(paths.state_dir)
    with _writer(paths, target or current_target()) as writer:
        writer.create_tables(list(tables.values()))
        writer.store_tombstones(tombstones)
        writer.register_tombstones(tombstones)
        recorded = {
            file: signature
            for file, signature in writer.loaded_files().items()
            if sources is None or file.split("/", 1)[0] in sources
        }
        problems: list[str] = []
        for (source, batch_id), files in sorted(files_by_batch.items()):
            label = f"{source}/{batch_id}"
            before = {path: sig for path, sig in recorded.items() if _batch_of(path) == label}
            current = {
                file.relative: _signature(file.path, before.get(file.relative)) for file in files
            }
            if current == before:
                report.unchanged += 1
                continue
            source_tables = [table for key, table in tables.items() if key[0] == source]
            try:
                selects = {
                    table.name: _contract_select(
                        table,
                        [f for f in files if f.entity == table.table],
                        report,
                        suppress=tombstones is not None,
                    )
                    for table in source_tables
                }
            except LoadError as error:
                problems.extend(error.problems)
                continue
            loaded = writer.replace_batch(source_tables, batch_id, selects, current, loaded_at)
            report.loaded[label] = sum(loaded.values())
            for name, rows in loaded.items():
                report.rows_by_table[name] = report.rows_by_table.get(name, 0) + rows
        for label in sorted({_batch_of(path) for path in recorded}):
            source, batch_id = label.split("/", 1)
            if (source, batch_id) not in files_by_batch:
                writer.replace_batch(
                    [table for key, table in tables.items() if key[0] == source],
                    batch_id, {}, {}, loaded_at,
                )  # fmt: skip
                report.removed.append(label)
    if problems:
        raise LoadError(problems)
    return report


def _tombstones(state_dir: Path) -> pa.Table | None:
    """The purge tombstones (source_system, candidate_key_hash) and, as a column, their
    salt; None when nobody was purged. Registered as a relation of the reading connection,
    so the salt is never in SQL text."""
    from orchestration.purge import TOMBSTONES_FILE, load_salt

    path = state_dir / TOMBSTONES_FILE
    salt = load_salt(state_dir)
    if salt is None or not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(row["source_system"], row["candidate_key_hash"]) for row in csv.DictReader(handle)]
    if not rows:
        return None
    return pa.table(
        {
            "source_system": [source for source, _ in rows],
            "candidate_key_hash": [digest for _, digest in rows],
            "salt": [salt] * len(rows),
        }
    )


def _batch_of(relative_path: str) -> str:
    return relative_path.rsplit("/", 1)[0]


def _signature(path: Path, recorded: str | None) -> str:
    """'size:mtime_ns:sha256' of a file; the content is hashed again only when size or
    modification time differ from what was recorded (then an unchanged content keeps
    its recorded signature: the file is not reloaded)."""
    stat = path.stat()
    prefix = f"{stat.st_size}:{stat.st_mtime_ns}:"
    if recorded and recorded.startswith(prefix):
        return recorded
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    if recorded and recorded.endswith(":" + digest):
        return recorded
    return prefix + digest


# ----------------------------------------------------------------------------------------
# reading a file as the contract's columns
# ----------------------------------------------------------------------------------------


def _reader(file: intake.LandedFile) -> tuple[str, list[str]]:
    """A DuckDB relation reading the file with every field as text, and its header."""
    path = intake._literal(file.path.as_posix())
    if file.fmt == "csv":
        header = intake._csv_header(file)
        columns = ", ".join(f"{intake._literal(name)}: 'VARCHAR'" for name in header)
        return (
            f"read_csv({path}, header = true, auto_detect = false, columns = {{{columns}}},"
            " delim = ',', quote = '\"', escape = '\"', comment = '', skip = 0)",
            header,
        )
    if file.fmt == "parquet":
        relation = f"read_parquet({path})"
    else:
        relation = f"read_json({path}, format = 'newline_delimited')"
    with duckdb.connect() as connection:
        try:
            header = [
                row[0]
                for row in connection.execute(f"describe select * from {relation}").fetchall()
            ]
        except duckdb.Error as error:
            raise LoadError([f"landing file {file.relative}: {intake._located(error)}"]) from None
    if file.fmt == "jsonl":
        # every field as text: DuckDB would infer one JSON type per column, and a single
        # value of another type would keep the quotes on every string of the column
        columns = ", ".join(f"{intake._literal(name)}: 'VARCHAR'" for name in header)
        relation = f"read_json({path}, format = 'newline_delimited', columns = {{{columns}}})"
    return relation, header


def _contract_select(
    table: RawTable, files: list[intake.LandedFile], report: LoadReport, suppress: bool = False
) -> str | None:
    """One select over the batch's files of this table: the contract's columns as text
    (NULL where the file lacks an optional column) and the lineage but _loaded_at; None
    when the batch has no file of it (or only empty ones). suppress: a row of a person
    purged earlier (tombstoned, relation `load_tombstones`) keeps only its ids (`id`,
    `contact`, `*_id`): a re-delivered person's name, contact details or evaluation text
    never reach a raw table (dbt blanks the same columns of the same rows, read_landing.sql)."""
    selects = []
    for file in files:
        if file.path.stat().st_size == 0:
            continue
        relation, header = _reader(file)
        if not header:
            continue
        by_key = {name.strip().lower(): name for name in header}
        missing = [column for column in table.required if column not in by_key]
        if missing:
            raise LoadError(
                [
                    f"landing file {file.relative} lacks required column(s) {', '.join(missing)};"
                    f" the load of {table.source}.{table.table} fails"
                ]
            )
        unknown = sorted(set(by_key) - set(table.columns))
        if unknown:
            report.ignored_columns[file.relative] = unknown
        values = [
            f"cast({intake._identifier(by_key[column])} as varchar) as {column}"
            if column in by_key
            else f"cast(null as varchar) as {column}"
            for column in table.columns
        ]
        selects.append(
            f"select {', '.join(values)}, {intake._literal(file.batch_id)} as _batch_id,"
            f" {intake._literal(file.relative)} as _file,"
            f" cast(row_number() over () as bigint) as _row_number from {relation}"
        )
    if not selects:
        return None
    landed = "\nunion all\n".join(selects)
    if not (suppress and table.person_column in table.columns):
        return landed
    person = f"nullif(trim({table.person_column}), '')"
    source = intake._literal(table.source)
    tombstoned = (
        f"coalesce({person} is not null and sha256((select any_value(salt) from load_tombstones)"
        f" || '|' || {source} || '|' || {person}) in (select candidate_key_hash"
        f" from load_tombstones where source_system = {source}), false)"
    )
    values = [
        column
        if column in ("id", "contact") or column.endswith("_id")
        else f"case when {tombstoned} then null else {column} end as {column}"
        for column in table.columns
    ]
    return f"select {', '.join([*values, *FILE_LINEAGE])} from ({landed})"


# ----------------------------------------------------------------------------------------
# the targets
# ----------------------------------------------------------------------------------------


def _writer(paths: WarehousePaths, target: str):
    if target == "duckdb":
        return _DuckDBWriter(paths.duckdb_path)
    if target == "postgres":
        return _PostgresWriter(PostgresSettings.from_env())
    if target == "spark":
        return _SparkWriter(spark_raw_dir())
    raise ValueError(f"no loader for target {target!r}")


def spark_raw_dir(environ: dict[str, str] | None = None) -> Path:
    """Where the Spark target's raw tables keep their Parquet files."""
    environ = os.environ if environ is None else environ
    return resolve(environ.get(SPARK_DIR_VARIABLE, "data/spark")) / "raw"


def _column_list(table: RawTable, text_type: str, types: dict[str, str]) -> str:
    return ", ".join(
        [f"{column} {text_type}" for column in table.columns]
        + [f"{name} {kind}" for name, kind in types.items()]
    )


class _DuckDBWriter:
    """Raw tables in the warehouse file; the batch's files are read by the same
    connection, inside the transaction that replaces the batch."""

    def __init__(self, duckdb_path: Path) -> None:
        duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = duckdb.connect(str(duckdb_path))

    def __enter__(self) -> _DuckDBWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.connection.close()

    def create_tables(self, tables: list[RawTable]) -> None:
        self.connection.execute(f"create schema if not exists {RAW_SCHEMA}")
        self.connection.execute(
            f"create table if not exists {RAW_SCHEMA}.{LOADED_FILES}"
            " (file varchar primary key, signature varchar, loaded_at timestamp with time zone)"
        )
        for table in tables:
            self.connection.execute(
                f"create table if not exists {RAW_SCHEMA}.{table.name}"
                f" ({_column_list(table, 'varchar', LINEAGE)})"
            )
            present = {
                row[0]
                for row in self.connection.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = ? and table_name = ?",
                    [RAW_SCHEMA, table.name],
                ).fetchall()
            }
            for column in table.columns:
                if column not in present:  # the contract gained an optional column
                    self.connection.execute(
                        f"alter table {RAW_SCHEMA}.{table.name} add column {column} varchar"
                    )

    def store_tombstones(self, tombstones: pa.Table | None) -> None:
        """DuckDB's dbt target reads the tombstone files itself (tombstones.sql)."""

    def register_tombstones(self, tombstones: pa.Table | None) -> None:
        if tombstones is not None:
            self.connection.register("load_tombstones", tombstones)

    def loaded_files(self) -> dict[str, str]:
        return dict(
            self.connection.execute(
                f"select file, signature from {RAW_SCHEMA}.{LOADED_FILES}"
            ).fetchall()
        )

    def replace_batch(
        self,
        tables: list[RawTable],
        batch_id: str,
        selects: dict[str, str | None],
        signatures: dict[str, str],
        loaded_at: datetime,
    ) -> dict[str, int]:
        """Replace the batch's rows in each of the source's raw tables (a table without a
        select loses them) and its record of loaded files, in one transaction; rows
        loaded per raw table."""
        source = tables[0].source if tables else ""
        rows: dict[str, int] = {}
        connection = self.connection
        connection.execute("begin transaction")
        try:
            for table in tables:
                connection.execute(
                    f"delete from {RAW_SCHEMA}.{table.name} where _batch_id = ?", [batch_id]
                )
                select = selects.get(table.name)
                if select:
                    names = ", ".join([*table.columns, *LINEAGE])
                    count = connection.execute(
                        f"insert into {RAW_SCHEMA}.{table.name} ({names})"
                        f" select *, ? from ({select})",
                        [loaded_at],
                    ).fetchone()[0]
                    rows[table.name] = count
            connection.execute(
                f"delete from {RAW_SCHEMA}.{LOADED_FILES} where file like ? escape '\\'",
                [_like_prefix(f"{source}/{batch_id}/")],
            )
            for file, signature in signatures.items():
                connection.execute(
                    f"insert into {RAW_SCHEMA}.{LOADED_FILES} values (?, ?, ?)",
                    [file, signature, loaded_at],
                )
            connection.execute("commit")
        except duckdb.Error as error:
            connection.execute("rollback")
            raise LoadError(
                [f"batch {source}/{batch_id} could not be loaded: {intake._located(error)}"]
            ) from None
        return rows


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class _ScratchReader:
    """The batch's files read by an in-memory DuckDB, for a target that cannot read them."""

    def __init__(self) -> None:
        self.reader = duckdb.connect()

    def close(self) -> None:
        self.reader.close()

    def register_tombstones(self, tombstones: pa.Table | None) -> None:
        if tombstones is not None:
            self.reader.register("load_tombstones", tombstones)

    def export(self, select: str, destination: Path, fmt: str) -> int:
        """Write the select to a CSV (every value quoted, NULL unquoted) or a Parquet file."""
        options = "format csv, header false, force_quote *" if fmt == "csv" else "format parquet"
        self.reader.execute(
            f"copy ({select}) to {intake._literal(destination.as_posix())} ({options})"
        )
        if fmt == "csv":
            with destination.open(encoding="utf-8", newline="") as handle:
                return sum(1 for _ in csv.reader(handle))
        return self.reader.execute(
            f"select count(*) from read_parquet({intake._literal(destination.as_posix())})"
        ).fetchone()[0]


class _PostgresWriter(_ScratchReader):
    """Raw tables in schema raw of the PostgreSQL server, one transaction per batch."""

    def __init__(self, settings: PostgresSettings) -> None:
        super().__init__()
        self.connection = settings.connect()

    def __enter__(self) -> _PostgresWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.connection.close()
        self.close()

    def create_tables(self, tables: list[RawTable]) -> None:
        types = {
            **dict.fromkeys(LINEAGE, "text"),
            "_row_number": "bigint",
            "_loaded_at": "timestamptz",
        }
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {RAW_SCHEMA}")
            cursor.execute(
                f"create table if not exists {RAW_SCHEMA}.{LOADED_FILES}"
                " (file text primary key, signature text, loaded_at timestamptz)"
            )
            for table in tables:
                if len(table.name) > POSTGRES_IDENTIFIER_LIMIT:
                    raise LoadError(
                        [f"raw table name {table.name} is longer than PostgreSQL allows"]
                    )
                cursor.execute(
                    f"create table if not exists {RAW_SCHEMA}.{table.name}"
                    f" ({_column_list(table, 'text', types)})"
                )
                for column in table.columns:
                    cursor.execute(
                        f"alter table {RAW_SCHEMA}.{table.name}"
                        f" add column if not exists {column} text"
                    )

    def store_tombstones(self, tombstones: pa.Table | None) -> None:
        """The tombstones and their salt, read by the server at run time (tombstones.sql):
        the salt never appears in compiled SQL or logs."""
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute(
                f"create table if not exists {RAW_SCHEMA}.{TOMBSTONES}"
                " (source_system text, candidate_key_hash text)"
            )
            cursor.execute(f"create table if not exists {RAW_SCHEMA}.{TOMBSTONE_SALT} (salt text)")
            cursor.execute(f"truncate {RAW_SCHEMA}.{TOMBSTONES}, {RAW_SCHEMA}.{TOMBSTONE_SALT}")
            if tombstones is not None:
                columns = tombstones.to_pydict()
                cursor.execute(
                    f"insert into {RAW_SCHEMA}.{TOMBSTONE_SALT} values (%s)", (columns["salt"][0],)
                )
                cursor.executemany(
                    f"insert into {RAW_SCHEMA}.{TOMBSTONES} values (%s, %s)",
                    list(zip(columns["source_system"], columns["candidate_key_hash"], strict=True)),
                )

    def loaded_files(self) -> dict[str, str]:
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute(f"select file, signature from {RAW_SCHEMA}.{LOADED_FILES}")
            return dict(cursor.fetchall())

    def replace_batch(self, tables, batch_id, selects, signatures, loaded_at) -> dict[str, int]:
        source = tables[0].source if tables else ""
        rows: dict[str, int] = {}
        with tempfile.TemporaryDirectory(prefix="recontact-load-") as scratch:
            with self.connection, self.connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(
                        f"delete from {RAW_SCHEMA}.{table.name} where _batch_id = %s", (batch_id,)
                    )
                    select = selects.get(table.name)
                    if not select:
                        continue
                    exported = Path(scratch) / f"{table.name}.csv"
                    rows[table.name] = self.export(select, exported, "csv")
                    names = ", ".join([*table.columns, *FILE_LINEAGE])
                    with exported.open(encoding="utf-8") as handle:
                        cursor.copy_expert(
                            f"copy {RAW_SCHEMA}.{table.name} ({names})"
                            " from stdin with (format csv)",
                            handle,
                        )
                    cursor.execute(
                        f"update {RAW_SCHEMA}.{table.name} set _loaded_at = %s"
                        " where _batch_id = %s",
                        (loaded_at, batch_id),
                    )
                cursor.execute(
                    f"delete from {RAW_SCHEMA}.{LOADED_FILES} where starts_with(file, %s)",
                    (f"{source}/{batch_id}/",),
                )
                for file, signature in signatures.items():
                    cursor.execute(
                        f"insert into {RAW_SCHEMA}.{LOADED_FILES} values (%s, %s, %s)",
                        (file, signature, loaded_at),
                    )
        return rows


class _SparkWriter(_ScratchReader):
    """One Parquet file per batch and table under <raw_dir>/<table>/ (Spark has no
    transactions on Parquet tables: a batch's file is replaced by a rename, and the record
    of loaded files is written after every batch's files are in place)."""

    def __init__(self, raw_dir: Path) -> None:
        super().__init__()
        self.raw_dir = raw_dir
        self.record = raw_dir / f"{LOADED_FILES}.csv"

    def __enter__(self) -> _SparkWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def create_tables(self, tables: list[RawTable]) -> None:
        for table in tables:
            (self.raw_dir / table.name).mkdir(parents=True, exist_ok=True)

    def store_tombstones(self, tombstones: pa.Table | None) -> None:
        """Spark reads the tombstone files itself (tombstones.sql)."""

    def loaded_files(self) -> dict[str, str]:
        if not self.record.exists():
            return {}
        with self.record.open(encoding="utf-8", newline="") as handle:
            return {row["file"]: row["signature"] for row in csv.DictReader(handle)}

    def replace_batch(self, tables, batch_id, selects, signatures, loaded_at) -> dict[str, int]:
        source = tables[0].source if tables else ""
        rows: dict[str, int] = {}
        stamp = loaded_at.isoformat()
        for table in tables:
            final = self.raw_dir / table.name / f"{batch_id}.parquet"
            select = selects.get(table.name)
            if not select:
                final.unlink(missing_ok=True)
                continue
            temp = final.with_name(f".{batch_id}.{os.getpid()}.tmp")
            rows[table.name] = self.export(
                f"select *, cast({intake._literal(stamp)} as timestamp with time zone)"
                f" as _loaded_at from ({select})",
                temp,
                "parquet",
            )
            os.replace(temp, final)
        recorded = {
            file: signature
            for file, signature in self.loaded_files().items()
            if not file.startswith(f"{source}/{batch_id}/")
        }
        recorded.update(signatures)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["file", "signature"])
        writer.writerows(sorted(recorded.items()))
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        temp = self.record.with_name(f".{self.record.name}.{os.getpid()}.tmp")
        temp.write_text(buffer.getvalue(), encoding="utf-8")
        os.replace(temp, self.record)
        return rows


def loaded_batches(paths: WarehousePaths) -> set[str] | None:
    """`source/batch_id` of every batch the DuckDB warehouse's raw tables hold (read-only);
    an empty set before the first load, None while a writer holds the file."""
    if not paths.duckdb_path.exists():
        return set()
    try:
        with duckdb.connect(str(paths.duckdb_path), read_only=True) as connection:
            files = connection.execute(f"select file from {RAW_SCHEMA}.{LOADED_FILES}").fetchall()
    except duckdb.CatalogException:
        return set()
    except duckdb.IOException:
        return None
    return {_batch_of(file) for (file,) in files}
