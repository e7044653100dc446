"""Intake: what must hold of the landing files before the loader reads them.

`prepare_landing(paths)` is the first step of every load (orchestration/load.py: the CLI,
the Dagster load assets, the tests). It
1. decodes vendor files that are not UTF-8 (one marked place, see `_decode`);
2. reads every landing file once with DuckDB's parallel CSV reader (strict RFC 4180,
   UTF-8) and fails, naming file, line and column, on a row it cannot parse: a ragged
   row, bad quoting, bytes that are not UTF-8. Such a file is refused as a whole
   (docs/hostile-input.md explains why these rows are not quarantined);
3. checks each batch against its optional manifest `<batch_id>/_manifest.json`
   (rows per entity, previous batch id): a missing batch, a missing file or a count
   that differs fails the build before anything is loaded;
4. returns a report of counts only (files, rows, empty files, batches without a
   manifest): no value of a row ever reaches a message.

Row counts of files that passed are cached in `<state_dir>/intake_file_checks.json`
(keyed by absolute path, size and modification time), so a refresh reads only new or
rewritten files.
"""

from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from orchestration import decode
from orchestration.paths import PROJECT_DIR, WarehousePaths

MANIFEST_NAME = "_manifest.json"
# Sources the loader reads from UTF-8 copies under <state_dir>/decoded (orchestration/decode.py);
# their batch manifests stay in the landing directory.
DECODED_SOURCES = (decode.SOURCE,)
MANIFEST_VERSION = 1
FORMATS = ("csv", "parquet", "jsonl")
CACHE_NAME = "intake_file_checks.json"
# `recontact generate` marks a sample export with this file: a landing directory holding
# it may be replaced by `recontact demo`; anything else is someone's real export and is
# never deleted.
SAMPLE_MARKER = ".recontact-sample-export"
SOURCES_YAMLS = "dbt_project/models/staging/*/_*__sources.yml"
MAX_LOCATIONS = 10  # rejected lines named per file; the rest are counted

# DuckDB's reject error types, in words an operator can act on (never the row's text).
REJECT_REASONS = {
    "MISSING COLUMNS": "fewer fields than the header (ragged row)",
    "TOO MANY COLUMNS": "more fields than the header (ragged row)",
    "UNQUOTED VALUE": "a quote inside an unquoted field or a quote never closed (bad quoting)",
    "INVALID ENCODING": "bytes that are not UTF-8 (wrong encoding)",
    "LINE SIZE OVER MAXIMUM": "a line longer than the reader's maximum line size",
}


class IntakeError(RuntimeError):
    """The landing files cannot be loaded as they are; the message lists every problem
    found (file, line, column, counts), never a value of a row."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"landing intake refused the export ({len(problems)} problem(s)):\n{listing}"
        )


@dataclass(frozen=True)
class LandedFile:
    """One landing file: <landing>/<source>/<batch_id>/<entity>.<format>."""

    source: str
    batch_id: str
    entity: str
    fmt: str
    path: Path

    @property
    def relative(self) -> str:
        return f"{self.source}/{self.batch_id}/{self.entity}.{self.fmt}"


@dataclass
class IntakeReport:
    """Counts only: printed, logged and attached to Dagster runs."""

    files: dict[str, int] = field(default_factory=dict)  # relative path -> data rows
    empty_files: list[str] = field(default_factory=list)  # 0 bytes or header only
    batches_with_manifest: list[str] = field(default_factory=list)  # source/batch_id
    batches_without_manifest: list[str] = field(default_factory=list)
    files_read: int = 0  # files read now (the others' counts came from the cache)

    @property
    def rows(self) -> int:
        return sum(self.files.values())

    def render(self) -> str:
        lines = [
            f"landing intake: {len(self.files)} file(s), {self.rows:,} row(s)"
            f" ({self.files_read} read now, the others unchanged since the last check)",
            f"  batches checked against their manifest: {len(self.batches_with_manifest)}",
        ]
        if self.batches_without_manifest:
            lines.append(
                f"  batches without {MANIFEST_NAME} (completeness not checked):"
                f" {', '.join(self.batches_without_manifest)}"
            )
        if self.empty_files:
            lines.append(f"  empty files (0 rows): {', '.join(self.empty_files)}")
        return "\n".join(lines)


def prepare_landing(paths: WarehousePaths) -> IntakeReport:
    """Check the landing directory before a dbt build; raise IntakeError when it cannot be
    loaded as it is, else return what was found."""
    layout_problems = landing_layout_problems(paths.landing_dir)
    if layout_problems:
        raise IntakeError(layout_problems)
    _decode(paths)
    files = list(landing_files(paths))
    cache_path = paths.state_dir / CACHE_NAME
    cache = _load_cache(cache_path)
    report = IntakeReport()
    problems: list[str] = []
    fresh_cache: dict[str, dict] = {}
    for file in files:
        stat = file.path.stat()
        signature = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        key = str(file.path.resolve())
        cached = cache.get(key)
        if cached and all(cached.get(k) == v for k, v in signature.items()):
            rows = cached["rows"]
        else:
            try:
                rows = count_rows(file)
            except IntakeError as error:
                problems.extend(error.problems)
                continue
            report.files_read += 1
        fresh_cache[key] = {**signature, "rows": rows}
        report.files[file.relative] = rows
        if rows == 0:
            report.empty_files.append(file.relative)
    unreadable = {file.relative for file in files} - set(report.files)
    problems.extend(_check_batches(paths.landing_dir, files, unreadable, report))
    _save_cache(cache_path, fresh_cache)
    if problems:
        raise IntakeError(problems)
    return report


def _decode(paths: WarehousePaths) -> None:
    """THE place where vendor files that are not UTF-8 are decoded, before any check:
    orchestration/decode.py writes UTF-8 copies of the Japanese ATS export under
    <state_dir>/decoded (its errors name file and line, never content). Everything after
    this point reads UTF-8 text."""
    try:
        decode.decode_landing(paths)
    except decode.DecodeError as error:
        raise IntakeError([str(error)]) from None


# ----------------------------------------------------------------------------------------
# the layout: every entry of the landing is read and checked, or refused by name
# ----------------------------------------------------------------------------------------


def dbt_sources() -> Iterator[tuple[Path, dict]]:
    """Every dbt source as its YAML declares it, with the file it is declared in."""
    for sources_yaml in sorted(PROJECT_DIR.glob(SOURCES_YAMLS)):
        for source in yaml.safe_load(sources_yaml.read_text(encoding="utf-8"))["sources"]:
            yield sources_yaml, source


def landing_file_names() -> dict[str, set[str]]:
    """source -> the file names a batch of it may hold: each table of its dbt sources
    (`<table>.<csv|parquet|jsonl>`; the Japanese ATS's vendor tables under their Japanese
    names, as CSV), and the batch manifest."""
    names: dict[str, set[str]] = {}
    for sources_yaml, source in dbt_sources():
        allowed = names.setdefault(source["name"], {MANIFEST_NAME})
        if source["name"] == decode.SOURCE:
            for stem, table in decode.tables(sources_yaml).items():
                suffixes = (".csv",) if table.is_vendor else (".csv", *decode.VERBATIM_SUFFIXES)
                allowed.update(f"{stem}{suffix}" for suffix in suffixes)
        else:
            for table in source["tables"]:
                allowed.update(f"{table['name']}.{fmt}" for fmt in FORMATS)
    return names


def landing_layout_problems(landing_dir: Path) -> list[str]:
    """Every entry of the landing that the loader would not read as a landing file, named: the
    landing holds source directories (and the sample marker), a source holds batch
    directories, a batch holds its tables' files and its manifest. Symlinks are refused
    everywhere: the purge rewrites files in place and would replace the link, leaving the
    real file, with the purged persons, where it is. Nothing here opens a file."""
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        return []
    allowed = landing_file_names()
    problems = []

    def refuse(path: Path, why: str) -> None:
        problems.append(f"landing {path.relative_to(landing_dir).as_posix()}: {why}")

    for source in sorted(landing_dir.iterdir()):
        if source.is_symlink():
            refuse(source, "is a symlink; copy the export in instead")
        elif source.name == SAMPLE_MARKER and source.is_file():
            continue
        elif not source.is_dir() or source.name not in allowed:
            refuse(source, f"is not a source directory ({', '.join(sorted(allowed))})")
        else:
            for batch in sorted(source.iterdir()):
                if batch.is_symlink():
                    refuse(batch, "is a symlink; copy the batch in instead")
                elif not batch.is_dir():
                    refuse(batch, "is not a batch directory (<source>/<batch_id>/<file>)")
                elif batch.name.startswith((".", "_")):
                    refuse(batch, "a batch id may not start with '.' or '_'; rename or remove it")
                else:
                    for file in sorted(batch.iterdir()):
                        if file.is_symlink():
                            refuse(file, "is a symlink; copy the file in instead")
                        elif not file.is_file():
                            refuse(file, "is not a file (a batch holds files only)")
                        elif unicodedata.normalize("NFC", file.name) not in allowed[source.name]:
                            refuse(
                                file,
                                f"is not a file of the {source.name} export"
                                " (<table>.csv|parquet|jsonl of its sources, exact case,"
                                f" or {MANIFEST_NAME}); rename or remove it",
                            )
    return problems


# ----------------------------------------------------------------------------------------
# the files
# ----------------------------------------------------------------------------------------


def landing_files(paths: WarehousePaths) -> Iterator[LandedFile]:
    """Every <source>/<batch_id>/<entity>.<format> the loader reads, in path order: under the
    landing directory, or for a decoded source its copies under <state_dir>/decoded.
    Names starting with '.' or '_' (temporary files, manifests) are not landing files."""
    sources = sorted(
        p
        for p in Path(paths.landing_dir).glob("*")
        if p.is_dir() and not p.name.startswith((".", "_"))
    )
    for source in sources:
        root = (
            paths.state_dir / decode.DECODED_DIR / source.name
            if source.name in DECODED_SOURCES
            else source
        )
        for path in sorted(root.glob("*/*")):
            extension = path.suffix.lstrip(".")
            if (
                path.is_file()
                and extension in FORMATS
                and not path.name.startswith((".", "_"))
                and not path.parent.name.startswith((".", "_"))
            ):
                yield LandedFile(
                    source=source.name,
                    batch_id=path.parent.name,
                    entity=path.stem,
                    fmt=extension,
                    path=path,
                )


def count_rows(file: LandedFile) -> int:
    """Data rows of one file, read by DuckDB; IntakeError when a row cannot be read."""
    if file.path.stat().st_size == 0:
        return 0
    if file.fmt == "jsonl":
        return _check_json_lines(file)
    with duckdb.connect() as connection:
        if file.fmt == "csv":
            return _count_csv_rows(connection, file)
        reader = (
            "read_parquet({})"
            if file.fmt == "parquet"
            else "read_json({}, format = 'newline_delimited')"
        ).format(_literal(file.path.as_posix()))
        try:
            return connection.execute(f"select count(*) from {reader}").fetchone()[0]
        except duckdb.Error as error:
            raise IntakeError([f"landing file {file.relative}: {_located(error)}"]) from None


def _check_json_lines(file: LandedFile) -> int:
    """Data rows of a JSON lines file. Each non-blank line must be one JSON object whose
    fields are strings, numbers, booleans or null: staging reads every field as text, and
    an object or array is no value of the contract. Problems name the line, never the
    content."""
    problems: list[str] = []
    rows = number = 0
    with file.path.open(encoding="utf-8", errors="strict") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                rows += 1
                try:
                    record = json.loads(line)
                except ValueError:
                    problems.append(f"line {number}: not valid JSON")
                    continue
                if not isinstance(record, dict):
                    problems.append(f"line {number}: not a JSON object")
                    continue
                # a field's name may be anything the file says: it is not repeated here
                nested = [v for v in record.values() if isinstance(v, dict | list)]
                if nested:
                    problems.append(f"line {number}: a field holds a JSON object or array")
        except UnicodeDecodeError:
            problems.append(f"line {number + 1}: not UTF-8")
    if problems:
        shown = problems[:MAX_LOCATIONS]
        more = len(problems) - len(shown)
        raise IntakeError(
            [
                f"landing file {file.relative}: {'; '.join(shown)}"
                + (f"; and {more} more" if more else "")
            ]
        )
    return rows


def _count_csv_rows(connection: duckdb.DuckDBPyConnection, file: LandedFile) -> int:
    """Every field of every row parsed as text (strict RFC 4180 quoting, UTF-8), with
    DuckDB's parallel reader; rows it rejects are named by line, never quoted."""
    header = _csv_header(file)
    if not header:
        return 0
    columns = ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in header)
    every_field = ", ".join(f"count({_identifier(name)})" for name in header)
    reader = (
        f"read_csv({_literal(file.path.as_posix())}, header = true, auto_detect = false,"
        f" columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"',"
        " store_rejects = true, rejects_table = 'intake_rejects', rejects_scan = 'intake_scans')"
    )
    try:
        rows = connection.execute(f"select count(*), {every_field} from {reader}").fetchall()[0][0]
        rejects = connection.execute(
            "select line, string_agg(distinct coalesce(column_name, ''), ', '),"
            " string_agg(distinct error_type, ', ')"
            " from intake_rejects group by line order by line"
        ).fetchall()
    except duckdb.Error as error:
        raise IntakeError([f"landing file {file.relative}: {_located(error)}"]) from None
    if rejects:
        raise IntakeError(
            [
                f"landing file {file.relative} line {line}: "
                + "; ".join(REJECT_REASONS.get(kind, kind.lower()) for kind in kinds.split(", "))
                + (f" (column {columns_hit})" if columns_hit else "")
                for line, columns_hit, kinds in rejects[:MAX_LOCATIONS]
            ]
            + (
                [f"landing file {file.relative}: {len(rejects) - MAX_LOCATIONS} more such line(s)"]
                if len(rejects) > MAX_LOCATIONS
                else []
            )
        )
    return rows


def _csv_header(file: LandedFile) -> list[str]:
    """The header's column names (a leading byte-order mark dropped); [] for no header."""
    with file.path.open("rb") as handle:
        first = handle.readline()
    try:
        text = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise IntakeError(
            [f"landing file {file.relative} line 1: header {REJECT_REASONS['INVALID ENCODING']}"]
        ) from None
    if not text.strip():
        return []
    names = [name.strip() for name in next(csv.reader([text]))]
    keys = [name.lower() for name in names]
    duplicated = sorted({name for name in keys if keys.count(name) > 1})
    if duplicated or not all(names):
        raise IntakeError(
            [
                f"landing file {file.relative} line 1: header has "
                + (
                    f"duplicate column(s) {', '.join(duplicated)}"
                    if duplicated
                    else "an empty column name"
                )
            ]
        )
    return names


# DuckDB errors that name no line, in words an operator can act on.
UNLOCATED_REASONS = {
    "state machine reached an invalid state": "the CSV structure cannot be parsed"
    " (mixed line endings, CRLF and LF in one file, are the usual cause); no line is known",
}


def _located(error: duckdb.Error) -> str:
    """DuckDB's reason without anything quoted from the file: its first line, the file
    path and any 'Original Line' dropped."""
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    for pattern, reason in UNLOCATED_REASONS.items():
        if pattern in first:
            return reason
    first = re.sub(r'\s*in file "[^"]*"', "", first)
    return first.split("Original Line")[0].strip()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ----------------------------------------------------------------------------------------
# the batches
# ----------------------------------------------------------------------------------------


def read_manifest(batch_dir: Path) -> dict | None:
    """The batch's manifest, or None when it has none."""
    path = batch_dir / MANIFEST_NAME
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_manifest(
    batch_dir: Path, row_counts: dict[str, int], previous_batch_id: str | None
) -> Path:
    """Write `<batch_dir>/_manifest.json`: rows per entity file of this batch and the id
    of the batch exported before it (None for the first). Producers (the generator,
    vendor converters) call this after the batch's files are complete."""
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "batch_id": batch_dir.name,
        "previous_batch_id": previous_batch_id,
        "row_counts": {entity: int(rows) for entity, rows in sorted(row_counts.items())},
    }
    path = batch_dir / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def record_removed_rows(batch_dir: Path, entity: str, removed: int) -> None:
    """A purge removed rows from a file of this batch: its manifest keeps counting what
    is in the files (`row_counts`) and says how many rows were removed (`purged_rows`)."""
    manifest = read_manifest(batch_dir)
    if manifest is None or removed == 0:
        return
    counts = manifest.setdefault("row_counts", {})
    counts[entity] = counts.get(entity, 0) - removed
    purged = manifest.setdefault("purged_rows", {})
    purged[entity] = purged.get(entity, 0) + removed
    temp = batch_dir / f".{MANIFEST_NAME}.{os.getpid()}.tmp"
    temp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, batch_dir / MANIFEST_NAME)


def _check_batches(
    landing_dir: Path, files: list[LandedFile], unreadable: set[str], report: IntakeReport
) -> list[str]:
    """Each batch with a manifest against its files and its predecessor (the rows of a
    file that could not be read are not compared: its own problem is reported)."""
    problems = []
    rows_by_batch: dict[tuple[str, str], dict[str, int | None]] = {}
    for file in files:
        counts = rows_by_batch.setdefault((file.source, file.batch_id), {})
        if file.relative in unreadable or counts.get(file.entity, 0) is None:
            counts[file.entity] = None
        else:
            counts[file.entity] = counts.get(file.entity, 0) + report.files[file.relative]
    for batch_dir in _batch_dirs(landing_dir):
        source, batch_id = batch_dir.parent.name, batch_dir.name
        label = f"{source}/{batch_id}"
        try:
            manifest = read_manifest(batch_dir)
        except (OSError, ValueError) as error:
            problems.append(
                f"batch {label}: {MANIFEST_NAME} is not readable JSON ({type(error).__name__})"
            )
            continue
        if manifest is None:
            report.batches_without_manifest.append(label)
            continue
        report.batches_with_manifest.append(label)
        problems.extend(
            _manifest_problems(batch_dir, manifest, rows_by_batch.get((source, batch_id), {}))
        )
    return problems


def _batch_dirs(landing_dir: Path) -> Iterable[Path]:
    return sorted(
        path
        for path in Path(landing_dir).glob("*/*")
        if path.is_dir()
        and not path.name.startswith((".", "_"))
        and not path.parent.name.startswith((".", "_"))
    )


def _manifest_problems(batch_dir: Path, manifest: dict, landed: dict[str, int | None]) -> list[str]:
    label = f"{batch_dir.parent.name}/{batch_dir.name}"
    problems = []
    if manifest.get("batch_id") != batch_dir.name:
        problems.append(f"batch {label}: its manifest is for batch {manifest.get('batch_id')!r}")
    previous = manifest.get("previous_batch_id")
    if previous is not None:
        if str(previous) >= batch_dir.name:
            problems.append(f"batch {label}: previous batch {previous} does not sort before it")
        elif not (batch_dir.parent / str(previous)).is_dir():
            problems.append(
                f"batch {label}: previous batch {previous} is missing from the landing directory"
                " (a batch was not delivered)"
            )
    expected = manifest.get("row_counts") or {}
    for entity in sorted(set(expected) | set(landed)):
        want, got = int(expected.get(entity, 0)), landed.get(entity, 0)
        if entity not in landed and want > 0:
            problems.append(
                f"batch {label}: {entity} file missing ({want:,} row(s) in the manifest)"
            )
        elif entity in landed and got is not None and got != want:
            problems.append(
                f"batch {label}: {entity} has {got:,} row(s), the manifest says {want:,}"
            )
    return problems


# ----------------------------------------------------------------------------------------
# the cache of counted files
# ----------------------------------------------------------------------------------------


def _load_cache(path: Path) -> dict[str, dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_cache(path: Path, cache: dict[str, dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, path)
