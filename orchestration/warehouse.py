"""Running dbt against the warehouse, and reading a short summary back from it.

dbt runs as a subprocess from the repository root (where dbt_project.yml and
profiles.yml are), with the landing directory and DuckDB file passed through
the environment exactly as a user's own `dbt build` would see them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.engines import current_target
from orchestration.load import LoadReport, load
from orchestration.paths import PROJECT_DIR, WarehousePaths

# A scheduled run leaves out the dbt unit tests: they test the SQL, which a daily run does
# not change (`make test` and `recontact build` run them); every data test still runs.
DAILY_RUN_EXCLUDES = ["--exclude", "resource_type:unit_test"]


class DbtFailed(RuntimeError):
    """dbt exited non-zero; its output (shown, or kept here when quiet) says why."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def dbt_vars(as_of_date: str | None = None, **rule_parameters: int) -> dict[str, object]:
    """The --vars of a build: D and any non-default rule parameter."""
    variables: dict[str, object] = {}
    if as_of_date:
        variables["as_of_date"] = as_of_date
    variables.update(rule_parameters)
    return variables


def dbt_args(
    command: str,
    variables: dict[str, object],
    select: str | None = None,
    target_path: Path | None = None,
    target: str | None = None,
) -> list[str]:
    """Arguments for one dbt command run from the repository root, on the target given
    or else RECONTACT_DBT_TARGET's (orchestration/engines.py)."""
    args = [command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    args += ["--target", target or current_target()]
    if variables:
        args += ["--vars", json.dumps(variables, sort_keys=True)]
    if select:
        args += ["--select", select]
    if target_path:
        args += ["--target-path", str(target_path)]
    return args


def dbt_executable() -> str:
    """The dbt of this virtual environment, not whatever is first on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_command() -> list[str]:
    """dbt of this virtual environment, with the project parsed once per change of its
    files rather than once per command (orchestration/dbt_invoke.py)."""
    return [sys.executable, "-m", "orchestration.dbt_invoke"]


def run_dbt(
    args: list[str],
    paths: WarehousePaths,
    *,
    quiet: bool = False,
    on_line: Callable[[str], None] | None = None,
) -> str:
    """Run dbt; its progress streams to the terminal unless quiet (then it is returned,
    and each line is passed to on_line as it comes)."""
    paths.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **paths.as_env()}
    with subprocess.Popen(
        [*dbt_command(), *args],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
    ) as process:
        lines = []
        for line in process.stdout or []:
            lines.append(line)
            if on_line is not None:
                on_line(line)
        returncode = process.wait()
    output = "".join(lines)
    if returncode != 0:
        detail = f"\n{output[-4000:]}" if output else ""
        raise DbtFailed(f"dbt {args[0]} failed with exit code {returncode}{detail}", output)
    return output


def prepare_manifest() -> Path:
    """target/manifest.json, written by `dbt parse` (reads the project files, opens no
    connection): what the Dagster definitions load. `make dev`, CI and the tests call it
    before importing them; nothing parses at import time."""
    subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--project-dir", str(PROJECT_DIR),
         "--profiles-dir", str(PROJECT_DIR)],
        cwd=PROJECT_DIR,
        check=True,
    )  # fmt: skip
    return PROJECT_DIR / "target" / "manifest.json"


def build(
    paths: WarehousePaths,
    as_of_date: str | None = None,
    *,
    quiet: bool = False,
    unit_tests: bool = True,
    on_line: Callable[[str], None] | None = None,
) -> LoadReport:
    """Seeds, models and tests: the whole warehouse as of D, once the landing's new batches
    are loaded into the raw tables (orchestration/load.py raises IntakeError, and dbt does
    not run, when they cannot be loaded as they are). quiet: dbt's lines go to on_line
    only (and into DbtFailed when it fails)."""
    report = load(paths)
    if not quiet:
        print(report.render())
    excludes = [] if unit_tests else DAILY_RUN_EXCLUDES
    run_dbt(
        [*dbt_args("build", dbt_vars(as_of_date)), *excludes], paths, quiet=quiet, on_line=on_line
    )
    return report


@dataclass(frozen=True)
class Summary:
    """Counts only: a summary is printed and logged, so it carries no personal data."""

    as_of_date: str
    rule_set_version: str
    candidates: int
    eligible: int
    exclusions_by_primary_reason: list[tuple[str, int]]
    cohort_sizes: list[tuple[str, int]]
    purge_queue_by_reason: list[tuple[str, int]]
    purge_blocked_by_reason: list[tuple[str, int]]
    quarantined_rows: int
    landed_rows: int
    duckdb_path: Path

    def render(self) -> str:
        width = 28
        lines = [
            f"recontact marts as of {self.as_of_date} (rules {self.rule_set_version})",
            f"  candidates evaluated        {self.candidates:>10,}",
            f"  eligible for re-contact     {self.eligible:>10,}",
            "  excluded, by primary reason:",
            *(
                f"    {reason:<{width}}{count:>8,}"
                for reason, count in self.exclusions_by_primary_reason
            ),
            "  cohorts (eligible persons; one person may be in several):",
            *(f"    {cohort:<{width}}{count:>8,}" for cohort, count in self.cohort_sizes),
            f"  purge queue                 {sum(c for _, c in self.purge_queue_by_reason):>10,}",
            *(f"    {reason:<{width}}{count:>8,}" for reason, count in self.purge_queue_by_reason),
            "  purge blocked: a quarantined row names them (marts.purge_blocked_by_quality)"
            f" {sum(c for _, c in self.purge_blocked_by_reason):>4,}",
            *(
                f"    would be {reason:<{width - 9}}{count:>8,}"
                for reason, count in self.purge_blocked_by_reason
            ),
            f"  landed rows {self.landed_rows:,}, quarantined {self.quarantined_rows:,}"
            " (staging.stg_<source>__quarantine)",
            f"  marts: {self.duckdb_path} -> marts.recontact_eligibility,"
            " marts.recontact_cohorts, marts.retention_purge_queue,"
            " marts.purge_blocked_by_quality",
        ]
        return "\n".join(lines)


def summarize(duckdb_path: Path) -> Summary:
    """Read the marts through a read-only connection, closed before returning."""
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:

        def rows(sql: str) -> list[tuple]:
            return connection.execute(sql).fetchall()

        def every_source(sql: str, model: str) -> str:
            """sql (a count) over staging.stg_<source>__<model> of every source, summed."""
            tables = rows(
                "select table_name from information_schema.tables where table_schema = 'staging'"
                f" and table_name like 'stg\\_%\\_\\_{model}' escape '\\' order by 1"
            )
            parts = [sql.format(f"staging.{name}") for (name,) in tables] or ["select 0 as n"]
            return f"select sum(n) from ({' union all '.join(parts)})"

        head = rows(
            """
            select any_value(cast(as_of_date as varchar)), any_value(rule_set_version),
                   count(*), count(*) filter (where is_eligible)
            from marts.recontact_eligibility
            """
        )[0]
        return Summary(
            as_of_date=head[0] or "-",
            rule_set_version=head[1] or "-",
            candidates=head[2],
            eligible=head[3],
            exclusions_by_primary_reason=rows(
                """
                select primary_exclusion_reason, count(*) from marts.recontact_eligibility
                where not is_eligible group by 1 order by 2 desc, 1
                """
            ),
            cohort_sizes=rows(
                "select cohort, count(*) from marts.recontact_cohorts group by 1 order by 2 desc, 1"
            ),
            purge_queue_by_reason=rows(
                """
                select purge_reason, count(*) from marts.retention_purge_queue
                group by 1 order by 2 desc, 1
                """
            ),
            purge_blocked_by_reason=rows(
                """
                select would_be_purge_reason, count(*) from marts.purge_blocked_by_quality
                group by 1 order by 2 desc, 1
                """
            ),
            quarantined_rows=rows(every_source("select count(*) as n from {}", "quarantine"))[0][0],
            landed_rows=rows(
                every_source(
                    "select coalesce(sum(landed_rows), 0) as n from {}", "landing_reconciliation"
                )
            )[0][0],
            duckdb_path=duckdb_path,
        )
