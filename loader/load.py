"""The loader: every batch in the landing read once into the raw tables, then out of the landing.

The landing is an inbox. `load(paths)` runs before every dbt build (CLI `recontact load`,
the Dagster asset of each source, the tests). It
1. runs the intake checks (loader/intake.py: the landing's layout, CP932
   decoding into a temporary directory of this load, strict CSV / JSON-lines reading,
   batch manifests); when they refuse the export nothing is loaded and every batch stays
   in the landing;
2. reads every batch in the landing into `raw.<source>__<table>`: the contract's columns
   (docs/sources.md) as the file's text, matched to the contract by name without regard
   to case, plus the lineage `_batch_id`, `_file`, `_row_number` (1-based data row) and
   `_loaded_at`; a batch's tables are replaced in one transaction, so a reader sees the
   whole batch or none of it, and a batch id loaded before is a re-send that replaces
   that batch's rows;
3. once the batch's transaction committed, takes the batch out of the landing: deleted,
   or, when RECONTACT_ARCHIVE_DIR is set, kept as `<archive>/<source>/<batch_id>/<table>.parquet`
   holding exactly the rows loaded (contract columns as text, `_batch_id`, `_file`,
   `_row_number`). Parquet of the rows rather than the vendor's bytes: the purge
   (erasure/purge.py) must erase a person from every copy, and one format that it
   rewrites the same way as Spark's raw files is what makes that simple and sure.
A batch that cannot be loaded (a required column missing) stays in the landing, named in
the error; the other batches are loaded.

The raw tables are the system of record: a batch leaves them only when a re-send replaces
it, and a person only by the purge. What was loaded is recorded per file in
`raw._loaded_files` (file, batch, rows, loaded_at; a purge lowers `rows` by what it
deleted), which the intake's manifest checks and the landing reconciliation read instead
of files. A person purged earlier (a purge tombstone) whom an export delivers again
reaches the raw tables with the row's ids only: their name, contact details and
evaluation text are never stored.

dbt reads the raw tables, never the files (`read_landing` in macros/read_landing.sql). A
file lacking a required column is refused here, naming file and column; a column outside
the contract is reported by name. Nothing of a row's content ever reaches a message. The
same loader serves the three dbt targets: DuckDB writes into the warehouse file,
PostgreSQL receives the rows by COPY, Spark gets one Parquet file per batch under
`<RECONTACT_SPARK_DIR>/raw/<source>__<table>/` (registered as tables by dbt's
on-run-start, macros/raw_tables.sql).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from loader import intake, sql
from loader.engines import PostgresSettings, current_target
from loader.files import atomic_write, fsync_directory
from loader.paths import WarehousePaths, resolve
from loader.tombstones import tombstone_table

RAW_SCHEMA = "raw"
LOADED_FILES = "_loaded_files"
LOADED_FILES_COLUMNS = ("file", "batch_id", "rows", "loaded_at")
TOMBSTONES = "_tombstones"
TOMBSTONE_SALT = "_tombstone_salt"
LINEAGE = {
    "_batch_id": "varchar",
    "_file": "varchar",
    "_row_number": "bigint",
    "_loaded_at": "timestamp with time zone",
}
# The lineage every writer receives with a file's rows (`_loaded_at` it adds itself); with
# the contract's columns, what the archive keeps of a batch.
FILE_LINEAGE = ("_batch_id", "_file", "_row_number")
SPARK_DIR_VARIABLE = "RECONTACT_SPARK_DIR"
POSTGRES_IDENTIFIER_LIMIT = 63


class LoadError(intake.IntakeError):
    """A batch cannot be loaded as it is (a required column missing, a file the reader
    refuses); like IntakeError it lists every problem, never a value of a row."""

    headline = (
        "some batches could not be loaded and stay in the landing (the other batches were loaded)"
    )


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
    archive_dir: Path | None = None  # where loaded batches went (None: deleted)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> columns

    @property
    def rows(self) -> int:
        return sum(self.loaded.values())

    def render(self) -> str:
        gone = f"moved to the archive {self.archive_dir}" if self.archive_dir else "deleted"
        lines = [
            self.intake.render(),
            f"load: {len(self.loaded)} batch(es) loaded ({self.rows:,} row(s)),"
            f" then {gone} from the landing",
        ]
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
    """Check the landing, then load every batch in it (of the sources given, default every
    source) into the raw tables of the target, and take each loaded batch out of the
    landing. Raises IntakeError (nothing loaded) when the intake refuses the export,
    LoadError when a batch cannot be loaded (the other batches are loaded; the failing
    batch stays in the landing and its raw rows are as they were)."""
    tables = {
        (table.source, table.table): table
        for table in raw_tables()
        if sources is None or table.source in sources
    }
    loaded_at = datetime.now(UTC)
    tombstones = tombstone_table(paths.state_dir)
    with (
        _writer(paths, target or current_target()) as writer,
        tempfile.TemporaryDirectory(prefix="recontact-decoded-") as decoded_dir,
    ):
        writer.create_tables(list(tables.values()))
        writer.store_tombstones(tombstones)
        if tombstones is not None:
            writer.reader.register("load_tombstones", tombstones)
        checked, files = intake.prepare_landing(
            paths.landing_dir, Path(decoded_dir), writer.loaded_batches()
        )
        report = LoadReport(intake=checked, archive_dir=paths.archive_dir)
        problems: list[str] = []
        for batch_dir in intake.landing_batches(paths.landing_dir):
            source, batch_id = batch_dir.parent.name, batch_dir.name
            if sources is not None and source not in sources:
                continue
            batch_files = [f for f in files if (f.source, f.batch_id) == (source, batch_id)]
            source_tables = [table for key, table in tables.items() if key[0] == source]
            try:
                selects = {
                    table.name: _contract_select(
                        table,
                        [f for f in batch_files if f.entity == table.table],
                        report,
                        suppress=tombstones is not None,
                    )
                    for table in source_tables
                }
            except LoadError as error:
                problems.extend(error.problems)
                continue
            rows = writer.replace_batch(
                source_tables, batch_id, selects, [f.relative for f in batch_files], loaded_at
            )
            report.loaded[f"{source}/{batch_id}"] = sum(rows.values())
            for name, count in rows.items():
                report.rows_by_table[name] = report.rows_by_table.get(name, 0) + count
            if paths.archive_dir is not None:
                _archive(writer.reader, paths.archive_dir / source / batch_id, selects)
            shutil.rmtree(batch_dir)
            fsync_directory(batch_dir.parent)
    if problems:
        raise LoadError(problems)
    return report


def inputs_fingerprint(duckdb_path: Path) -> str:
    """sha256 over the DuckDB warehouse's record of what was loaded (`raw._loaded_files`:
    file, batch, rows, when), in file order: which deliveries a build or check read. The
    landing files are gone once loaded, so the record, not the files, is fingerprinted;
    the same record gives the same hash wherever the warehouse is."""
    digest = hashlib.sha256()
    if duckdb_path.exists():
        with duckdb.connect(str(duckdb_path), read_only=True) as connection:
            try:
                rows = connection.execute(
                    f"select file, batch_id, rows, epoch_us(loaded_at)"
                    f" from {RAW_SCHEMA}.{LOADED_FILES} order by file"
                ).fetchall()
            except duckdb.CatalogException:
                rows = []
        for row in rows:
            digest.update(("\0".join(map(str, row)) + "\n").encode("utf-8"))
    return digest.hexdigest()


def _archive(reader: duckdb.DuckDBPyConnection, batch_dir: Path, selects: dict) -> None:
    """The batch's rows as loaded, one Parquet file per raw table, each written atomically;
    a file of an earlier delivery of this batch id that this one lacks is removed."""
    written = set()
    for name, select in selects.items():
        if select:
            target = batch_dir / f"{name.split('__', 1)[1]}.parquet"
            atomic_write(target, lambda path, select=select: _copy(reader, select, path))
            written.add(target)
    for stale in batch_dir.glob("*.parquet") if batch_dir.is_dir() else []:
        if stale not in written:
            stale.unlink()


def _copy(reader: duckdb.DuckDBPyConnection, select: str, path: Path) -> None:
    reader.execute(f"copy ({select}) to {sql.literal(path.as_posix())} (format parquet)")


# ----------------------------------------------------------------------------------------
# reading a file as the contract's columns
# ----------------------------------------------------------------------------------------


def _reader(file: intake.LandedFile) -> tuple[str, list[str]]:
    """A DuckDB relation reading the file with every field as text, and its header."""
    path = sql.literal(file.path.as_posix())
    if file.fmt == "csv":
        header = intake._csv_header(file)
        columns = ", ".join(f"{sql.literal(name)}: 'VARCHAR'" for name in header)
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
        columns = ", ".join(f"{sql.literal(name)}: 'VARCHAR'" for name in header)
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
            f"cast({sql.identifier(by_key[column])} as varchar) as {column}"
            if column in by_key
            else f"cast(null as varchar) as {column}"
            for column in table.columns
        ]
        selects.append(
            f"select {', '.join(values)}, {sql.literal(file.batch_id)} as _batch_id,"
            f" {sql.literal(file.relative)} as _file,"
            f" cast(row_number() over () as bigint) as _row_number from {relation}"
        )
    if not selects:
        return None
    landed = "\nunion all\n".join(selects)
    if not (suppress and table.person_column in table.columns):
        return landed
    person = f"nullif(trim({table.person_column}), '')"
    source = sql.literal(table.source)
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


# A record of the shape before the landing was an inbox (file, signature, loaded_at) is
# dropped: the first load then re-reads every batch the landing still holds.
OLD_RECORD = (
    "select count(*) from information_schema.columns where table_schema = 'raw'"
    f" and table_name = '{LOADED_FILES}' and column_name = 'signature'"
)
ROWS_PER_FILE = "select _file, count(*) from {table} where _batch_id = ? group by _file"


class _Writer:
    """What every target shares: `reader`, a DuckDB connection that reads the batch's
    files (the purge tombstones registered on it), and how a batch is replaced: table by
    table (`write_table`), then its record of loaded files (`record`), inside the target's
    `transaction` (where it has them)."""

    reader: duckdb.DuckDBPyConnection

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.reader.close()

    def store_tombstones(self, tombstones: pa.Table | None) -> None:
        """DuckDB's and Spark's dbt targets read the tombstone files themselves
        (tombstones.sql)."""

    @contextlib.contextmanager
    def transaction(self, failure: str):
        """No transaction (Spark's Parquet files are written one by one); the reader's error
        is reported located, without the row it quotes (PostgreSQL's adds its transaction)."""
        try:
            yield
        except duckdb.Error as error:
            raise LoadError([f"{failure}: {intake._located(error)}"]) from None

    def replace_batch(
        self,
        tables: list[RawTable],
        batch_id: str,
        selects: dict[str, str | None],
        files: list[str],
        loaded_at: datetime,
    ) -> dict[str, int]:
        """Replace the batch's rows in each of the source's raw tables (a table without a
        select loses them) and its record of loaded files; rows loaded per raw table."""
        source = tables[0].source if tables else ""
        rows: dict[str, int] = {}
        rows_per_file = dict.fromkeys(files, 0)
        with self.transaction(f"batch {source}/{batch_id} could not be loaded"):
            for table in tables:
                counted = self.write_table(table, batch_id, selects.get(table.name), loaded_at)
                if counted is not None:
                    rows_per_file.update(counted)
                    rows[table.name] = sum(counted.values())
            self.record(source, batch_id, rows_per_file, loaded_at)
        return rows


def _batches(files: list[tuple[str]]) -> set[str]:
    """`source/batch_id` of recorded files `source/batch_id/<file>`."""
    return {file.rsplit("/", 1)[0] for (file,) in files}


class _SqlWriter(_Writer):
    """Raw tables in schema raw of a database (DuckDB, PostgreSQL): the same statements,
    parameters written `?`; one transaction per batch."""

    def query(self, statement: str, parameters=()) -> list[tuple]:
        raise NotImplementedError

    def create_tables(self, tables: list[RawTable]) -> None:
        with self.transaction("the raw tables could not be created"):
            self.query(f"create schema if not exists {RAW_SCHEMA}")
            if self.query(OLD_RECORD)[0][0]:
                self.query(f"drop table {RAW_SCHEMA}.{LOADED_FILES}")
            self.query(
                f"create table if not exists {RAW_SCHEMA}.{LOADED_FILES} (file text primary key,"
                " batch_id text, rows bigint, loaded_at timestamp with time zone)"
            )
            for table in tables:
                columns = [f"{column} text" for column in table.columns]
                columns += [f"{name} {kind}" for name, kind in LINEAGE.items()]
                self.query(
                    f"create table if not exists {RAW_SCHEMA}.{table.name} ({', '.join(columns)})"
                )
                for column in table.columns:  # the contract gained an optional column
                    self.query(
                        f"alter table {RAW_SCHEMA}.{table.name}"
                        f" add column if not exists {column} text"
                    )

    def loaded_batches(self) -> set[str]:
        with self.transaction("the record of loaded files could not be read"):
            return _batches(self.query(f"select file from {RAW_SCHEMA}.{LOADED_FILES}"))

    def write_table(
        self, table: RawTable, batch_id: str, select: str | None, loaded_at: datetime
    ) -> dict[str, int] | None:
        """The batch's rows of one raw table replaced; rows per file (None: no select)."""
        raw = f"{RAW_SCHEMA}.{table.name}"
        self.query(f"delete from {raw} where _batch_id = ?", [batch_id])
        if not select:
            return None
        self.insert(raw, table, batch_id, select, loaded_at)
        return dict(self.query(ROWS_PER_FILE.format(table=raw), [batch_id]))

    def insert(
        self, raw: str, table: RawTable, batch_id: str, select: str, loaded_at: datetime
    ) -> None:
        raise NotImplementedError

    def record(
        self, source: str, batch_id: str, rows_per_file: dict[str, int], loaded_at: datetime
    ) -> None:
        self.query(
            f"delete from {RAW_SCHEMA}.{LOADED_FILES} where batch_id = ? and starts_with(file, ?)",
            [batch_id, f"{source}/"],
        )
        for file, count in rows_per_file.items():
            self.query(
                f"insert into {RAW_SCHEMA}.{LOADED_FILES} values (?, ?, ?, ?)",
                [file, batch_id, count, loaded_at],
            )


class _DuckDBWriter(_SqlWriter):
    """Raw tables in the warehouse file; the batch's files are read by the same
    connection, inside the transaction that replaces the batch."""

    def __init__(self, duckdb_path: Path) -> None:
        duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        self.reader = self.connection = duckdb.connect(str(duckdb_path))

    def query(self, statement: str, parameters=()) -> list[tuple]:
        return self.connection.execute(statement, parameters).fetchall()

    @contextlib.contextmanager
    def transaction(self, failure: str):
        """One transaction; a DuckDB error rolls it back and is reported located, without
        the row it quotes."""
        self.connection.execute("begin transaction")
        try:
            yield
            self.connection.execute("commit")
        except duckdb.Error as error:
            self.connection.execute("rollback")
            raise LoadError([f"{failure}: {intake._located(error)}"]) from None

    def insert(
        self, raw: str, table: RawTable, batch_id: str, select: str, loaded_at: datetime
    ) -> None:
        names = ", ".join([*table.columns, *LINEAGE])
        self.query(f"insert into {raw} ({names}) select *, ? from ({select})", [loaded_at])


class _PostgresWriter(_SqlWriter):
    """Raw tables in schema raw of the PostgreSQL server, one transaction per batch; the
    batch's files read by an in-memory DuckDB and sent by COPY."""

    def __init__(self, settings: PostgresSettings) -> None:
        self.reader = duckdb.connect()
        self.connection = settings.connect()
        self.cursor = self.connection.cursor()

    def close(self) -> None:
        self.cursor.close()
        self.connection.close()
        super().close()

    def query(self, statement: str, parameters=()) -> list[tuple]:
        self.cursor.execute(statement.replace("?", "%s"), tuple(parameters))
        return self.cursor.fetchall() if self.cursor.description else []

    @contextlib.contextmanager
    def transaction(self, failure: str):
        """One transaction, rolled back on an error. Neither the reader's error nor the
        server's is passed on as it is, since both can quote a row (the server's COPY and
        cast errors name the value and the line): the server's is reported by its SQLSTATE."""
        import psycopg2  # installed with dbt-postgres

        with super().transaction(failure):  # the reader's error
            try:
                with self.connection:  # commits on success, rolls back on an error
                    yield
            except psycopg2.Error as error:
                raise LoadError(
                    [
                        f"{failure}: the PostgreSQL server refused it"
                        f" ({type(error).__name__}, SQLSTATE {error.pgcode or 'unknown'})"
                    ]
                ) from None

    def create_tables(self, tables: list[RawTable]) -> None:
        for table in tables:
            if len(table.name) > POSTGRES_IDENTIFIER_LIMIT:
                raise LoadError([f"raw table name {table.name} is longer than PostgreSQL allows"])
        super().create_tables(tables)

    def store_tombstones(self, tombstones: pa.Table | None) -> None:
        """The tombstones and their salt, read by the server at run time (tombstones.sql):
        the salt never appears in compiled SQL or logs."""
        with self.connection:
            self.query(
                f"create table if not exists {RAW_SCHEMA}.{TOMBSTONES}"
                " (source_system text, candidate_key_hash text)"
            )
            self.query(f"create table if not exists {RAW_SCHEMA}.{TOMBSTONE_SALT} (salt text)")
            self.query(f"truncate {RAW_SCHEMA}.{TOMBSTONES}, {RAW_SCHEMA}.{TOMBSTONE_SALT}")
            if tombstones is not None:
                columns = tombstones.to_pydict()
                self.query(
                    f"insert into {RAW_SCHEMA}.{TOMBSTONE_SALT} values (?)", [columns["salt"][0]]
                )
                self.cursor.executemany(
                    f"insert into {RAW_SCHEMA}.{TOMBSTONES} values (%s, %s)",
                    list(zip(columns["source_system"], columns["candidate_key_hash"], strict=True)),
                )

    def insert(
        self, raw: str, table: RawTable, batch_id: str, select: str, loaded_at: datetime
    ) -> None:
        with tempfile.TemporaryDirectory(prefix="recontact-load-") as scratch:
            exported = Path(scratch) / f"{table.name}.csv"
            self.reader.execute(
                f"copy ({select}) to {sql.literal(exported.as_posix())}"
                " (format csv, header false, force_quote *)"
            )
            names = ", ".join([*table.columns, *FILE_LINEAGE])
            with exported.open(encoding="utf-8") as handle:
                self.cursor.copy_expert(
                    f"copy {raw} ({names}) from stdin with (format csv)", handle
                )
        self.query(f"update {raw} set _loaded_at = ? where _batch_id = ?", [loaded_at, batch_id])


class _SparkWriter(_Writer):
    """One Parquet file per batch and table under <raw_dir>/<table>/, written by an
    in-memory DuckDB. Spark has no transactions on Parquet tables: a batch's file is
    replaced atomically, and the record of loaded files (`_loaded_files.csv`, the same
    columns as elsewhere; rows as loaded) is written after every file of the batch is in
    place."""

    def __init__(self, raw_dir: Path) -> None:
        self.reader = duckdb.connect()
        self.raw_dir = raw_dir
        self.record_file = raw_dir / f"{LOADED_FILES}.csv"

    def create_tables(self, tables: list[RawTable]) -> None:
        for table in tables:
            (self.raw_dir / table.name).mkdir(parents=True, exist_ok=True)

    def _recorded(self) -> list[dict[str, str]]:
        if not self.record_file.exists():
            return []
        with self.record_file.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            return list(reader) if tuple(reader.fieldnames or ()) == LOADED_FILES_COLUMNS else []

    def loaded_batches(self) -> set[str]:
        return _batches([(row["file"],) for row in self._recorded()])

    def write_table(
        self, table: RawTable, batch_id: str, select: str | None, loaded_at: datetime
    ) -> dict[str, int] | None:
        final = self.raw_dir / table.name / f"{batch_id}.parquet"
        if not select:
            final.unlink(missing_ok=True)
            return None
        stamp = sql.literal(loaded_at.isoformat())
        stamped = (
            f"select *, cast({stamp} as timestamp with time zone) as _loaded_at from ({select})"
        )
        atomic_write(final, lambda path: _copy(self.reader, stamped, path))
        relation = f"read_parquet({sql.literal(final.as_posix())})"
        return dict(
            self.reader.execute(ROWS_PER_FILE.format(table=relation), [batch_id]).fetchall()
        )

    def record(
        self, source: str, batch_id: str, rows_per_file: dict[str, int], loaded_at: datetime
    ) -> None:
        kept = [
            row
            for row in self._recorded()
            if not (row["batch_id"] == batch_id and row["file"].startswith(f"{source}/"))
        ]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(LOADED_FILES_COLUMNS)
        writer.writerows([row[column] for column in LOADED_FILES_COLUMNS] for row in kept)
        writer.writerows(
            (file, batch_id, count, loaded_at.isoformat()) for file, count in rows_per_file.items()
        )
        atomic_write(self.record_file, buffer.getvalue().encode("utf-8"))
