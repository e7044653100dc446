"""The purge tombstones: one salted hash per purged person, in the state directory.

The purge (erasure/purge.py) writes them; the loader reads them to suppress a
purged person whom an export delivers again, and dbt's staging does the same
(dbt_project/macros/tombstones.sql). The salt is never in SQL text or logs.
"""

from __future__ import annotations

import csv
import hashlib
import os
import secrets
from pathlib import Path

import pyarrow as pa

from loader.files import atomic_write, fsync_directory

TOMBSTONES_FILE = "tombstones.csv"
SALT_FILE = "tombstone_salt"
TOMBSTONE_COLUMNS = ("source_system", "candidate_key_hash", "purge_reason", "purged_at")


class PurgeError(RuntimeError):
    """The purge cannot run (or cannot go on); the message says why, never whom. Here
    because the tombstones it guards are read by the loader too."""


def tombstone_hash(salt: str, source_system: str, candidate_id: str) -> str:
    """sha256 of ``salt|source_system|candidate_id`` (UTF-8), lower-case hex.

    Equal to DuckDB's ``sha256(salt || '|' || source_system || '|' || candidate_id)``.
    """
    return hashlib.sha256(f"{salt}|{source_system}|{candidate_id}".encode()).hexdigest()


def load_salt(state_dir: Path, *, create: bool = False) -> str | None:
    """The tombstone salt (stripped); created (mode 0600) on first use when ``create``."""
    path = state_dir / SALT_FILE
    if not path.exists():
        if not create:
            return None
        state_dir.mkdir(parents=True, exist_ok=True)
        # written whole (0600), then linked into place: atomic and exclusive, so a
        # concurrent first use keeps one salt
        temp = state_dir / f".{SALT_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        atomic_write(temp, secrets.token_hex(32).encode("ascii"), mode=0o600)
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
        fsync_directory(state_dir)
    salt = path.read_text(encoding="utf-8").strip()
    if not salt:
        raise PurgeError(f"the tombstone salt file {path} is empty; restore it from backup")
    return salt


def read_tombstones(state_dir: Path) -> list[dict[str, str]]:
    """The tombstone rows (hashes, reasons, times: no ids)."""
    path = state_dir / TOMBSTONES_FILE
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != TOMBSTONE_COLUMNS:
            raise PurgeError(
                f"{path} does not have the columns {','.join(TOMBSTONE_COLUMNS)}; left as it is"
            )
        return list(reader)


def tombstone_table(state_dir: Path) -> pa.Table | None:
    """The tombstones (source_system, candidate_key_hash) and, as a column, their salt;
    None when nobody was purged. The loader registers it as a relation of its reading
    connection, so the salt is never in SQL text."""
    salt = load_salt(state_dir)
    rows = read_tombstones(state_dir) if salt is not None else []
    if not rows:
        return None
    return pa.table(
        {
            "source_system": [row["source_system"] for row in rows],
            "candidate_key_hash": [row["candidate_key_hash"] for row in rows],
            "salt": [salt] * len(rows),
        }
    )
