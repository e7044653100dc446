"""The outreach export files (recontact-outreach v1, "Export to a mailing tool"): personal
data outside the warehouse, so each one written is registered here, the purge rewrites
them without the persons it erases (:func:`erase_from_exports`), and the
purge-completeness check looks into them (orchestration/compliance.py). The export
itself (orchestration/outreach.py) writes them with :func:`write_owner_only` and
registers them with :func:`record_export`. The registry holds paths only.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from loader.files import atomic_write

EXPORTS_REGISTRY = "outreach_exports.json"


def record_export(state_dir: Path, path: Path) -> None:
    """Add an export file to the registry in state_dir (paths only, no personal data)."""
    registry = Path(state_dir) / EXPORTS_REGISTRY
    known = json.loads(registry.read_text()) if registry.exists() else []
    target = str(Path(path).resolve())
    if target not in known:
        known.append(target)
    atomic_write(registry, json.dumps(sorted(known), indent=2).encode("utf-8"))


def registered_exports(state_dir: Path) -> list[Path]:
    """The export files written so far that still exist."""
    registry = Path(state_dir) / EXPORTS_REGISTRY
    if not registry.exists():
        return []
    return [Path(p) for p in json.loads(registry.read_text()) if Path(p).is_file()]


def erase_from_exports(
    state_dir: Path, persons: set[tuple[str, str]]
) -> list[tuple[Path, int, int]]:
    """Rewrite every registered export file without the rows of these (source_system,
    candidate_id) records, atomically and owner-only; (path, rows removed, rows kept) of
    each file that held one."""
    changed = []
    for path in registered_exports(state_dir):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            rows = list(reader)
        if header is None:
            continue
        source, candidate = header.index("source_system"), header.index("candidate_id")
        kept = [row for row in rows if (row[source], row[candidate]) not in persons]
        if len(kept) == len(rows):
            continue
        write_owner_only(path, header, kept)
        changed.append((path, len(rows) - len(kept), len(kept)))
    return changed


def write_owner_only(out: Path, header: list[str], rows: list) -> None:
    """A CSV readable by its owner only, written whole (loader/files.py)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write(out, buffer.getvalue().encode("utf-8"), mode=0o600)
