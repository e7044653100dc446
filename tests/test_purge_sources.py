"""Erasure reaches a vendor source's own tables and their archived copies
(erasure/purge.py with the `erasure` keys of the source's YAML): a queued Greenhouse
person is gone from every Fivetran-shaped raw table, its archive and every warehouse
table after a purge, and no file the project wrote holds their e-mail; so is a Lever one
from every staging and intermediate table."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from erasure.purge import purge
from sample_exports.generate import generate_export
from sample_exports.vendors import lever
from sample_exports.vendors.greenhouse import write_export
from tests.support import END_DATE, Warehouse, files_holding, new_warehouse


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def a_person(landing: Path) -> tuple[str, str, set[str]]:
    """A Greenhouse candidate with an e-mail and two applications: id, e-mail, applications."""
    applications: dict[str, set[str]] = {}
    for path in landing.glob("greenhouse/*/application.csv"):
        for row in rows(path):
            applications.setdefault(row["candidate_id"], set()).add(row["id"])
    for path in sorted(landing.glob("greenhouse/*/email_address.csv")):
        for row in rows(path):
            if len(applications.get(row["candidate_id"], ())) >= 2:
                return row["candidate_id"], row["value"], applications[row["candidate_id"]]
    raise AssertionError("no candidate with two applications")


# Whose a Greenhouse row is, written here from Fivetran's schema (not from the YAML under test):
# table -> (column with the candidate id, column with an application id)
WHOSE = {
    "candidate": ("id", None),
    "email_address": ("candidate_id", None),
    "phone_number": ("candidate_id", None),
    "application": ("candidate_id", "id"),
    "job_application": (None, "application_id"),
    "application_history": (None, "application_id"),
    "scorecard": (None, "application_id"),
    "offer": (None, "application_id"),
}


def holders(warehouse: Warehouse, candidate_id: str, applications: set[str]) -> list[str]:
    """Greenhouse raw tables still holding the person."""
    found = []
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as connection:
        for table, (by_candidate, by_application) in WHOSE.items():
            tests, parameters = [], {}
            if by_candidate:
                tests.append(f"{by_candidate} = $c")
                parameters["c"] = candidate_id
            if by_application:
                tests.append(f"list_contains($a, {by_application})")
                parameters["a"] = sorted(applications)
            sql = f"select count(*) from raw.greenhouse__{table} where {' or '.join(tests)}"
            if connection.execute(sql, parameters).fetchone()[0]:
                found.append(table)
    return found


def queue(warehouse: Warehouse, candidate_id: str, source: str = "greenhouse") -> None:
    with duckdb.connect(str(warehouse.duckdb_path)) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute(
            "create or replace table marts.retention_purge_queue as select"
            " ? as source_system, ? as candidate_id, 'p1' as person_id,"
            " 'erasure_requested' as purge_reason, date '2026-11-27' as purge_due_on,"
            " date '2026-11-27' as as_of_date",
            [source, candidate_id],
        )


def test_purge_erases_a_greenhouse_person_from_tables_and_archive(tmp_path):
    warehouse = new_warehouse(tmp_path / "warehouse", archive=True)
    generate_export(tmp_path / "generated", 200, seed=5, end_date=END_DATE, batches=2)
    write_export(tmp_path / "generated" / "canonical", warehouse.export_dir)
    warehouse.dbt("build", END_DATE, select="+intermediate.greenhouse")
    candidate_id, email, applications = a_person(warehouse.export_dir)
    assert {"candidate", "email_address", "application", "application_history"} <= set(
        holders(warehouse, candidate_id, applications)
    )
    root = warehouse.duckdb_path.parent
    assert any(
        path.startswith("archive/greenhouse/")
        for path in files_holding(root, {email}, outside=warehouse.export_dir)
    )
    queue(warehouse, candidate_id)

    report = purge(warehouse.paths, dry_run=False, run_id="test")

    assert holders(warehouse, candidate_id, applications) == []
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as connection:
        remaining = connection.execute(
            "select (select count(*) from staging.stg_greenhouse__candidate where id = $c),"
            " (select count(*) from staging.stg_greenhouse__email_address"
            "   where candidate_id = $c),"
            " (select count(*) from staging.stg_greenhouse__scorecard"
            "   where list_contains($a, application_id))",
            {"c": candidate_id, "a": sorted(applications)},
        ).fetchall()
    assert remaining == [(0, 0, 0)]
    assert files_holding(root, {email}, outside=warehouse.export_dir) == []
    assert candidate_id not in report.render() and email not in str(report.as_dict())
    # other people are still there
    assert warehouse.rows("select count(*) > 100 from staging.stg_greenhouse__candidate") == [
        [True]
    ]


def test_purge_erases_a_lever_person_from_every_staging_and_intermediate_table(tmp_path):
    """Lever's staging models are named by its Fivetran tables (stg_lever__contact_email,
    stg_lever__application ...), so the purge finds them by the sources YAML's `erasure`
    keys even where the ids keep Lever's names (contact_id, opportunity_id)."""
    warehouse = new_warehouse(tmp_path / "warehouse")
    generate_export(tmp_path / "generated", 200, seed=5, end_date=END_DATE, batches=2)
    lever.write_export(tmp_path / "generated" / "canonical", warehouse.export_dir)
    warehouse.dbt("build", END_DATE, select="+intermediate.lever")
    ((contact, opportunities),) = warehouse.rows(
        "select emails.contact_id, list(distinct opportunities.application_id)"
        " from staging.stg_lever__contact_email as emails"
        " inner join staging.stg_lever__opportunity as opportunities"
        " on emails.contact_id = opportunities.candidate_id"
        " where emails._fate = 'staged' group by 1 order by 1 limit 1"
    )
    queue(warehouse, contact, source="lever")

    purge(warehouse.paths, dry_run=False, run_id="test")

    ids_of = {"candidate_id": [contact], "contact_id": [contact]}
    held = []
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as connection:
        for schema, table, column in connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_schema in ('staging', 'intermediate') and column_name in"
            " ('candidate_id', 'contact_id', 'application_id', 'opportunity_id')"
        ).fetchall():
            (count,) = connection.execute(
                f'select count(*) from {schema}.{table} where "{column}" in (select unnest(?))',
                [ids_of.get(column, opportunities)],
            ).fetchone()
            if count:
                held.append(f"{schema}.{table}.{column}")
    assert held == []
    assert warehouse.rows("select count(*) > 50 from staging.stg_lever__contact_email") == [[True]]
