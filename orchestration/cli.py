"""The `recontact` command: generate sample exports, build the marts, summarise.

recontact demo                       sample export + build as of today + summary
recontact generate --candidates N    write a synthetic export (canonical, or --shape of a vendor)
recontact build [--as-of YYYY-MM-DD] landing intake, then dbt build of the whole warehouse
recontact summary                    counts from the marts (no personal data)
recontact outreach export --as-of D --out FILE   the ready drafts of D for the mailing tool
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from orchestration.audit import register_cli as register_audit_cli
from orchestration.intake import SAMPLE_MARKER, IntakeError
from orchestration.outreach import register_cli as register_outreach_cli
from orchestration.paths import WarehousePaths, resolve, today_in_business_timezone
from orchestration.purge import register_cli as register_purge_cli
from orchestration.warehouse import DbtFailed, build, summarize


def iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text!r}")
    return value


def progress(message: str) -> None:
    print(f"  {message}", flush=True)


SHAPES = ("canonical", "greenhouse", "lever", "japanese_ats")


def generate_sample(
    landing_dir: Path,
    candidates: int,
    seed: int,
    end_date: str,
    batches: int,
    file_format: str,
    replace_sample: bool = False,
    shape: str = "canonical",
    quality_faults: bool = False,
) -> None:
    """A synthetic export under <landing_dir>/<shape>/: the canonical export, or the same
    people converted to a vendor's files (sample_exports/vendors/<shape>.py)."""
    from sample_exports.generate import generate_export  # DuckDB-heavy: import when used

    target = landing_dir / shape
    if target.exists() and any(target.iterdir()):
        if not (replace_sample and (landing_dir / SAMPLE_MARKER).exists()):
            raise SystemExit(
                f"{target} already holds an export; choose another --out "
                "(only a sample export written by `recontact demo` is replaced)"
            )
        shutil.rmtree(target)
    started = time.perf_counter()
    print(
        f"Generating {candidates:,} candidates (seed {seed}, up to {end_date}, {shape} shape)"
        f" in {landing_dir}"
    )
    generated_dir = landing_dir if shape == "canonical" else landing_dir / f".generating-{shape}"
    result = generate_export(
        generated_dir,
        candidates=candidates,
        seed=seed,
        end_date=date.fromisoformat(end_date),
        batches=batches,
        file_format=file_format,
        progress=progress,
        quality_faults=quality_faults,
    )
    rows = sum(sum(entities.values()) for entities in result.row_counts.values())
    if shape != "canonical":
        vendor = importlib.import_module(f"sample_exports.vendors.{shape}")
        progress(f"converting to {shape} files")
        rows = sum(vendor.write_export(generated_dir / "canonical", landing_dir).values())
        shutil.rmtree(generated_dir)
    (landing_dir / SAMPLE_MARKER).write_text("written by recontact generate; safe to replace\n")
    elapsed = time.perf_counter() - started
    print(f"Wrote {len(result.batches)} batches, {rows:,} rows in {elapsed:.1f}s")


def command_generate(args: argparse.Namespace) -> None:
    generate_sample(
        resolve(args.out),
        args.candidates,
        args.seed,
        args.end_date,
        args.batches,
        args.format,
        shape=args.shape,
        quality_faults=args.quality_faults,
    )


def command_build(args: argparse.Namespace) -> None:
    paths = WarehousePaths.from_env()
    build(paths, args.as_of)
    print(summarize(paths.duckdb_path).render())


def command_summary(args: argparse.Namespace) -> None:
    paths = WarehousePaths.from_env()
    if not paths.duckdb_path.exists():
        raise SystemExit(f"no warehouse at {paths.duckdb_path}; run `recontact build` first")
    print(summarize(paths.duckdb_path).render())


def command_demo(args: argparse.Namespace) -> None:
    paths = WarehousePaths.from_env()
    as_of = args.as_of or today_in_business_timezone()
    generate_sample(
        paths.landing_dir,
        args.candidates,
        args.seed,
        as_of,
        batches=4,
        file_format="mixed",
        replace_sample=True,
        quality_faults=True,
    )
    print(f"\nBuilding the warehouse as of {as_of} (dbt build: seeds, models, tests)")
    build(paths, as_of)
    print()
    print(summarize(paths.duckdb_path).render())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="recontact", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = root.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="sample export, build as of today, summary")
    demo.add_argument("--candidates", type=positive_int, default=5000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--as-of", type=iso_date, help="as-of date (default: today in Asia/Tokyo)")
    demo.set_defaults(handler=command_demo)

    generate = commands.add_parser("generate", help="write a synthetic canonical export")
    generate.add_argument("--candidates", type=positive_int, required=True)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--out", default="data/landing", help="landing directory")
    generate.add_argument(
        "--end-date",
        type=iso_date,
        default=today_in_business_timezone(),
        help="last export day (default: today in Asia/Tokyo)",
    )
    generate.add_argument("--batches", type=positive_int, default=4)
    generate.add_argument("--format", choices=["csv", "parquet", "mixed"], default="csv")
    generate.add_argument(
        "--shape",
        choices=SHAPES,
        default="canonical",
        help="canonical export, or the same people as a vendor's files",
    )
    generate.add_argument(
        "--quality-faults",
        action="store_true",
        help="plant one unreadable row (a typo in an active application's year), held by the"
        " data-quality hold (canonical shape)",
    )
    generate.set_defaults(handler=command_generate)

    build_command = commands.add_parser("build", help="dbt build of the whole warehouse")
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
