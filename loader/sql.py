"""SQL text for the values and names the project puts into queries, and the warehouse's
base tables with their columns (what the purge and the purge-completeness check scan), and
the D the marts were decided as of."""

from __future__ import annotations

import duckdb


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def base_tables(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[str]]:
    """(schema, table) -> its columns in order, for every base table of the warehouse file."""
    rows = connection.execute(
        """
        select c.table_schema, c.table_name, list(c.column_name order by c.ordinal_position)
        from information_schema.columns as c
        join information_schema.tables as t using (table_catalog, table_schema, table_name)
        where t.table_type = 'BASE TABLE' and t.table_catalog = current_database()
        group by c.table_schema, c.table_name
        order by c.table_schema, c.table_name
        """
    ).fetchall()
    return {(schema, table): columns for schema, table, columns in rows}


def marts_as_of_date(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The D of the marts (the eligibility mart has one row per person); None when it has
    no row. A warehouse without the mart raises duckdb.CatalogException."""
    (as_of_date,) = connection.execute(
        "select cast(max(as_of_date) as varchar) from marts.recontact_eligibility"
    ).fetchone()
    return as_of_date
