"""Where things are: the repository, the landing directory and the DuckDB file.

Environment variables win over defaults, so the CLI, dbt, Dagster and CI agree:
RECONTACT_LANDING_DIR (default data/landing) and RECONTACT_DUCKDB_PATH
(default data/recontact.duckdb), both relative to the repository root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_DIR = Path(__file__).resolve().parents[1]
BUSINESS_TIMEZONE = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class WarehousePaths:
    landing_dir: Path
    duckdb_path: Path

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> WarehousePaths:
        environ = os.environ if environ is None else environ
        return cls(
            landing_dir=resolve(environ.get("RECONTACT_LANDING_DIR", "data/landing")),
            duckdb_path=resolve(environ.get("RECONTACT_DUCKDB_PATH", "data/recontact.duckdb")),
        )

    def as_env(self) -> dict[str, str]:
        return {
            "RECONTACT_LANDING_DIR": str(self.landing_dir),
            "RECONTACT_DUCKDB_PATH": str(self.duckdb_path),
        }


def resolve(path: str | Path) -> Path:
    """A path relative to the repository root (absolute paths stay as they are)."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else (PROJECT_DIR / path).resolve()


def today_in_business_timezone() -> str:
    """Today's date where the company decides (dbt's as_of_date default uses the same zone)."""
    return datetime.now(BUSINESS_TIMEZONE).date().isoformat()
