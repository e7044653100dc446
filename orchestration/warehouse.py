"""Running dbt against the warehouse, and reading a short summary back from it.

dbt runs as a subprocess from the repository root (where dbt_project.yml and
profiles.yml are), with the landing directory and DuckDB file passed through
the environment exactly as a user's own `dbt build` would see them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loader.engines import current_target
from loader.load import LoadReport, load
from loader.paths import PROJECT_DIR, WarehousePaths

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
    or else RECONTACT_DBT_TARGET's (loader/engines.py)."""
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
    """Seeds, models and tests: the whole warehouse as of D, once the batches in the landing
    are loaded into the raw tables (loader/load.py raises IntakeError, and dbt does
    not run, when they cannot be loaded as they are). dbt builds a copy of the warehouse
    that replaces it only when every model and blocking test passed (begin_build): a failed
    build leaves the last good marts and history. quiet: dbt's lines go to on_line only
    (and into DbtFailed when it fails)."""
    report = load(paths)
    if not quiet:
        print(report.render())
    excludes = [] if unit_tests else DAILY_RUN_EXCLUDES
    building = begin_build(paths, run_id="cli")
    try:
        run_dbt(
            [*dbt_args("build", dbt_vars(as_of_date)), *excludes],
            building,
            quiet=quiet,
            on_line=on_line,
        )
    except DbtFailed as failure:
        raise DbtFailed(f"{failure}\n{kept_last_good(paths)}", failure.output) from None
    promote_build(paths, run_id="cli")
    return report


# --------------------------------------------------------------------------------------
# Build aside, then swap: a failed build or check never rewrites the marts in place
# --------------------------------------------------------------------------------------

BUILDING_SUFFIX = ".building"


class WarehouseChanged(RuntimeError):
    """The warehouse was written while a copy of it was being built (a purge or a load in
    another run): swapping the copy in would undo that write, so it is refused."""


def building_path(paths: WarehousePaths) -> Path:
    """<warehouse>.building.duckdb: where dbt builds before the result is swapped in."""
    live = paths.duckdb_path
    return live.with_name(f"{live.stem}{BUILDING_SUFFIX}{live.suffix}")


def _marker(paths: WarehousePaths) -> Path:
    """Which run made the building copy, and the warehouse file it was copied from."""
    return building_path(paths).with_name(building_path(paths).name + ".run.json")


def _file_state(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def builds_aside(target: str | None = None) -> bool:
    """The DuckDB file is built aside; a server (PostgreSQL) or Spark catalog is built in
    place (their production setups keep their own snapshots, docs/engines.md)."""
    return (target or current_target()) == "duckdb"


def begin_build(paths: WarehousePaths, *, run_id: str) -> WarehousePaths:
    """The paths of a fresh building copy of the warehouse (checkpointed, then copied), on
    which dbt and the checks of this run work; the live file is not touched until
    promote_build. Any earlier copy (a failed build kept for inspection) is discarded."""
    if not builds_aside():
        return paths
    discard_build(paths)
    live, building = paths.duckdb_path, building_path(paths)
    live.parent.mkdir(parents=True, exist_ok=True)
    base = None
    if live.exists():
        with duckdb.connect(str(live)) as connection:
            connection.execute("checkpoint")  # everything in the file, nothing in a .wal
        shutil.copyfile(live, building)
        base = _file_state(live)
    _marker(paths).write_text(json.dumps({"run_id": run_id, "copied_from": base}))
    return dataclasses.replace(paths, duckdb_path=building)


def building_paths(paths: WarehousePaths, *, run_id: str) -> WarehousePaths | None:
    """The paths of the building copy run_id made and has not swapped in yet, else None."""
    marker = _marker(paths)
    if not builds_aside() or not marker.exists() or not building_path(paths).exists():
        return None
    if json.loads(marker.read_text())["run_id"] != run_id:
        return None
    return dataclasses.replace(paths, duckdb_path=building_path(paths))


def promote_build(paths: WarehousePaths, *, run_id: str) -> bool:
    """Swap run_id's building copy in as the warehouse (one atomic rename); False when this
    run built nothing aside. Refused (WarehouseChanged, the copy discarded) when the
    warehouse was written since the copy was taken."""
    if building_paths(paths, run_id=run_id) is None:
        return False
    live, building = paths.duckdb_path, building_path(paths)
    base = json.loads(_marker(paths).read_text())["copied_from"]
    now = _file_state(live) if live.exists() else None
    if now != base:
        discard_build(paths)
        raise WarehouseChanged(
            f"{live} was written while this run built its copy (a purge or a load in another"
            " run?): the copy is discarded and the warehouse kept as it is; run the build again"
        )
    os.replace(building, live)
    _marker(paths).unlink()
    return True


def discard_build(paths: WarehousePaths) -> None:
    """Remove a building copy and its marker (a purge calls this: the copy holds persons)."""
    building = building_path(paths)
    for leftover in (building, building.with_name(building.name + ".wal"), _marker(paths)):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(building.with_name(building.name + ".tmp"), ignore_errors=True)


def kept_last_good(paths: WarehousePaths) -> str:
    """What a failed build left where, for its error message."""
    if not builds_aside():
        return ""
    return (
        f"The warehouse {paths.duckdb_path} keeps its last good marts and history; the failed"
        f" build is in {building_path(paths)} for inspection (the next build or purge removes it)."
    )


@contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    """os.environ with variables set, restored after (a subprocess started inside sees them)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
    quarantine_by_reason: list[tuple[str, int]]
    # (D, primary exclusion reason or 'eligible', persons) of every D decided (the report)
    eligibility_history: list[tuple[str, str, int]]
    landed_rows: int
    duckdb_path: Path

    @property
    def quarantined_rows(self) -> int:
        return sum(count for _, count in self.quarantine_by_reason)

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
            " (intermediate.int_<source>__quarantine)",
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
            """sql (a count) over intermediate.int_<source>__<model> of every source, summed."""
            tables = rows(
                "select table_name from information_schema.tables"
                " where table_schema = 'intermediate'"
                f" and table_name like 'int\\_%\\_\\_{model}' escape '\\' order by 1"
            )
            parts = [sql.format(f"intermediate.{name}") for (name,) in tables] or ["select 0 as n"]
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
            quarantine_by_reason=rows(
                """
                select quarantine_reason, count(*) from intermediate.int_quarantine_unioned
                group by 1 order by 2 desc, 1
                """
            ),
            eligibility_history=rows(
                """
                select cast(as_of_date as varchar),
                       coalesce(primary_exclusion_reason, 'eligible'), count(*)
                from marts.recontact_eligibility_history group by 1, 2 order by 1, 2
                """
            ),
            landed_rows=rows(
                every_source(
                    "select coalesce(sum(landed_rows), 0) as n from {}", "landing_reconciliation"
                )
            )[0][0],
            duckdb_path=duckdb_path,
        )
