"""The dbt target (engine) a run uses.

The target is ``--target`` for a user's own ``dbt`` command, else the environment
variable RECONTACT_DBT_TARGET (``duckdb``, ``spark`` or ``postgres``; default
``duckdb``), which the CLI, the loader, the Dagster job and profiles.yml all read.
The loader (loader/load.py) writes each engine's raw tables; dbt reads only
those.

Connection settings (profiles.yml reads the same variables):
RECONTACT_PG_HOST (127.0.0.1), RECONTACT_PG_PORT (5432), RECONTACT_PG_USER (recontact),
RECONTACT_PG_PASSWORD (empty), RECONTACT_PG_DATABASE (recontact).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

TARGET_VARIABLE = "RECONTACT_DBT_TARGET"
TARGETS = ("duckdb", "spark", "postgres")
DEFAULT_TARGET = "duckdb"


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
