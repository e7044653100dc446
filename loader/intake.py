"""Intake: what must hold of the landing files before the loader reads them.

The landing is an inbox: a batch arrives as `<landing>/<source>/<batch_id>/`, the loader
(loader/load.py) reads it into the raw tables, and it leaves. This module is the
one place that lists the landing (`landing_batches`, `landing_files`) and reads its files
for checking. `prepare_landing` is the first step of every load (the CLI, the Dagster
load assets, the tests). It
1. refuses, by name, every entry of the landing that is not a batch of a known source
   (`landing_layout_problems`: symlinks, stray files, unknown file names);
2. decodes the Japanese ATS files (loader/decode.py) into the load's temporary
   directory: one marked place, see `_decode`;
3. reads every landing file once with DuckDB's parallel CSV reader (strict RFC 4180,
   UTF-8) and fails, naming file, line and column, on a row it cannot parse: a ragged
   row, bad quoting, bytes that are not UTF-8. Such a file is refused as a whole
   (docs/hostile-input.md explains why these rows are not quarantined);
4. checks each batch against its optional manifest `<batch_id>/_manifest.json`
   (rows per entity, previous batch id, which must be in the landing or loaded): a
   missing batch, a missing file or a count that differs refuses the export before
   anything is loaded, and every batch stays in the landing;
5. returns a report of counts only (files, rows, empty files, batches without a
   manifest) and the files to load: no value of a row ever reaches a message.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from loader import decode, sql
from loader.contract import LANDING_FORMATS
from loader.files import atomic_write
from loader.paths import PROJECT_DIR

MANIFEST_NAME = "_manifest.json"
MANIFEST_VERSION = 1
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

    headline = (
        "landing intake refused the export: nothing was loaded, every batch stays in the"
        " landing until it is fixed"
    )

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{self.headline} ({len(problems)} problem(s)):\n{listing}")


@dataclass(frozen=True)
class LandedFile:
    """One landing file: <landing>/<source>/<batch_id>/<entity>.<format> (for the Japanese
    ATS, its decoded copy in the load's temporary directory, named by its table)."""

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

    @property
    def rows(self) -> int:
        return sum(self.files.values())

    def render(self) -> str:
        lines = [
            f"landing intake: {len(self.files)} file(s), {self.rows:,} row(s)",
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


def prepare_landing(
    landing_dir: Path, decoded_dir: Path, loaded: set[str] = frozenset()
) -> tuple[IntakeReport, list[LandedFile]]:
    """Check the landing before a load; raise IntakeError when it cannot be loaded as it
    is, else return what was found and the files to read. decoded_dir: a temporary
    directory of the load, for the decoded Japanese ATS files; loaded: `source/batch_id` of
    the batches the raw tables hold (a manifest's previous batch may be one of them)."""
    layout_problems = landing_layout_problems(landing_dir)
    if layout_problems:
        raise IntakeError(layout_problems)
    files = landing_files(landing_dir, _decode(landing_dir, decoded_dir))
    report = IntakeReport()
    problems: list[str] = []
    for file in files:
        try:
            rows = count_rows(file)
        except IntakeError as error:
            problems.extend(error.problems)
            continue
        report.files[file.relative] = rows
        if rows == 0:
            report.empty_files.append(file.relative)
    unreadable = {file.relative for file in files} - set(report.files)
    problems.extend(_check_batches(landing_dir, files, unreadable, report, loaded))
    if problems:
        raise IntakeError(problems)
    return report, files


def _decode(landing_dir: Path, decoded_dir: Path) -> list[decode.DecodedFile]:
    """THE place where vendor files that are not UTF-8 are decoded, before any check:
    loader/decode.py streams UTF-8 copies of the Japanese ATS export into the
    load's temporary directory (its errors name file and line, never content). Everything
    after this point reads UTF-8 text."""
    try:
        return decode.decode_landing(landing_dir, decoded_dir)
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
                allowed.update(f"{table['name']}.{fmt}" for fmt in LANDING_FORMATS)
    return names


def landing_layout_problems(landing_dir: Path) -> list[str]:
    """Every entry of the landing that the loader would not read as a landing file, named: the
    landing holds source directories (and the sample marker), a source holds batch
    directories, a batch holds its tables' files and its manifest. Symlinks are refused
    everywhere: the loader deletes a loaded batch, and would delete the link and leave the
    real file, with its persons, where it is. Nothing here opens a file."""
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


def landing_batches(landing_dir: Path) -> list[Path]:
    """Every batch directory <landing>/<source>/<batch_id>/ waiting in the landing (none
    is loaded: the loader removes a batch once it is), in path order. Names starting with
    '.' or '_' are not batches (the intake refuses them by name)."""
    return sorted(
        path
        for path in Path(landing_dir).glob("*/*")
        if path.is_dir()
        and not path.name.startswith((".", "_"))
        and not path.parent.name.startswith((".", "_"))
    )


def landing_files(landing_dir: Path, decoded: list[decode.DecodedFile]) -> list[LandedFile]:
    """Every <source>/<batch_id>/<entity>.<format> the loader reads, in path order: the
    landing's files, and for the Japanese ATS the decoded ones."""
    files = [LandedFile(decode.SOURCE, d.batch_id, d.table, d.fmt, d.path) for d in decoded]
    for batch in landing_batches(landing_dir):
        if batch.parent.name == decode.SOURCE:
            continue
        for path in sorted(batch.iterdir()):
            extension = path.suffix.lstrip(".")
            if path.is_file() and extension in LANDING_FORMATS:
                files.append(LandedFile(batch.parent.name, batch.name, path.stem, extension, path))
    return sorted(files, key=lambda file: file.relative)


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
        ).format(sql.literal(file.path.as_posix()))
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
    columns = ", ".join(f"{sql.literal(name)}: 'VARCHAR'" for name in header)
    every_field = ", ".join(f"count({sql.identifier(name)})" for name in header)
    reader = (
        f"read_csv({sql.literal(file.path.as_posix())}, header = true, auto_detect = false,"
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
    path and any 'Original Line' dropped, and a value it quotes in single quotes (a
    conversion error's "Could not convert string '…'") masked."""
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    for pattern, reason in UNLOCATED_REASONS.items():
        if pattern in first:
            return reason
    first = re.sub(r'\s*in file "[^"]*"', "", first)
    first = re.sub(r"'[^']*'", "'…'", first)
    return first.split("Original Line")[0].strip()


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
    atomic_write(path, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    return path


def _check_batches(
    landing_dir: Path,
    files: list[LandedFile],
    unreadable: set[str],
    report: IntakeReport,
    loaded: set[str],
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
    for batch_dir in landing_batches(landing_dir):
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
            _manifest_problems(
                batch_dir, manifest, rows_by_batch.get((source, batch_id), {}), loaded
            )
        )
    return problems


def _manifest_problems(
    batch_dir: Path, manifest: dict, landed: dict[str, int | None], loaded: set[str]
) -> list[str]:
    source = batch_dir.parent.name
    label = f"{source}/{batch_dir.name}"
    problems = []
    if manifest.get("batch_id") != batch_dir.name:
        problems.append(f"batch {label}: its manifest is for batch {manifest.get('batch_id')!r}")
    previous = manifest.get("previous_batch_id")
    if previous is not None:
        if str(previous) >= batch_dir.name:
            problems.append(f"batch {label}: previous batch {previous} does not sort before it")
        elif (
            not (batch_dir.parent / str(previous)).is_dir() and f"{source}/{previous}" not in loaded
        ):
            problems.append(
                f"batch {label}: previous batch {previous} is neither in the landing directory"
                " nor loaded (a batch was not delivered)"
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
