"""Publishing the marts where BI tools can read them while the next build writes.

DuckDB allows one writer per file and a writer blocks readers, so BI never reads the
warehouse file. Each publication is a release directory of Parquet files, written
completely first, then made current by two atomic renames:

    <publish_dir>/releases/<release_id>/{recontact_eligibility,...}.parquet + release.json
    <publish_dir>/current -> releases/<release_id>
    <publish_dir>/recontact_bi.duckdb   views marts.<mart> over releases/<release_id>/<mart>.parquet
                                        and marts.release (the release's id, D, rule set)

A BI tool opens recontact_bi.duckdb read-only (or reads current/*.parquet directly).
Every publication writes a new BI file whose views name its own release directory and
swaps it in whole: a connection opened on it reads that one release for every query,
however many publications happen meanwhile (a view over `current` would follow the
symlink per file read, so one query could join the eligibility of one release with the
purge queue of the next). A new connection sees the new release. A release that fails
half-way is never made current, and the previous one stays in place: the caller only
publishes after the blocking checks passed.

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

from erasure.purge import PurgePlan, PurgeReport, purge
from loader import sql
from loader.contract import MART_KEYS, file_sha256
from loader.files import atomic_write
from loader.paths import WarehousePaths
from orchestration.warehouse import discard_build

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


def release_dirs(publish_dir: Path) -> list[Path]:
    """The published releases, oldest first (a `.<id>.partial` one is still being written)."""
    releases = publish_dir / "releases"
    if not releases.is_dir():
        return []
    return sorted(
        (path for path in releases.iterdir() if path.is_dir() and not path.name.startswith(".")),
        key=lambda path: path.stat().st_mtime,
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
                f" to {sql.literal(str(target))} (format parquet)"
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
    atomic_write(
        staging_dir / "release.json", json.dumps(manifest, indent=2, sort_keys=True).encode()
    )
    os.replace(staging_dir, final_dir)
    bi_database = write_bi_database(paths.publish_dir, final_dir)
    make_current(paths.publish_dir, final_dir)
    prune_releases(paths.publish_dir, keep=keep)
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


def write_bi_database(publish_dir: Path, release_dir: Path) -> Path:
    """The read-only entry point for BI, bound to one release: views over that release's
    Parquet files and its release.json, written aside and swapped in whole."""
    path = publish_dir / BI_DATABASE

    def write(temporary: Path) -> None:
        temporary.unlink()  # DuckDB creates the database file itself
        with duckdb.connect(str(temporary)) as bi:
            bi.execute("create schema marts")
            for mart in MART_KEYS:
                parquet = sql.literal(str(release_dir.resolve() / f"{mart}.parquet"))
                bi.execute(f"create view marts.{mart} as select * from read_parquet({parquet})")
            manifest = sql.literal(str(release_dir.resolve() / "release.json"))
            bi.execute(
                "create view marts.release as select release_id, as_of_date, rule_set_version"
                f" from read_json({manifest}, columns = {{release_id: 'varchar',"
                " as_of_date: 'date', rule_set_version: 'varchar'})"
            )

    atomic_write(path, write)
    return path


def prune_releases(publish_dir: Path, *, keep: int) -> None:
    current = (publish_dir / "current").resolve()
    for old in release_dirs(publish_dir)[:-keep]:
        if old.resolve() != current:
            shutil.rmtree(old)


def purge_and_republish(
    paths: WarehousePaths, *, dry_run: bool, run_id: str
) -> PurgePlan | PurgeReport:
    """The purge every entry point runs (``recontact purge``, the Dagster job and its
    schedule): the erasure engine (erasure/purge.py: tombstones, files, the warehouse, the
    audit entry), then the copies orchestration made, so none keeps a purged person: a
    building copy of the warehouse left by a failed build is removed, and BI, once given a
    release, is republished; the new release replaces every older one ("Releases kept")."""
    result = purge(paths, dry_run=dry_run, run_id=run_id)
    if isinstance(result, PurgeReport):
        discard_build(paths)
        if release_dirs(paths.publish_dir):
            publish(paths, release_id=f"{run_id}-after-purge", keep=1)
    return result
