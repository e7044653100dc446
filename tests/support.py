"""Test support: throw-away warehouses and small hand-made canonical exports.

dbt runs exactly as a user runs it (a subprocess from the repository root, paths
in RECONTACT_LANDING_DIR / RECONTACT_DUCKDB_PATH); nothing is mocked.

The landing is an inbox that the load empties (loader/load.py), so a test writes
its export to the warehouse's `export_dir` (the ATS's side; tests/oracle.py reads it for
its independent answer), and `deliver()` copies into the landing every batch that is new
or changed since it was last delivered, as an ATS's delivery would, before each load.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from loader.contract import MART_KEYS
from loader.intake import IntakeReport
from loader.load import LoadReport, load
from loader.paths import WarehousePaths
from orchestration.warehouse import DAILY_RUN_EXCLUDES, dbt_args, dbt_vars, run_dbt

END_DATE = date(2026, 11, 27)
# A build of seeds and models: what a test that compares two builds' tables needs.
MODELS_ONLY = ["--exclude", "resource_type:test"]


@dataclass
class Warehouse:
    """An export directory (what the ATS exported), a landing directory, a DuckDB file and a
    dbt target directory of one test."""

    export_dir: Path
    landing_dir: Path
    duckdb_path: Path
    target_path: Path
    archive_dir: Path | None = None
    intake: IntakeReport | None = None  # the report of the last build's landing intake
    loaded: LoadReport | None = None  # and of its load into the raw tables

    @property
    def paths(self) -> WarehousePaths:
        root = self.duckdb_path.parent
        return WarehousePaths(
            landing_dir=self.landing_dir,
            duckdb_path=self.duckdb_path,
            state_dir=root / "state",
            audit_dir=root / "audit",
            publish_dir=root / "published",
            archive_dir=self.archive_dir,
        )

    def deliver(self) -> list[str]:
        """Copy into the landing each entry of the export (a batch directory
        `<source>/<batch_id>`, or anything else the export holds) that is new or changed
        since it was last delivered to this warehouse file; the entries delivered. A
        delivered batch replaces what the landing holds of it (a refused batch waiting for
        its fix)."""
        record = self.duckdb_path.parent / "delivered.json"
        # a warehouse started afresh (its file deleted) is delivered everything again
        known = record.exists() and self.duckdb_path.exists()
        delivered = json.loads(record.read_text()) if known else {}
        units = []
        for entry in sorted(self.export_dir.iterdir()) if self.export_dir.is_dir() else []:
            if entry.is_dir() and not entry.is_symlink():
                units.extend(sorted(entry.iterdir()))
            else:
                units.append(entry)
        sent = []
        for unit in units:
            relative = unit.relative_to(self.export_dir).as_posix()
            digest = _fingerprint(unit)
            if delivered.get(relative) == digest:
                continue
            target = self.landing_dir / relative
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            target.parent.mkdir(parents=True, exist_ok=True)
            if unit.is_dir() and not unit.is_symlink():
                shutil.copytree(unit, target, symlinks=True)
            else:
                shutil.copy2(unit, target, follow_symlinks=False)
            delivered[relative] = digest
            sent.append(relative)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(delivered, indent=1))
        return sent

    def load(self) -> LoadReport:
        """Deliver, then `recontact load` (the intake, then each batch into the raw tables)."""
        self.deliver()
        self.loaded = load(self.paths)
        self.intake = self.loaded.intake
        return self.loaded

    def dbt(
        self,
        command: str,
        as_of: date | str | None = None,
        select: str | None = None,
        exclude: list[str] | None = None,
        indirect_selection: str | None = None,
        full_refresh: bool = False,
        **rule_parameters: int,
    ) -> str:
        """dbt as a user runs it; `build` and `run` first deliver and load the export's new
        batches, as every entry point loads the landing (IntakeError, and no dbt, when the
        files cannot load). indirect_selection `cautious`: only the tests whose every parent
        is selected."""
        if command in ("build", "run"):
            self.load()
        as_of_text = as_of.isoformat() if isinstance(as_of, date) else as_of
        args = dbt_args(
            command,
            dbt_vars(as_of_text, **rule_parameters),
            select=select,
            target_path=self.target_path,
        )
        selection = ["--indirect-selection", indirect_selection] if indirect_selection else []
        refresh = ["--full-refresh"] if full_refresh else []
        return run_dbt([*args, *(exclude or []), *selection, *refresh], self.paths, quiet=True)

    def build(
        self,
        as_of: date | str | None = None,
        *,
        unit_tests: bool = False,
        data_tests: bool = True,
        **rule_parameters: int,
    ) -> str:
        """Seeds, models and data tests. The dbt unit tests test the SQL, not the data, so
        they run in one build of the suite (the sample warehouse's), not in every build.
        Without data_tests (a test that compares the tables of two builds, and nothing the
        data tests decide), the build is seeds and models: about 40% less time."""
        exclude = [] if unit_tests else list(DAILY_RUN_EXCLUDES)
        if not data_tests:
            exclude += MODELS_ONLY
        return self.dbt("build", as_of, exclude=exclude, **rule_parameters)

    def frame(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.execute(sql).df()

    def rows(self, sql: str) -> list[list]:
        """Plain Python rows (NULL stays None, unlike in a DataFrame)."""
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return [list(row) for row in connection.execute(sql).fetchall()]

    def mart(self, name: str) -> pd.DataFrame:
        frame = self.frame(f"select * from marts.{name}")
        return frame.sort_values(MART_KEYS[name]).reset_index(drop=True)

    def run_results(self) -> list[dict]:
        return json.loads((self.target_path / "run_results.json").read_text())["results"]


def _fingerprint(path: Path) -> str:
    """sha256 over the names and contents of a file or a directory tree (a symlink: its
    target's name)."""
    digest = hashlib.sha256()
    entries = sorted(path.rglob("*")) if path.is_dir() and not path.is_symlink() else [path]
    for entry in entries:
        digest.update(entry.relative_to(path.parent).as_posix().encode() + b"\0")
        if entry.is_symlink():
            digest.update(b"-> " + str(entry.readlink()).encode())
        elif entry.is_file():
            digest.update(entry.read_bytes())
    return digest.hexdigest()


def new_warehouse(root: Path, *, archive: bool = False) -> Warehouse:
    root.mkdir(parents=True, exist_ok=True)
    return Warehouse(
        export_dir=root / "export",
        landing_dir=root / "landing",
        duckdb_path=root / "warehouse.duckdb",
        target_path=root / "target",
        archive_dir=root / "archive" if archive else None,
    )


def write_entity(
    export_dir: Path,
    batch_id: str,
    entity: str,
    rows: list[dict],
    columns: list[str] | None = None,
) -> Path:
    """One <export>/canonical/<batch_id>/<entity>.csv (an export or a landing directory);
    missing values are empty fields."""
    columns = columns or list(dict.fromkeys(key for row in rows for key in row))
    path = export_dir / "canonical" / batch_id / f"{entity}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in columns})
    return path


def files_holding(root: Path, values: set[str], *, outside: Path | None = None) -> list[str]:
    """Every file under root (but under `outside`, the ATS's own export) holding one of the
    values: a Parquet file read cell by cell (its pages may be compressed), any other file
    as bytes (the DuckDB file keeps strings as plain bytes until compacted away)."""
    import pyarrow.parquet as pq

    encoded = [value.encode("utf-8") for value in values]
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if outside is not None and outside in path.parents:
            continue
        if path.suffix == ".parquet":
            cells = {
                str(cell) for column in pq.read_table(path).columns for cell in column.to_pylist()
            }
            held = bool(cells & values)
        else:
            data = path.read_bytes()
            held = any(value in data for value in encoded)
        if held:
            found.append(path.relative_to(root).as_posix())
    return found


def candidate(candidate_id: str, **values: str) -> dict:
    return {
        "candidate_id": candidate_id,
        "full_name": "Test Person",
        "email": f"{candidate_id}@example.com",
        "country": "JP",
        "region": "13",
        "created_at": "2024-01-01T09:00:00",
        "updated_at": "2024-01-01T09:00:00",
        "is_deleted": "false",
        **values,
    }


def application(application_id: str, candidate_id: str, **values: str) -> dict:
    return {
        "application_id": application_id,
        "candidate_id": candidate_id,
        "job_id": "job-1",
        "applied_at": "2024-01-10T09:00:00",
        "status": "rejected",
        "closed_at": "2025-06-01T09:00:00",
        "rejection_reason": "他候補者決定",
        "updated_at": "2025-06-01T09:00:00",
        **values,
    }


def consent(consent_event_id: str, candidate_id: str, purpose: str, **values: str) -> dict:
    return {
        "consent_event_id": consent_event_id,
        "candidate_id": candidate_id,
        "purpose": purpose,
        "action": "granted",
        "recorded_at": "2024-01-10T09:00:00",
        "expires_at": "",
        "notice_version": "2023-04",
        "channel": "web_form",
        **values,
    }


def normalized(value):
    """A mart value as plain Python, so DuckDB's and the oracle's rows compare exactly."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return normalized(value.item())
    if value is pd.NA:
        return None
    return value


def rows_by_key(records: list[dict], key: list[str]) -> dict[tuple, dict]:
    table = {}
    for record in records:
        clean = {column: normalized(value) for column, value in record.items()}
        identity = tuple(clean[column] for column in key)
        assert identity not in table, f"duplicate key {identity}"
        table[identity] = clean
    return table


def assert_same_rows(actual: pd.DataFrame, expected: list[dict], key: list[str], label: str):
    """Every row equal, column by column; a failure lists a few differing keys (ids only)."""
    got = rows_by_key(actual.to_dict("records"), key)
    want = rows_by_key(expected, key)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    differing = [
        (
            identity,
            {
                c: (got[identity].get(c), want[identity][c])
                for c in want[identity]
                if got[identity].get(c) != want[identity][c]
            },
        )
        for identity in sorted(set(got) & set(want))
        if got[identity] != want[identity]
    ]
    assert not (missing or extra or differing), (
        f"{label}: {len(missing)} rows missing, {len(extra)} extra, {len(differing)} differ; "
        f"missing {missing[:5]}, extra {extra[:5]}, differing (dbt, oracle) {differing[:5]}"
    )
