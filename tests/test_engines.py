"""The same dbt project on DuckDB, Spark and PostgreSQL (docs/engines.md).

One generated export (2,000 candidates with the generator's boundary cases, CSV and
Parquet batches, two persons purged earlier) is built as of one date on each engine;
the three published marts must be the same row sets, column by column. PostgreSQL is a
throw-away cluster (tests/postgres_server.py); Spark runs in the dbt process (pyspark).
The dbt unit tests run on DuckDB only (the rest of the suite); the data tests run on
DuckDB and PostgreSQL. On Spark, where each test is a Spark job (about 2 minutes for
the 110 data tests on this 2-core machine), the build is seeds and models only; they
pass there too (`dbt build --target spark`, docs/engines.md).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import psycopg2
import pytest

from erasure.purge import QueuedPerson, write_tombstones
from loader import engines, load
from loader.contract import MART_KEYS
from loader.paths import WarehousePaths
from orchestration import warehouse
from sample_exports.generate import generate_export
from tests.postgres_server import PostgresServer
from tests.support import END_DATE

MARTS = list(MART_KEYS)
PURGED_EARLIER = ("C000011", "C000012")  # re-delivered after a purge: suppressed everywhere
BI_ROLE = "recontact_bi"
# Personal data BI must never see (ats-export-v1: contact details and evaluation text).
PERSONAL_COLUMNS = {"full_name", "email", "phone", "strengths", "concerns"}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> WarehousePaths:
    root = tmp_path_factory.mktemp("engines")
    paths = WarehousePaths(
        landing_dir=root / "landing",
        duckdb_path=root / "recontact.duckdb",
        state_dir=root / "state",
        audit_dir=root / "audit",
        publish_dir=root / "published",
    )
    generate_export(
        exported(paths),
        candidates=2000,
        seed=11,
        end_date=END_DATE,
        batches=3,
        file_format="mixed",
        quality_faults=True,  # rule set v1.1: one person held
    )
    purged = [
        QueuedPerson("canonical", candidate_id, "-", "erasure_requested", None)
        for candidate_id in PURGED_EARLIER
    ]
    assert write_tombstones(paths.state_dir, purged, "2026-06-01T00:00:00Z") == (2, 0)
    return paths


def exported(paths: WarehousePaths) -> Path:
    """The generated export, beside the landing: the load empties the landing, so each
    target gets a delivery of its own."""
    return paths.landing_dir.with_name("export")


def build(
    paths: WarehousePaths,
    target: str,
    extra_env: dict[str, str] | None = None,
    *,
    deliver: bool = True,
) -> None:
    """The export delivered to the landing (unless told not to), then `dbt build` as the CLI
    runs it (load first), the engine chosen by RECONTACT_DBT_TARGET only."""
    selection = {
        "duckdb": ["--exclude", "resource_type:unit_test"],  # they ran in the sample build
        "postgres": ["--exclude", "resource_type:unit_test"],
        "spark": ["--exclude", "resource_type:unit_test", "resource_type:test"],
    }[target]
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {engines.TARGET_VARIABLE: target, **(extra_env or {})}.items():
            patch.setenv(name, value)
        if deliver:
            shutil.copytree(exported(paths), paths.landing_dir, dirs_exist_ok=True)
        load.load(paths)
        args = warehouse.dbt_args(
            "build",
            warehouse.dbt_vars(END_DATE.isoformat()),
            target_path=paths.duckdb_path.parent / f"target-{target}",
        )
        warehouse.run_dbt([*args, *selection], paths, quiet=True)


@pytest.fixture(scope="module")
def duckdb_marts(export) -> dict[str, tuple[list[str], list[tuple]]]:
    build(export, "duckdb")
    with duckdb.connect(str(export.duckdb_path), read_only=True) as connection:
        return {mart: result(connection.execute(f"select * from marts.{mart}")) for mart in MARTS}


@pytest.fixture(scope="module")
def postgres(export) -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    try:
        build(export, "postgres", server.env)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def spark_marts(export) -> dict[str, tuple[list[str], list[tuple]]]:
    spark_dir = export.duckdb_path.parent / "spark"
    build(export, "spark", {"RECONTACT_SPARK_DIR": str(spark_dir)})
    # Spark's tables are Parquet files: read them back without a JVM.
    tables = spark_dir / "warehouse" / "marts.db"
    with duckdb.connect() as connection:
        return {
            mart: result(connection.execute(f"select * from read_parquet('{files}')"))
            for mart in MARTS
            for files in [tables / mart / "*.parquet"]
        }


def result(cursor) -> tuple[list[str], list[tuple]]:
    """Column names and rows as comparable values (dates as ISO text, numbers as int)."""
    columns = [description[0] for description in cursor.description]
    return columns, [tuple(comparable(value) for value in row) for row in cursor.fetchall()]


def comparable(value):
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) or float(value).is_integer():
        return int(value)
    return value


def assert_same_marts(expected: dict, actual: dict, engine: str) -> None:
    for mart in MARTS:
        expected_columns, expected_rows = expected[mart]
        actual_columns, actual_rows = actual[mart]
        assert actual_columns == expected_columns, f"{engine} {mart}: other columns"
        assert len(actual_rows) == len(expected_rows), f"{engine} {mart}: other row count"
        expected_sorted = sorted(expected_rows, key=repr)
        actual_sorted = sorted(actual_rows, key=repr)
        for position, column in enumerate(expected_columns):
            differing = [
                (left[:2], left[position], right[position])
                for left, right in zip(expected_sorted, actual_sorted, strict=True)
                if left[position] != right[position]
            ]
            assert not differing, f"{engine} {mart}.{column} differs, e.g. {differing[:3]}"


def test_duckdb_marts_are_not_trivial(duckdb_marts):
    """The comparison means something: every mart has rows, some persons are eligible,
    and the persons purged earlier are not there."""
    columns, eligibility = duckdb_marts["recontact_eligibility"]
    is_eligible = columns.index("is_eligible")
    assert len(eligibility) > 1000
    assert 0 < sum(row[is_eligible] for row in eligibility) < len(eligibility)
    assert duckdb_marts["recontact_cohorts"][1] and duckdb_marts["retention_purge_queue"][1]
    candidate_ids = {row[columns.index("candidate_id")] for row in eligibility}
    assert not candidate_ids & set(PURGED_EARLIER)


def postgres_marts(server: PostgresServer) -> dict[str, tuple[list[str], list[tuple]]]:
    connection = server.settings.connect()
    try:
        marts = {}
        with connection.cursor() as cursor:
            for mart in MARTS:
                cursor.execute(f"select * from marts.{mart}")
                marts[mart] = result(cursor)
        return marts
    finally:
        connection.close()


def test_postgres_builds_the_same_marts_as_duckdb(duckdb_marts, postgres):
    assert_same_marts(duckdb_marts, postgres_marts(postgres), "postgres")


def test_spark_builds_the_same_marts_as_duckdb(duckdb_marts, spark_marts):
    assert_same_marts(duckdb_marts, spark_marts, "spark")


def test_postgres_incremental_rebuild_changes_nothing(export, duckdb_marts, postgres):
    """A second build (the incremental models now exist: delete+insert of the slices, no
    new batch to read) keeps every landed row once and the same marts."""

    def landed_rows() -> int:
        return postgres.rows(
            "select sum(landed_rows) from intermediate.int_canonical__landing_reconciliation"
        )[0][0]

    before = landed_rows()
    build(export, "postgres", postgres.env, deliver=False)
    assert landed_rows() == before
    assert_same_marts(duckdb_marts, postgres_marts(postgres), "postgres, rebuilt")


def test_postgres_marts_carry_their_descriptions(postgres):
    """persist_docs: every table of schema marts, and each of its columns, has its dbt
    description as a comment, which is what a BI tool connected to PostgreSQL shows."""
    tables = postgres.rows(
        "select c.relname, obj_description(c.oid, 'pg_class') from pg_class as c"
        " inner join pg_namespace as n on c.relnamespace = n.oid"
        " where n.nspname = 'marts' and c.relkind = 'r'"
    )
    assert set(MARTS) <= {table for table, _ in tables}
    assert [table for table, comment in tables if not comment] == []
    undescribed = postgres.rows(
        "select c.relname, a.attname from pg_class as c"
        " inner join pg_namespace as n on c.relnamespace = n.oid"
        " inner join pg_attribute as a on a.attrelid = c.oid"
        " where n.nspname = 'marts' and c.relkind = 'r' and a.attnum > 0"
        " and not a.attisdropped and col_description(c.oid, a.attnum) is null"
    )
    assert undescribed == []


def relations(server: PostgresServer) -> list[tuple[str, str]]:
    return server.rows(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in"
        " ('raw', 'staging', 'intermediate', 'reference', 'marts', 'outreach')"
    )


def test_bi_role_reads_the_published_marts_only(postgres):
    everything = relations(postgres)
    schemas = {schema for schema, _ in everything}
    # outreach: the message drafts (recontact-outreach v1), refused like the rest
    assert schemas == {"raw", "staging", "intermediate", "reference", "marts", "outreach"}
    for mart in MARTS:
        (count,) = postgres.rows(f"select count(*) from marts.{mart}", role=BI_ROLE)[0]
        assert count > 0
    refused = 0
    for schema, table in everything:
        if schema == "marts" and table in MARTS:
            continue
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            postgres.rows(f'select * from {schema}."{table}" limit 1', role=BI_ROLE)
        refused += 1
    assert refused > 30  # raw tables, staging, intermediate views, reference data


def test_bi_role_sees_no_personal_data(postgres):
    """No column the role may read is a contact detail or evaluation text, while such
    columns do exist in the warehouse (and the role is refused on them)."""
    columns = postgres.rows(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema in"
        " ('raw', 'staging', 'intermediate', 'reference', 'marts', 'outreach')"
    )
    personal = [column for column in columns if column[2] in PERSONAL_COLUMNS]
    assert {column[2] for column in personal} == PERSONAL_COLUMNS
    readable = postgres.rows(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema in"
        " ('raw', 'staging', 'intermediate', 'reference', 'marts', 'outreach')"
        f" and has_column_privilege('{BI_ROLE}',"
        " format('%I.%I', table_schema, table_name), column_name, 'select')"
    )
    assert {(schema, table) for schema, table, _ in readable} == {("marts", m) for m in MARTS}
    assert not [column for column in readable if column[2] in PERSONAL_COLUMNS]
    for schema, table, column in personal[:10]:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            postgres.rows(f'select "{column}" from {schema}."{table}" limit 1', role=BI_ROLE)


def test_target_comes_from_the_environment(monkeypatch, dbt_manifest):
    """RECONTACT_DBT_TARGET picks the engine for the CLI's dbt calls and the Dagster dbt
    resource; an unknown engine is refused by name."""
    from orchestration.definitions import dbt_resource

    monkeypatch.delenv(engines.TARGET_VARIABLE, raising=False)
    assert warehouse.dbt_args("build", {})[-2:] == ["--target", "duckdb"]
    assert dbt_resource().target == "duckdb"
    for target in ("spark", "postgres"):
        monkeypatch.setenv(engines.TARGET_VARIABLE, target)
        args = warehouse.dbt_args("build", {})
        assert args[args.index("--target") + 1] == target
        assert dbt_resource().target == target
    monkeypatch.setenv(engines.TARGET_VARIABLE, "oracle")
    with pytest.raises(ValueError, match="RECONTACT_DBT_TARGET must be one of"):
        warehouse.dbt_args("build", {})


def test_postgres_loader_keeps_every_row_and_its_number(export, postgres):
    """The loader's raw tables on PostgreSQL hold every landed row of each file with its
    1-based data row number, as DuckDB's raw tables do (the same loader wrote both)."""
    with duckdb.connect(str(export.duckdb_path), read_only=True) as connection:
        expected = connection.execute(
            "select _file, min(_row_number), max(_row_number), count(*)"
            " from raw.canonical__applications group by _file order by _file"
        ).fetchall()
    loaded = postgres.rows(
        "select _file, min(_row_number), max(_row_number), count(*)"
        " from raw.canonical__applications group by _file order by _file"
    )
    assert len(expected) >= 3
    assert [tuple(row) for row in loaded] == [tuple(row) for row in expected]
    assert all(first == 1 and last == count for _, first, last, count in expected)


def test_engines_need_no_other_setup():
    """CI installs nothing but what `make test` installs: pyspark and a PostgreSQL server."""
    import pyspark  # noqa: F401

    from tests.postgres_server import postgres_bin_dir

    assert (postgres_bin_dir() / "initdb").exists()
    assert os.environ.get("JAVA_HOME") or any(
        (Path(directory) / "java").exists() for directory in os.environ["PATH"].split(os.pathsep)
    )


def test_postgres_loader_errors_quote_no_row(postgres):
    """A batch the server refuses (here a value that is no integer) or the reader cannot
    read is rolled back and reported as a LoadError naming the batch, never with the
    server's or the reader's text, which quotes the value."""
    from loader.engines import PostgresSettings
    from loader.load import LoadError, _PostgresWriter

    with _PostgresWriter(PostgresSettings.from_env(postgres.env)) as writer:
        for failing in (
            lambda: writer.query("select cast('Taro Yamada' as integer)"),
            lambda: writer.reader.execute("select cast('Taro Yamada' as integer)"),
        ):
            with pytest.raises(LoadError) as raised:
                with writer.transaction("batch canonical/b1 could not be loaded"):
                    writer.query("create table raw.rolled_back (x text)")
                    failing()
            (message,) = raised.value.problems
            assert message.startswith("batch canonical/b1 could not be loaded: ")
            assert "Taro" not in message
            assert not writer.query(
                "select 1 from information_schema.tables where table_name = 'rolled_back'"
            )
