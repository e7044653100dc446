"""The `recontact` command: load ATS exports, build the marts, check, purge, audit.

recontact demo                       sample export, load, build, checks as of today, summary
recontact generate --candidates N    write a synthetic export (canonical, or --shape of a vendor)
recontact load                       intake checks, then the landing's batches into the raw tables
recontact build [--as-of YYYY-MM-DD] load, then dbt build of the whole warehouse
recontact summary                    counts from the marts (no personal data)
recontact purge [--dry-run]          delete the persons of the retention purge queue (tombstoned)
recontact audit [--verify]           the audit trail: checks, publications and purges
recontact outreach export --as-of D --out FILE   the ready drafts of D for the mailing tool
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from erasure.purge import PurgeError, new_run_id
from loader.audit import register_cli as register_audit_cli
from loader.intake import SAMPLE_MARKER, IntakeError
from loader.load import load
from loader.paths import WarehousePaths, iso_date, positive_int, today_in_business_timezone
from orchestration import compliance, report
from orchestration.outreach import register_cli as register_outreach_cli
from orchestration.publish import purge_and_republish
from orchestration.warehouse import DbtFailed, build, discard_build, summarize
from sample_exports.cli import PLANTED_WARNINGS, generate_sample
from sample_exports.cli import register_cli as register_generate_cli


class StepLine:
    """A long step's progress as one line: rewritten in place on a terminal; elsewhere (a
    log, CI) printed at most once per quarter of the work, so a log keeps a few lines."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.terminal = sys.stdout.isatty()
        self.started = time.perf_counter()
        self.quarters_shown = 0

    def update(self, text: str, fraction: float | None = None) -> None:
        if self.terminal:
            sys.stdout.write(f"\r\033[K  {self.label}: {text}"[:160])
            sys.stdout.flush()
        elif (
            fraction is not None
            and 0 < int(fraction * 4) < 4
            and int(fraction * 4) > self.quarters_shown
        ):
            self.quarters_shown = int(fraction * 4)
            print(f"  {self.label}: {text}", flush=True)

    def done(self, text: str) -> None:
        if self.terminal:
            sys.stdout.write("\r\033[K")
        print(f"  {self.label}: {text} ({time.perf_counter() - self.started:.0f} s)", flush=True)


# "  12 of 369 OK created sql table model staging.x ....", "  40 of 369 WARN 45 warn_y ..."
DBT_NODE_LINE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b(.*)")


NODE_NAME = re.compile(r"\w+\.\w[\w.]*|(?:warn|assert)_\w+")


class DbtProgress:
    """dbt's node lines as a StepLine (nodes done of all), remembering the warned tests."""

    def __init__(self, line: StepLine) -> None:
        self.line = line
        self.warned: list[str] = []

    def __call__(self, output_line: str) -> None:
        found = DBT_NODE_LINE.search(output_line)
        if not found:
            return
        done, total, status, rest = found.groups()
        if rest.lstrip().startswith("hook:"):
            return  # on-run-start / on-run-end, counted apart from the nodes
        name = next((w for w in rest.split() if NODE_NAME.fullmatch(w)), "")
        if status == "WARN":
            self.warned.append(name or rest.strip()[:60])
        self.line.update(f"{done}/{total} nodes {name}", int(done) / int(total))


def command_load(args: argparse.Namespace) -> None:
    print(load(WarehousePaths.from_env()).render())


def command_build(args: argparse.Namespace) -> None:
    paths = WarehousePaths.from_env()
    build(paths, args.as_of)
    print(summarize(paths.duckdb_path).render())


def command_summary(args: argparse.Namespace) -> None:
    paths = WarehousePaths.from_env()
    if not paths.duckdb_path.exists():
        raise SystemExit(f"no warehouse at {paths.duckdb_path}; run `recontact build` first")
    print(summarize(paths.duckdb_path).render())


def register_purge_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    command = subparsers.add_parser(
        "purge",
        help="delete the persons in marts.retention_purge_queue from the warehouse and its copies",
        description=(
            "Delete every person in marts.retention_purge_queue from every warehouse table "
            "(the raw tables included), the archive, Spark's raw files, the outreach exports "
            "and BI's releases, after writing a salted-hash tombstone for each. Refused while "
            "the landing holds a batch not loaded. Prints counts only."
        ),
    )
    command.add_argument(
        "--dry-run", action="store_true", help="show what would be deleted; change nothing"
    )
    command.add_argument("--run-id", help="the run id recorded in the report (default: new)")
    command.set_defaults(handler=command_purge)
    return command


def command_purge(args: argparse.Namespace) -> None:
    paths = WarehousePaths.from_env()
    try:
        result = purge_and_republish(
            paths, dry_run=args.dry_run, run_id=args.run_id or new_run_id()
        )
    except PurgeError as error:
        raise SystemExit(f"recontact purge: {error}") from None
    print(result.render())


def drafts_summary(duckdb_path: Path) -> str:
    """Counts of outreach.recontact_drafts by status (no text of a draft)."""
    import duckdb

    with duckdb.connect(str(duckdb_path), read_only=True) as warehouse:
        counts = warehouse.execute(
            "select draft_status, count(*) from outreach.recontact_drafts group by 1 order by 1"
        ).fetchall()
    return (
        ", ".join(f"{count:,} {status}" for status, count in counts)
        + " in outreach.recontact_drafts; HR reviews them, then"
        " `recontact outreach export --as-of D --out FILE`"
    )


def start_demo_warehouse(paths: WarehousePaths) -> None:
    """The demo builds its warehouse afresh from its sample every time: the raw tables are
    the system of record, and a sample of another day (other batch ids) must not pile up
    on the last one. Only a warehouse beside a landing the demo wrote (its marker) is
    removed; a warehouse without one is someone's, and the demo refuses to touch it."""
    if (paths.landing_dir / SAMPLE_MARKER).exists():
        discard_build(paths)
        for leftover in (paths.duckdb_path, Path(f"{paths.duckdb_path}.wal")):
            leftover.unlink(missing_ok=True)
    elif paths.duckdb_path.exists():
        raise SystemExit(
            f"recontact demo: {paths.duckdb_path} is not a demo warehouse ({paths.landing_dir}"
            " has no sample marker); set RECONTACT_DUCKDB_PATH and RECONTACT_LANDING_DIR to"
            " other paths for the demo"
        )


def command_demo(args: argparse.Namespace) -> None:
    """Generate, load, build, check; one line per step (--verbose: every line of each)."""
    paths = WarehousePaths.from_env()
    as_of = args.as_of or today_in_business_timezone()
    print(f"recontact demo: {args.candidates:,} synthetic candidates, decided as of {as_of}")
    start_demo_warehouse(paths)
    warned: list[str] = []
    if args.verbose:
        generate_sample(
            paths.landing_dir, args.candidates, args.seed, as_of, batches=4,
            file_format="mixed", replace_sample=True, quality_faults=True,
        )  # fmt: skip
        build(paths, as_of, unit_tests=False)
    else:
        step = StepLine("generate")
        generate_sample(
            paths.landing_dir, args.candidates, args.seed, as_of, batches=4,
            file_format="mixed", replace_sample=True, quality_faults=True,
            say=step.update, done=step.done,
        )  # fmt: skip
        dbt_progress = DbtProgress(StepLine("load + dbt build"))
        loaded = build(paths, as_of, quiet=True, unit_tests=False, on_line=dbt_progress)
        warned = dbt_progress.warned
        dbt_progress.line.done(
            f"{loaded.rows:,} rows loaded from {len(loaded.loaded)} batch(es), which left the"
            f" landing; marts built, {len(warned)} data test(s) warned"
        )
    step = StepLine("compliance checks")
    run_id = "demo-" + time.strftime("%Y%m%dT%H%M%S")
    outcomes = compliance.run_all(paths, run_id=run_id, as_of_date=as_of)
    step.done(
        f"{sum(o.passed for o in outcomes)} of {len(outcomes)} suites passed"
        + "".join(f"; {o.suite} FAILED" for o in outcomes if not o.passed)
    )
    print()
    print(summarize(paths.duckdb_path).render())
    if warned:
        print("  warnings the sample plants on purpose (dbt data tests of severity warn):")
        for test in warned:
            print(f"    {test}: {PLANTED_WARNINGS.get(test, 'not planted: look at it')}")
    print(f"  outreach drafts (step 3): {drafts_summary(paths.duckdb_path)}")
    run_dir = compliance.run_directory(paths, run_id)
    print(f"  evidence report: {run_dir / report.REPORT_NAME}")
    print("  docs: `.venv/bin/dbt docs generate && .venv/bin/dbt docs serve`; Dagster: `make dev`")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="recontact", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = root.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="sample export, build as of today, summary")
    demo.add_argument("--candidates", type=positive_int, default=5000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--as-of", type=iso_date, help="as-of date (default: today in Asia/Tokyo)")
    demo.add_argument("--verbose", action="store_true", help="every line of every step")
    demo.set_defaults(handler=command_demo)
    register_generate_cli(commands)

    load_command = commands.add_parser(
        "load", help="intake checks, then the landing's batches into the raw tables (they leave it)"
    )
    load_command.set_defaults(handler=command_load)

    build_command = commands.add_parser("build", help="load, then dbt build of the whole warehouse")
    build_command.add_argument("--as-of", type=iso_date, help="as-of date (default: today)")
    build_command.set_defaults(handler=command_build)

    summary = commands.add_parser("summary", help="counts from the marts")
    summary.set_defaults(handler=command_summary)

    register_purge_cli(commands)
    register_audit_cli(commands)
    register_outreach_cli(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.handler(args)
    except (DbtFailed, IntakeError) as failure:
        print(f"recontact: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
