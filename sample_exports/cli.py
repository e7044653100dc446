"""`recontact generate`: a synthetic export in the landing, canonical or a vendor's shape.

The command line of this package (orchestration/cli.py wires register_cli in, and the demo
calls generate_sample); what the sample plants on purpose is listed here beside it.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from loader.intake import SAMPLE_MARKER
from loader.paths import iso_date, positive_int, resolve, today_in_business_timezone

SHAPES = ("canonical", "greenhouse", "lever", "japanese_ats")

# What the sample export plants on purpose, by the warning it raises.
PLANTED_WARNINGS = {
    "warn_unmapped_rejection_reasons": "rejection reasons the mapping seed does not know"
    " ('Reason unknown (legacy)', 面接日程調整不可)",
    "warn_unmapped_stages": "stage names the stage seed does not know",
    "warn_quarantined_rows": "unreadable rows (dates in the future; a year typo, 2062, in an"
    " active application, whose person the data-quality hold keeps out of the purge:"
    " marts.purge_blocked_by_quality), quarantined in intermediate.int_canonical__quarantine",
}


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
    say: Callable[[str], None] = lambda message: print(f"  {message}", flush=True),
    done: Callable[[str], None] = print,
) -> None:
    """A synthetic export under <landing_dir>/<shape>/: the canonical export, or the same
    people converted to a vendor's files (sample_exports/vendors/<shape>.py). say: each
    step as it starts; done: what was written."""
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
    say(
        f"generating {candidates:,} candidates (seed {seed}, up to {end_date}, {shape} shape)"
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
        progress=say,
        quality_faults=quality_faults,
    )
    rows = sum(sum(entities.values()) for entities in result.row_counts.values())
    if shape != "canonical":
        vendor = importlib.import_module(f"sample_exports.vendors.{shape}")
        say(f"converting to {shape} files")
        rows = sum(vendor.write_export(generated_dir / "canonical", landing_dir).values())
        shutil.rmtree(generated_dir)
    (landing_dir / SAMPLE_MARKER).write_text("written by recontact generate; safe to replace\n")
    elapsed = time.perf_counter() - started
    done(f"wrote {len(result.batches)} batches, {rows:,} rows in {elapsed:.1f}s to {landing_dir}")


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


def register_cli(commands: argparse._SubParsersAction) -> None:
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
