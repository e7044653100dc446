"""Where things are: the repository, the landing directory and the DuckDB file.

Environment variables win over defaults, so the CLI, dbt, Dagster and CI agree;
relative paths are taken from the repository root:

| variable                | default                | what                                        |
|-------------------------|------------------------|---------------------------------------------|
| RECONTACT_LANDING_DIR   | data/landing           | the ATS export files                        |
| RECONTACT_DUCKDB_PATH   | data/recontact.duckdb  | the warehouse (one writer at a time)        |
| RECONTACT_STATE_DIR     | data/state             | purge tombstones and their salt             |
| RECONTACT_AUDIT_DIR     | data/audit             | append-only audit log, GX results, Data Docs |
| RECONTACT_PUBLISH_DIR   | data/published         | what BI tools read                          |
| RECONTACT_ARCHIVE_DIR   | (none: no archive)     | loaded batches kept as Parquet, if set      |
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_DIR = Path(__file__).resolve().parents[1]
BUSINESS_TIMEZONE = ZoneInfo("Asia/Tokyo")


ENVIRONMENT = {
    "landing_dir": ("RECONTACT_LANDING_DIR", "data/landing"),
    "duckdb_path": ("RECONTACT_DUCKDB_PATH", "data/recontact.duckdb"),
    "state_dir": ("RECONTACT_STATE_DIR", "data/state"),
    "audit_dir": ("RECONTACT_AUDIT_DIR", "data/audit"),
    "publish_dir": ("RECONTACT_PUBLISH_DIR", "data/published"),
}
# Optional: without it a loaded batch is deleted from the landing (loader/load.py).
ARCHIVE_VARIABLE = "RECONTACT_ARCHIVE_DIR"


@dataclass(frozen=True)
class WarehousePaths:
    landing_dir: Path
    duckdb_path: Path
    state_dir: Path
    audit_dir: Path
    publish_dir: Path
    archive_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> WarehousePaths:
        environ = os.environ if environ is None else environ
        archive = environ.get(ARCHIVE_VARIABLE, "").strip()
        return cls(
            **{
                field: resolve(environ.get(variable, default))
                for field, (variable, default) in ENVIRONMENT.items()
            },
            archive_dir=resolve(archive) if archive else None,
        )

    def as_env(self) -> dict[str, str]:
        variables = {
            variable: str(getattr(self, field)) for field, (variable, _) in ENVIRONMENT.items()
        }
        if self.archive_dir is not None:
            variables[ARCHIVE_VARIABLE] = str(self.archive_dir)
        return variables


def resolve(path: str | Path) -> Path:
    """A path relative to the repository root (absolute paths stay as they are)."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else (PROJECT_DIR / path).resolve()


def iso_date(text: str) -> str:
    """A command-line date (argparse type): YYYY-MM-DD."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text!r}")
    return value


def today_in_business_timezone() -> str:
    """Today's date where the company decides (dbt's as_of_date default uses the same zone)."""
    return datetime.now(BUSINESS_TIMEZONE).date().isoformat()
