"""The dbt target (engine) a run uses, and what an engine needs before dbt runs.

The target is ``--target`` for a user's own ``dbt`` command, else the environment
variable RECONTACT_DBT_TARGET (``duckdb``, ``spark`` or ``postgres``; default
``duckdb``), which the CLI, the Dagster job and profiles.yml all read.

DuckDB and Spark read the landing files themselves (macros/read_landing.sql).
A PostgreSQL server cannot read files where dbt runs, so :func:`load_landing`
copies them first into schema ``landing``: one text table per file, its columns
named as the file's header plus ``_source_row`` (the 1-based data row), listed in
``landing.landed_files``. The files are read by DuckDB exactly as the DuckDB target
reads them, so every engine sees the same text. The purge tombstones and their
salt go into ``landing.tombstones`` and ``landing.tombstone_salt`` (the salt is read
by the server at run time, so it is never in compiled SQL or logs; schema
``landing`` is readable by the warehouse owner only).

Connection settings (profiles.yml reads the same variables):
RECONTACT_PG_HOST (127.0.0.1), RECONTACT_PG_PORT (5432), RECONTACT_PG_USER (recontact),
RECONTACT_PG_PASSWORD (empty), RECONTACT_PG_DATABASE (recontact).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.paths import WarehousePaths

TARGET_VARIABLE = "RECONTACT_DBT_TARGET"
TARGETS = ("duckdb", "spark", "postgres")
DEFAULT_TARGET = "duckdb"

LANDING_EXTENSIONS = ("csv", "parquet", "jsonl")
# The same readers as duckdb__read_landing (macros/read_landing.sql).
DUCKDB_READERS = {
    "csv": "read_csv({}, header = true, all_varchar = true,"
    " delim = ',', quote = '\"', escape = '\"')",
    "parquet": "read_parquet({})",
    "jsonl": "read_json({}, format = 'newline_delimited')",
}
POSTGRES_IDENTIFIER_LIMIT = 63


def current_target(environ: dict[str, str] | None = None) -> str:
    """The dbt target of this run: RECONTACT_DBT_TARGET, else duckdb."""
    environ = os.environ if environ is None else environ
    target = environ.get(TARGET_VARIABLE, "").strip() or DEFAULT_TARGET
    if target not in TARGETS:
        raise ValueError(f"{TARGET_VARIABLE} must be one of {', '.join(TARGETS)}, not {target!r}")
    return target


@dataclass(frozen=True)
class PostgresSettings:
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "recontact"
    password: str = ""
    dbname: str = "recontact"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> PostgresSettings:
        environ = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            host=environ.get("RECONTACT_PG_HOST", defaults.host),
            port=int(environ.get("RECONTACT_PG_PORT", defaults.port)),
            user=environ.get("RECONTACT_PG_USER", defaults.user),
            password=environ.get("RECONTACT_PG_PASSWORD", defaults.password),
            dbname=environ.get("RECONTACT_PG_DATABASE", defaults.dbname),
        )

    def connect(self):
        import psycopg2  # installed with dbt-postgres

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=self.dbname,
        )


@dataclass(frozen=True)
class LandingFile:
    source_system: str
    batch_id: str
    table_name: str
    extension: str
    path: Path

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def relation_name(self) -> str:
        """A table name unique per file and within PostgreSQL's identifier limit."""
        digest = hashlib.sha256(
            f"{self.source_system}/{self.batch_id}/{self.file_name}".encode()
        ).hexdigest()[:10]
        readable = re.sub(r"[^a-z0-9]+", "_", f"{self.source_system}__{self.table_name}".lower())
        return f"{readable[: POSTGRES_IDENTIFIER_LIMIT - 12]}__{digest}"


def landing_files(landing_dir: Path, decoded_dir: Path | None = None) -> list[LandingFile]:
    """Every <root>/<source>/<batch_id>/<table>.<ext> file, sorted by path, where root is
    the landing directory, or, for the Japanese ATS source, the decoded UTF-8 copies
    (orchestration/decode.py; the source's meta.landing_root is `decoded`)."""
    from orchestration.decode import SOURCE as DECODED_SOURCE

    found = []
    for extension in LANDING_EXTENSIONS:
        candidates = [
            path
            for path in Path(landing_dir).glob(f"*/*/*.{extension}")
            if path.parent.parent.name != DECODED_SOURCE
        ]
        if decoded_dir is not None:
            candidates += Path(decoded_dir).glob(f"{DECODED_SOURCE}/*/*.{extension}")
        for path in candidates:
            if path.is_file():
                found.append(
                    LandingFile(
                        source_system=path.parent.parent.name,
                        batch_id=path.parent.name,
                        table_name=path.stem,
                        extension=extension,
                        path=path,
                    )
                )
    return sorted(found, key=lambda file: str(file.path))


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def read_as_text(
    reader: duckdb.DuckDBPyConnection, file: LandingFile
) -> tuple[list[str], str, int]:
    """The file's header, its rows as CSV for PostgreSQL's COPY (each value as DuckDB casts
    it to text, the data row number last) and the number of rows. Every non-NULL value is
    quoted, so COPY tells NULL (unquoted empty) from '' (quoted empty)."""
    relation = DUCKDB_READERS[file.extension].format(_sql_string(str(file.path)))
    header = [row[0] for row in reader.execute(f"describe select * from {relation}").fetchall()]
    too_long = [name for name in header if len(name.encode()) > POSTGRES_IDENTIFIER_LIMIT]
    if too_long:
        raise ValueError(
            f"landing file {file.source_system}/{file.batch_id}/{file.file_name}: column name(s)"
            f" longer than {POSTGRES_IDENTIFIER_LIMIT} bytes cannot be loaded into PostgreSQL"
        )
    columns = ", ".join(f"cast({_quote(name)} as varchar)" for name in header)
    rows = reader.execute(f"select {columns}, row_number() over () from {relation}").fetchall()
    buffer = io.StringIO()
    for row in rows:
        fields = (
            "" if value is None else '"' + str(value).replace('"', '""') + '"' for value in row
        )
        buffer.write(",".join(fields) + "\n")
    return header, buffer.getvalue(), len(rows)


def load_landing(paths: WarehousePaths, settings: PostgresSettings | None = None) -> dict[str, int]:
    """Replace schema ``landing`` with the current landing files and tombstones, in one
    transaction; returns the rows loaded per source/table (counts only)."""
    from orchestration.decode import decoded_root
    from orchestration.purge import SALT_FILE, load_salt

    settings = settings or PostgresSettings.from_env()
    files = landing_files(paths.landing_dir, decoded_root(paths).parent)
    counts: dict[str, int] = {}
    reader = duckdb.connect()
    connection = settings.connect()
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("drop schema if exists landing cascade")
            cursor.execute("create schema landing")
            cursor.execute(
                "create table landing.landed_files (source_system text, table_name text,"
                " batch_id text, file_name text, relation_name text primary key)"
            )
            for file in files:
                header, text, rows = read_as_text(reader, file)
                table = f"landing.{_quote(file.relation_name)}"
                columns = ", ".join(f"{_quote(name)} text" for name in header)
                cursor.execute(f"create table {table} ({columns}, _source_row bigint)")
                cursor.copy_expert(f"copy {table} from stdin with (format csv)", io.StringIO(text))
                cursor.execute(
                    "insert into landing.landed_files values (%s, %s, %s, %s, %s)",
                    (
                        file.source_system,
                        file.table_name,
                        file.batch_id,
                        file.file_name,
                        file.relation_name,
                    ),
                )
                key = f"{file.source_system}.{file.table_name}"
                counts[key] = counts.get(key, 0) + rows
            cursor.execute(
                "create table landing.tombstones (source_system text, candidate_key_hash text)"
            )
            cursor.execute("create table landing.tombstone_salt (salt text)")
            tombstones = paths.state_dir / "tombstones.csv"
            salt = load_salt(paths.state_dir) if (paths.state_dir / SALT_FILE).exists() else None
            if salt and tombstones.exists():
                cursor.execute("insert into landing.tombstone_salt values (%s)", (salt,))
                with tombstones.open(newline="") as handle:
                    rows = [
                        (row["source_system"], row["candidate_key_hash"])
                        for row in csv.DictReader(handle)
                    ]
                cursor.executemany("insert into landing.tombstones values (%s, %s)", rows)
    finally:
        connection.close()
        reader.close()
    return counts


def prepare_target(paths: WarehousePaths, target: str | None = None) -> None:
    """What the target needs before dbt runs: PostgreSQL gets the landing files loaded."""
    if (target or current_target()) == "postgres":
        load_landing(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.engines")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "load-landing",
        help="copy the landing files and tombstones into PostgreSQL's schema landing",
    )
    parser.parse_args(argv)
    counts = load_landing(WarehousePaths.from_env())
    for key, rows in sorted(counts.items()):
        print(f"{key:<40}{rows:>10,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
