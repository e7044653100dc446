"""Publishing the marts where BI tools can read them while the next build writes.

DuckDB allows one writer per file and a writer blocks readers, so BI never reads the
warehouse file. Each publication is a release directory of Parquet files, written
completely first and then made current by an atomic symlink swap:

    <publish_dir>/releases/<release_id>/{recontact_eligibility,...}.parquet + release.json
    <publish_dir>/current -> releases/<release_id>
    <publish_dir>/recontact_bi.duckdb   views marts.<mart> over current/<mart>.parquet

A BI tool opens recontact_bi.duckdb read-only (or reads current/*.parquet directly);
its views follow `current`, so the file itself is written once and never locked by us
afterwards. A release that fails half-way is never made current, and the previous one
stays in place: the caller only publishes after the blocking checks passed.

Releases kept: the last RELEASES_KEPT (the current one and the two before it, so a BI
query that started on the previous release can finish). A publication after a purge
keeps only itself: every older release still holds the purged persons, and erasure must
reach every copy (a query still reading an old release then fails and is re-run on the
current one).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.contract import MART_KEYS, file_sha256
from orchestration.paths import WarehousePaths

BI_DATABASE = "recontact_bi.duckdb"
RELEASES_KEPT = 3  # older releases are removed; a BI query may still read the previous one


@dataclass(frozen=True)
class Publication:
    release_id: str
    release_dir: Path
    as_of_date: str
    rule_set_version: str
    row_counts: dict[str, int]
    bi_database: Path


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def has_publication(publish_dir: Path) -> bool:
    """Whether BI has been given a release (so a purge must republish)."""
    releases = publish_dir / "releases"
    return releases.is_dir() and any(
        path.is_dir() and not path.name.startswith(".") for path in releases.iterdir()
    )


def publish(paths: WarehousePaths, *, release_id: str, keep: int = RELEASES_KEPT) -> Publication:
    """Copy the marts into a new release, make it current atomically, then remove all but
    the `keep` newest releases."""
    releases = paths.publish_dir / "releases"
    final_dir = releases / release_id
    if final_dir.exists():
        raise FileExistsError(f"release {release_id} was already published at {final_dir}")
    staging_dir = releases / f".{release_id}.partial"
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir(parents=True)

    row_counts: dict[str, int] = {}
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as warehouse:
        as_of_date, rule_set_version = warehouse.execute(
            "select cast(max(as_of_date) as varchar), max(rule_set_version)"
            " from marts.recontact_eligibility"
        ).fetchone()
        for mart, keys in MART_KEYS.items():
            target = staging_dir / f"{mart}.parquet"
            warehouse.execute(
                f"copy (select * from marts.{mart} order by {', '.join(keys)})"
                f" to {sql_literal(str(target))} (format parquet)"
            )
            row_counts[mart] = warehouse.execute(f"select count(*) from marts.{mart}").fetchone()[0]

    manifest = {
        "release_id": release_id,
        "as_of_date": as_of_date,
        "rule_set_version": rule_set_version,
        "row_counts": row_counts,
        "files": {
            f"{mart}.parquet": file_sha256(staging_dir / f"{mart}.parquet") for mart in MART_KEYS
        },
    }
    (staging_dir / "release.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    os.replace(staging_dir, final_dir)
    make_current(paths.publish_dir, final_dir)
    bi_database = ensure_bi_database(paths.publish_dir)
    prune_releases(releases, keep=keep)
    return Publication(
        release_id, final_dir, as_of_date or "", rule_set_version or "", row_counts, bi_database
    )


def make_current(publish_dir: Path, release_dir: Path) -> None:
    """Point `current` at the release in one rename (readers see old or new, never neither)."""
    link = publish_dir / "current"
    temporary = publish_dir / f".current.{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(release_dir.relative_to(publish_dir), target_is_directory=True)
    os.replace(temporary, link)


def current_release(publish_dir: Path) -> dict | None:
    """The manifest of the release BI reads now, or None before the first publication."""
    manifest = publish_dir / "current" / "release.json"
    return json.loads(manifest.read_text()) if manifest.exists() else None


def ensure_bi_database(publish_dir: Path) -> Path:
    """The read-only entry point for BI: views over current/*.parquet, created once (and
    again when the set of marts changed, e.g. a new rule set's mart)."""
    path = publish_dir / BI_DATABASE
    current = publish_dir / "current"
    if path.exists():
        with duckdb.connect(str(path), read_only=True) as bi:
            views = {
                name
                for (name,) in bi.execute(
                    "select view_name from duckdb_views() where schema_name = 'marts'"
                ).fetchall()
            }
        if views == set(MART_KEYS):
            return path
    temporary = publish_dir / f".{BI_DATABASE}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    with duckdb.connect(str(temporary)) as bi:
        bi.execute("create schema marts")
        for mart in MART_KEYS:
            parquet = sql_literal(str(current / f"{mart}.parquet"))
            bi.execute(f"create view marts.{mart} as select * from read_parquet({parquet})")
    os.replace(temporary, path)
    return path


def prune_releases(releases: Path, *, keep: int) -> None:
    published = sorted(
        (path for path in releases.iterdir() if path.is_dir() and not path.name.startswith(".")),
        key=lambda path: path.stat().st_mtime,
    )
    current = (releases.parent / "current").resolve()
    for old in published[:-keep]:
        if old.resolve() != current:
            shutil.rmtree(old)
