"""The append-only audit log: one JSON line per compliance check, purge or publication.

``<audit_dir>/audit_log.jsonl`` lives outside the warehouse file, so writing it never
contends for DuckDB's lock, and a reviewer reads it with any text tool. Each line is one
entry, hash-chained for tamper evidence:

| field          | what                                                                   |
|----------------|------------------------------------------------------------------------|
| sequence       | 1, 2, 3 ... in the order the entries were appended                     |
| recorded_at    | when it was appended, UTC, ISO 8601                                    |
| previous_hash  | the entry_hash of the entry before (64 zeros for the first)           |
| entry_hash     | sha256 of the entry's canonical JSON (sorted keys, no entry_hash)     |

plus what the caller recorded: for a check run_id, as_of_date, rule_set_version, suite,
passed, evaluated_rows, unexpected_rows, inputs_hash (the record of what was loaded,
loader/load.py `inputs_fingerprint`), evidence (a path relative to the audit
directory); other entries name an ``event`` (purge, publish ...) instead of a suite.
Entries hold counts, hashes and pseudonymous ids only, never personal data.

Appending takes an exclusive ``fcntl.flock`` on the log, writes one line and fsyncs it,
so concurrent writers never interleave and an entry that was returned is on disk.
Editing, deleting or reordering a line breaks the chain, which ``verify_chain`` reports
with the first broken sequence number (``recontact audit --verify``).
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import hashlib
import io
import json
import os
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from loader.files import fsync_directory
from loader.paths import WarehousePaths, iso_date

LOG_NAME = "audit_log.jsonl"
GENESIS_HASH = "0" * 64
CHAIN_FIELDS = ("sequence", "recorded_at", "previous_hash", "entry_hash")
TABLE_COLUMNS = (
    "sequence",
    "recorded_at",
    "as_of_date",
    "run_id",
    "rule_set_version",
    "check",
    "passed",
    "evaluated_rows",
    "unexpected_rows",
    "inputs_hash",
    "evidence",
)


class AuditLogError(RuntimeError):
    """The audit log cannot be read or appended to as it is."""


class AuditChainBroken(AuditLogError):
    """An entry of the audit log was altered, removed, reordered or torn."""

    def __init__(self, sequence: int, reason: str) -> None:
        super().__init__(f"audit log chain broken at sequence {sequence}: {reason}")
        self.sequence = sequence
        self.reason = reason


def log_path(audit_dir: Path) -> Path:
    return Path(audit_dir) / LOG_NAME


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_digest(entry: dict) -> str:
    """sha256 of an entry's canonical JSON without its own entry_hash."""
    body = {key: value for key, value in entry.items() if key != "entry_hash"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """A JSON value of what a caller recorded (dates and paths as text)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        return value.item()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"audit entry value of type {type(value).__name__} is not recordable")


def _last_line(handle) -> bytes:
    """The last line of a file open in binary mode (b'' when empty), read from the end."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    if size == 0:
        return b""
    handle.seek(size - 1)
    if handle.read(1) != b"\n":
        raise AuditLogError(
            "the audit log does not end with a complete line (a torn write?); "
            "run `recontact audit --verify` and repair it before appending"
        )
    block = 4096
    position = size - 1
    tail = b""
    while position > 0:
        start = max(0, position - block)
        handle.seek(start)
        tail = handle.read(position - start) + tail
        position = start
        newline = tail.rfind(b"\n")
        if newline >= 0:
            return tail[newline + 1 :]
    return tail


def append_entry(audit_dir: Path, entry: dict) -> dict:
    """Append one entry (with sequence, recorded_at and its hashes) and return it as written."""
    reserved = sorted(set(entry) & set(CHAIN_FIELDS))
    if reserved:
        raise ValueError(f"audit entry fields {reserved} are set by the log itself")
    audit_dir = Path(audit_dir)
    audit_dir.mkdir(parents=True, exist_ok=True)
    path = log_path(audit_dir)
    created = not path.exists()
    with path.open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            last = _last_line(handle)
            if last:
                try:
                    previous = json.loads(last)
                    sequence = int(previous["sequence"]) + 1
                    previous_hash = str(previous["entry_hash"])
                except (ValueError, KeyError, TypeError) as error:
                    raise AuditLogError(
                        f"the last line of {path} is not an audit entry ({error}); "
                        "run `recontact audit --verify`"
                    ) from None
            else:
                sequence, previous_hash = 1, GENESIS_HASH
            written = {
                **_plain(entry),
                "sequence": sequence,
                "recorded_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                "previous_hash": previous_hash,
            }
            written["entry_hash"] = entry_digest(written)
            handle.seek(0, os.SEEK_END)
            handle.write((canonical_json(written) + "\n").encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    if created:
        fsync_directory(audit_dir)
    return written


def _lines(audit_dir: Path) -> Iterable[tuple[int, bytes]]:
    path = log_path(audit_dir)
    if not path.exists():
        return
    with path.open("rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        try:
            yield from enumerate(handle, start=1)
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def verify_chain(audit_dir: Path) -> int:
    """Check every entry's sequence and hashes; return how many entries there are.

    Raises AuditChainBroken naming the first sequence number that does not verify (for a
    line that is not even JSON, the sequence it should have had).
    """
    previous_hash = GENESIS_HASH
    expected = 1
    for _, line in _lines(audit_dir):
        if not line.endswith(b"\n"):
            raise AuditChainBroken(expected, "the last line is incomplete (a torn write)")
        try:
            entry = json.loads(line)
        except ValueError:
            raise AuditChainBroken(expected, "the line is not valid JSON") from None
        if not isinstance(entry, dict):
            raise AuditChainBroken(expected, "the line is not a JSON object")
        sequence = entry.get("sequence")
        if sequence != expected:
            raise AuditChainBroken(
                expected, f"found sequence {sequence!r} (an entry was removed or reordered)"
            )
        if entry.get("previous_hash") != previous_hash:
            raise AuditChainBroken(expected, "previous_hash does not match the entry before it")
        if entry.get("entry_hash") != entry_digest(entry):
            raise AuditChainBroken(expected, "entry_hash does not match its content (edited)")
        previous_hash = entry["entry_hash"]
        expected += 1
    return expected - 1


def entry_date(entry: dict) -> date | None:
    """The date an entry is filed under: its as_of_date, else the UTC date it was recorded."""
    for field in ("as_of_date", "recorded_at"):
        value = entry.get(field)
        if value:
            try:
                return date.fromisoformat(str(value)[:10])
            except ValueError:
                continue
    return None


def read_entries(
    audit_dir: Path, since: date | None = None, until: date | None = None
) -> list[dict]:
    """Entries whose as_of_date (or, without one, recorded UTC date) is in [since, until].

    Filtering is by the business date a run was for, so an audit of 2026-11-27 finds every
    check run as of that day, including a backfill run months later. Lines are parsed as
    they are; use verify_chain to prove they were not altered.
    """
    entries = []
    for number, line in _lines(audit_dir):
        try:
            entry = json.loads(line)
        except ValueError:
            raise AuditLogError(f"line {number} of the audit log is not valid JSON") from None
        filed = entry_date(entry)
        if since and (filed is None or filed < since):
            continue
        if until and (filed is None or filed > until):
            continue
        entries.append(entry)
    return entries


# --------------------------------------------------------------------------------------
# `recontact audit`
# --------------------------------------------------------------------------------------


def row_of(entry: dict) -> dict:
    """The table/CSV columns of an entry (`check` is the suite, or the event)."""
    row = {column: entry.get(column) for column in TABLE_COLUMNS}
    row["check"] = entry.get("suite") or entry.get("event")
    return row


def render(entries: list[dict], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
    rows = [row_of(entry) for entry in entries]
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=TABLE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    if not rows:
        return "no audit entries in that range\n"
    shown = [
        {
            "seq": str(entry.get("sequence", "-")),
            "recorded (UTC)": str(entry.get("recorded_at") or "-")[:16].replace("T", " "),
            "as of": str(entry.get("as_of_date") or "-"),
            "what": str(row["check"] or "-"),
            "result": _result(entry),
            "details": _details(entry),
        }
        for entry, row in zip(entries, rows, strict=True)
    ]
    columns = list(shown[0])
    widths = {c: max(len(c), *(len(row[c]) for row in shown)) for c in columns}
    fixed = sum(widths[c] + 2 for c in columns if c != "details")
    widths["details"] = max(len("details"), min(widths["details"], TABLE_WIDTH - fixed))
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip()]
    lines.append("  ".join("-" * widths[c] for c in columns))
    lines += [
        "  ".join(_fit(row[c], widths[c]).ljust(widths[c]) for c in columns).rstrip()
        for row in shown
    ]
    return "\n".join(lines) + "\n"


TABLE_WIDTH = 100  # the table fits a 100-column terminal; json and csv carry everything


def _result(entry: dict) -> str:
    if entry.get("passed") is None:
        return "-"
    return "PASS" if entry["passed"] else "FAIL"


def _details(entry: dict) -> str:
    """What the entry did, in counts: a check's rows, a publication's marts, a purge's
    first summary line."""
    if entry.get("suite"):
        return (
            f"{entry.get('evaluated_rows') or 0:,} rows,"
            f" {entry.get('unexpected_rows') or 0:,} unexpected"
        )
    if entry.get("row_counts"):
        counts = ", ".join(
            f"{mart.removeprefix('recontact_')} {n:,}"
            for mart, n in sorted(entry["row_counts"].items())
        )
        return f"{Path(str(entry.get('release', ''))).name}: {counts}"
    if entry.get("summary"):
        return str(entry["summary"]).strip().splitlines()[0]
    return str(entry.get("run_id") or "-")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def command_audit(args: argparse.Namespace) -> None:
    audit_dir = WarehousePaths.from_env().audit_dir
    if args.since and args.until and args.since > args.until:
        raise SystemExit("recontact audit: --from is after --to")
    if args.verify:
        try:
            count = verify_chain(audit_dir)
        except AuditChainBroken as broken:
            raise SystemExit(f"recontact audit: {broken}") from None
        print(
            f"audit log chain verified: {count} entries in {log_path(audit_dir)}", file=sys.stderr
        )
    try:
        entries = read_entries(
            audit_dir, *(date.fromisoformat(d) if d else None for d in (args.since, args.until))
        )
    except AuditLogError as error:
        raise SystemExit(f"recontact audit: {error}") from None
    sys.stdout.write(render(entries, args.format))


def register_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `recontact audit` to the CLI's subcommands (orchestration/cli.py)."""
    audit = subparsers.add_parser(
        "audit",
        help="print or export the audit trail for a date range",
        description=(
            "The audit trail of compliance checks, purges and publications, filtered by the "
            "as-of date each was run for (entries without one: the UTC date recorded). "
            "Evidence paths are relative to RECONTACT_AUDIT_DIR."
        ),
    )
    audit.add_argument("--from", dest="since", type=iso_date, help="first as-of date")
    audit.add_argument("--to", dest="until", type=iso_date, help="last as-of date")
    audit.add_argument("--format", choices=["table", "json", "csv"], default="table")
    audit.add_argument(
        "--verify",
        action="store_true",
        help="verify the hash chain first; exit non-zero naming the first broken entry",
    )
    audit.set_defaults(handler=command_audit)
    return audit
