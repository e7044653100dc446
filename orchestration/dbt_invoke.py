"""dbt commands with the project parsed once: ``python -m orchestration.dbt_invoke ARGS``.

A full parse of this project takes about 9 s, and dbt's own partial parsing starts over
whenever a ``--vars`` value (the as-of date) or an environment variable read in
dbt_project.yml (the landing directory) differs from the last run, which is every run
of the CLI and the test suite. What a parse produces depends only on the project's
files, the dbt version, the target and the vars that shape the graph — not on the
as-of date, the rule parameters or the paths, all of which are read when a model is
compiled, not when it is parsed. So the parsed manifest is kept under
``target/parsed/`` keyed by exactly those inputs, and each command runs in dbt's
documented programmatic API, ``dbtRunner(manifest=...)``, which skips the parse.

The command's output, exit code and artefacts (run_results.json) are dbt's own; only
manifest.json is not rewritten, since nothing was parsed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import sys

from loader.engines import current_target
from loader.files import atomic_write
from loader.paths import PROJECT_DIR, WarehousePaths

CACHE_DIR = PROJECT_DIR / "target" / "parsed"
# Read when a model is compiled or run, never while parsing: changing them keeps the parse.
RUNTIME_VARS = frozenset(
    {
        "as_of_date",
        "future_grace_days",
        "recontact_cooldown_days",
        "recontact_min_months_since_close",
        "recontact_lookback_months",
    }
)
PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "dbt_project", "seeds")
# Commands that need no manifest, or that must make one (and so parse as usual).
PARSING_COMMANDS = frozenset({"parse", "deps", "clean", "debug", "init", "docs"})


def option(args: list[str], *names: str) -> str | None:
    """The value of the last `--name value` or `--name=value` among args."""
    found = None
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                found = args[index + 1]
            elif arg.startswith(name + "="):
                found = arg.split("=", 1)[1]
    return found


def parse_key(args: list[str]) -> str:
    """What a parse depends on: project files, dbt version, target, graph-shaping vars."""
    from dbt.version import __version__

    digest = hashlib.sha256()
    for name in PROJECT_INPUTS:
        root = PROJECT_DIR / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    variables = parse_vars(option(args, "--vars"))
    shaping = {key: value for key, value in variables.items() if key not in RUNTIME_VARS}
    target = option(args, "--target", "-t") or current_target()
    # Each node's database and schema are set at parse time from the profile: DuckDB names
    # its catalog after the file's stem, PostgreSQL and Spark take theirs from the profile.
    database = [
        WarehousePaths.from_env().duckdb_path.stem,
        os.environ.get("RECONTACT_PG_DATABASE", ""),
        os.environ.get("RECONTACT_SPARK_SCHEMA", ""),
    ]
    digest.update(json.dumps([__version__, target, database, shaping], sort_keys=True).encode())
    return digest.hexdigest()[:24]


def parse_vars(text: str | None) -> dict:
    if not text:
        return {}
    import yaml  # dbt accepts YAML (and so JSON) for --vars

    value = yaml.safe_load(text)
    return value if isinstance(value, dict) else {}


def parse_args(args: list[str]) -> list[str]:
    """The `dbt parse` that produces the manifest args run against."""
    keep = []
    for name in ("--project-dir", "--profiles-dir", "--target", "-t", "--vars"):
        value = option(args, name)
        if value is not None:
            keep += [name, value]
    return ["parse", "--quiet", *keep]


def load_manifest(args: list[str]):
    """The parsed manifest for args, from the cache or from one `dbt parse` (then cached)."""
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest

    path = CACHE_DIR / f"{parse_key(args)}.pickle"
    if path.exists():
        try:
            return Manifest(**pickle.loads(path.read_bytes()))
        except Exception:  # a cache written by another dbt version: parse again
            path.unlink(missing_ok=True)
    result = dbtRunner().invoke(parse_args(args))
    if not result.success or result.result is None:
        return None  # dbt has printed why; the command itself will fail the same way
    manifest = result.result
    # The public fields only: the private lookups are rebuilt on first use (and
    # Manifest.__reduce_ex__ of dbt 1.11 misplaces them, so the object is not pickled whole).
    state = {
        field.name: getattr(manifest, field.name)
        for field in dataclasses.fields(manifest)
        if not field.name.startswith("_")
    }
    atomic_write(path, pickle.dumps(state))
    return manifest


def invoke(args: list[str]) -> int:
    """Run one dbt command; dbt's exit codes (0 ok, 1 failures, 2 errors)."""
    from dbt.cli.main import dbtRunner

    manifest = None if not args or args[0] in PARSING_COMMANDS else load_manifest(args)
    result = dbtRunner(manifest=manifest).invoke(args)
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


if __name__ == "__main__":
    sys.exit(invoke(sys.argv[1:]))
