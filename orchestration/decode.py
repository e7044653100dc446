"""Decoding the Japanese ATS export before the loader reads it (docs/source-japanese-ats.md).

DuckDB cannot read Shift_JIS/CP932 here (its ``encodings`` extension is not installable),
and Japanese exports need more than a change of encoding, so Python prepares them:

for every file under ``<landing_dir>/japanese_ats/<batch_id>/`` this module

1. decides the file's encoding strictly: UTF-8 (with or without BOM) or CP932. A vendor
   file's header row must read as known Japanese headers in exactly one of them; every
   following line must then decode in that encoding, and a CP932 file may not hold a line
   that is valid multi-byte UTF-8 (a mixed file). Anything else raises :class:`DecodeError`
   naming the file and the line number, never the line's content (it is personal data);
2. maps the Japanese headers to the column names ``_japanese_ats__sources.yml`` declares
   (column ``meta.header``); an unknown header is reported and left out, a missing required
   column fails naming the file and the column;
3. normalises values as the column's ``meta.normalize`` says: ``nfkc`` (full-width letters,
   digits and symbols to half-width), ``phone`` (NFKC plus the dash look-alikes to ``-``),
   ``datetime`` (Japanese and 和暦 dates and times to ISO 8601 text; text it cannot read is
   kept, so staging quarantines the row with a reason) and ``prefecture`` (都道府県 name to
   its JIS X 0401 code);
4. writes a UTF-8 CSV with ASCII headers to
   ``<state_dir>/decoded/japanese_ats/<batch_id>/<table>.csv``, which the loader reads
   into ``raw.japanese_ats__<table>`` (orchestration/load.py).

Company-side files in the canonical shape (consent_events, privacy_requests,
outreach_events; UTF-8 by contract) are checked the same way and copied with their values
untouched. A file is decoded again only when its content hash, the sources YAML or
``DECODER_VERSION`` changed (a manifest in the decoded directory remembers them); decoded
copies whose landing file is gone are deleted.
Files are streamed line by line, so memory does not grow with the file.

Decoded copies are derived data holding personal data: the retention purge
(orchestration/purge.py) removes a person's rows from the vendor files with
:func:`erase_persons`, which then deletes the decoded copy of every landing file that
changed and decodes again. Logs carry file names, encodings and counts only.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
import os
import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import yaml

from orchestration.contract import file_sha256
from orchestration.paths import PROJECT_DIR, WarehousePaths

SOURCE = "japanese_ats"
SOURCES_YAML = PROJECT_DIR / "dbt_project/models/staging/japanese_ats/_japanese_ats__sources.yml"
DECODED_DIR = "decoded"
MANIFEST = "manifest.json"
# Files copied as they are (company-side tables may come as Parquet or JSON lines).
VERBATIM_SUFFIXES = (".parquet", ".jsonl")
# Bump when a change here alters decoded output: every file is then decoded again, as it
# is when the sources YAML (the header mapping) changes.
DECODER_VERSION = "1"

log = logging.getLogger(__name__)


class DecodeError(ValueError):
    """A landing file cannot be decoded; the message names file, line or column, never content."""


@dataclass(frozen=True)
class Column:
    name: str
    headers: tuple[str, ...]
    required: bool
    normalize: str | None


@dataclass(frozen=True)
class Table:
    name: str
    file: str  # the vendor's file name without extension (the table name for company-side)
    columns: tuple[Column, ...]
    is_vendor: bool  # Japanese headers (True) or the canonical shape (False)


@dataclass(frozen=True)
class DecodedFile:
    """What became of one landing file (counts and names only: safe to log)."""

    source_file: str  # relative to the landing dir
    table: str
    decoded_file: str  # relative to the decoded dir
    encoding: str  # utf-8, utf-8-sig, cp932 or binary
    rows: int
    status: str  # decoded | unchanged
    unknown_headers: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------------------------
# The contract, read from the sources YAML
# --------------------------------------------------------------------------------------------


@cache
def tables(sources_yaml: Path = SOURCES_YAML) -> dict[str, Table]:
    """The source's tables by file stem: the vendor's Japanese name (応募者 ...) for vendor
    tables, the table name for company-side ones (consent_events ...)."""
    document = yaml.safe_load(sources_yaml.read_text(encoding="utf-8"))
    (source,) = [s for s in document["sources"] if s["name"] == SOURCE]
    by_stem: dict[str, Table] = {}
    for spec in source["tables"]:
        columns = []
        for column in spec["columns"]:
            meta = column.get("meta") or {}
            headers = tuple(meta.get("header") or [column["name"]])
            columns.append(
                Column(column["name"], headers, bool(meta.get("required")), meta.get("normalize"))
            )
        file_stem = (spec.get("meta") or {}).get("file", spec["name"])
        table = Table(spec["name"], file_stem, tuple(columns), file_stem != spec["name"])
        by_stem[unicodedata.normalize("NFC", file_stem)] = table
    return by_stem


# --------------------------------------------------------------------------------------------
# Value normalisation
# --------------------------------------------------------------------------------------------

# Characters Japanese data entry uses for the hyphen in phone numbers, which NFKC keeps.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70"), "-")

# 和暦: era -> (first day, year 1 in the Gregorian calendar)
_ERAS = {
    "明治": (date(1868, 1, 25), 1868),
    "大正": (date(1912, 7, 30), 1912),
    "昭和": (date(1926, 12, 25), 1926),
    "平成": (date(1989, 1, 8), 1989),
    "令和": (date(2019, 5, 1), 2019),
}
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_ERA_ORDER = list(_ERAS)

_TIME = r"(?:[ T]*(?P<hour>\d{1,2})[:時](?P<minute>\d{1,2})(?:[:分](?P<second>\d{1,2})秒?|分)?)?"
_GREGORIAN = re.compile(
    r"(?P<year>\d{4})(?:年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日|(?P<sep>[/.-])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2}))"
    + _TIME
)
_WAREKI = re.compile(
    r"(?P<era>明治|大正|昭和|平成|令和|[MTSHR])\s*(?P<year>元|\d{1,2})"
    r"(?:年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日|(?P<sep>[/.-])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2}))"
    + _TIME
)
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)?)?"
)


def to_iso(text: str) -> str:
    """A Japanese date or time as ISO 8601 text (local time, no offset); else the text as is.

    Reads 2026/04/01, 2026/4/1 9:05, 2026-04-01 09:05:00, 2026.4.1, 2026年4月1日,
    2026年4月1日 9時5分, 令和8年4月1日, 令和元年5月1日, R8.4.1, R8/4/1 (and the other eras
    from 明治), each with an optional time. ISO text (also with an offset) is returned
    unchanged; text that names no real day (2026/02/30, 平成31年5月1日) is returned as is,
    so staging quarantines the row as unparseable.
    """
    value = unicodedata.normalize("NFKC", text).strip()
    if _ISO.fullmatch(value):
        return value
    match = _GREGORIAN.fullmatch(value)
    era = None
    if not match:
        match = _WAREKI.fullmatch(value)
        if not match:
            return value
        era = _ERA_LETTERS.get(match["era"], match["era"])
    year_text = match["year"]
    year = 1 if year_text == "元" else int(year_text)
    if era is not None:
        first_day, base_year = _ERAS[era]
        year = base_year + year - 1
    month = int(match["m1"] or match["m2"])
    day = int(match["d1"] or match["d2"])
    try:
        moment = datetime(
            year,
            month,
            day,
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
        )
    except ValueError:
        return value
    if era is not None:
        following = _ERA_ORDER.index(era) + 1
        ends = _ERAS[_ERA_ORDER[following]][0] if following < len(_ERA_ORDER) else date.max
        if not first_day <= moment.date() < ends:
            return value
    if match["hour"] is None:
        return moment.date().isoformat()
    return moment.isoformat(timespec="seconds")


_PREFECTURES = (
    "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 "
    "神奈川県 新潟県 富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 "
    "大阪府 兵庫県 奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 "
    "福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県 沖縄県"
).split()
# JIS X 0401: 北海道 = 01 ... 沖縄県 = 47
PREFECTURE_CODES = {name: f"{code:02d}" for code, name in enumerate(_PREFECTURES, start=1)}


def normalize(value: str, how: str | None) -> str:
    """One field's value as staging should see it (see the module docstring)."""
    if not value or how is None:
        return value
    if how == "datetime":
        return to_iso(value)
    text = unicodedata.normalize("NFKC", value)
    if how == "phone":
        return text.translate(_DASHES)
    if how == "prefecture":
        return PREFECTURE_CODES.get(text.strip(), text)
    return text


# --------------------------------------------------------------------------------------------
# Strict encoding detection, line by line
# --------------------------------------------------------------------------------------------


def _is_multibyte_utf8(raw: bytes) -> bool:
    """Valid UTF-8 holding at least one non-ASCII character (CP932 text almost never is)."""
    if raw.isascii():
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_line(raw: bytes, encoding: str, located: str, line_no: int) -> str:
    if encoding == "cp932" and _is_multibyte_utf8(raw):
        raise DecodeError(
            f"{located}: line {line_no} is UTF-8 but the file is CP932 (from its header);"
            " mixed encodings, re-export the file in one encoding"
        )
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise DecodeError(
            f"{located}: line {line_no} is not valid {encoding.upper()}, the file's encoding"
            " (from its header); wrong or mixed encoding, re-export the file in one encoding"
        ) from None
    if encoding == "cp932" and any("\ue000" <= char <= "\uf8ff" for char in text):
        raise DecodeError(
            f"{located}: line {line_no} holds CP932 user-defined characters (外字) or is in"
            " another encoding (EUC-JP?); re-export the file as CP932 or UTF-8"
        )
    return text


def _header_encoding(raw: bytes, table: Table, located: str) -> str | None:
    """The encoding in which the header row reads as this table's headers.

    None when the header is plain ASCII in a vendor file: the first non-ASCII line decides.
    """
    if table.is_vendor and raw.isascii():
        return None
    known = {n for column in table.columns for n in (*column.headers, column.name)}
    candidates = ("utf-8-sig", "cp932") if table.is_vendor else ("utf-8-sig",)
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        names = [unicodedata.normalize("NFKC", n).strip() for n in next(csv.reader([text]), [])]
        if not table.is_vendor or any(name in known for name in names):
            if raw.startswith(codecs.BOM_UTF8):
                return "utf-8-sig"
            return "utf-8" if encoding == "utf-8-sig" else encoding
    expected = "UTF-8 or CP932" if table.is_vendor else "UTF-8 (canonical shape)"
    raise DecodeError(
        f"{located}: line 1 (header) is not {expected} text of the table's headers;"
        " wrong encoding (EUC-JP, Latin-1 ...?) or not this table's file"
    )


class _Lines:
    """The file's physical lines, decoded; `encoding` is settled by the header or, for an
    ASCII header, by the first non-ASCII line."""

    def __init__(self, handle, encoding: str | None, located: str, keep_raw: bool = False) -> None:
        self._handle = handle
        self._keep_raw = keep_raw
        self.encoding = encoding
        self._located = located
        self.line_no = 0
        self.raw: list[bytes] = []  # the lines read since take_raw(), as bytes

    def take_raw(self) -> bytes:
        """The bytes of the record csv.reader returned last (every line it consumed)."""
        raw = b"".join(self.raw)
        self.raw.clear()
        return raw

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = next(self._handle)
        if self._keep_raw:
            self.raw.append(raw)
        self.line_no += 1
        if self.line_no == 1 and self.encoding == "utf-8-sig":
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if self.encoding is None and not raw.isascii():
            self.encoding = "utf-8" if _is_multibyte_utf8(raw) else "cp932"
        codec = "utf-8" if self.encoding in (None, "utf-8-sig") else self.encoding
        return _decode_line(raw, codec, self._located, self.line_no)


# --------------------------------------------------------------------------------------------
# One file
# --------------------------------------------------------------------------------------------


def decode_file(path: Path, table: Table, target: Path, located: str) -> DecodedFile:
    """Decode one landing file into a UTF-8 CSV at ``target`` (written atomically)."""
    with path.open("rb") as handle:
        first = handle.readline()
    encoding = _header_encoding(first, table, located)
    temp = target.with_name(target.name + ".decode-tmp")
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    try:
        with path.open("rb") as handle, temp.open("w", encoding="utf-8", newline="") as out:
            tracker = _Lines(handle, encoding, located)
            reader = csv.reader(tracker, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                raise DecodeError(f"{located}: the file is empty (no header row)") from None
            positions, unknown = _map_header(header, table, located)
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow([column.name for column, _ in positions])
            for fields in _records(reader, tracker, located):
                if not fields:
                    continue  # a blank line is no row
                if len(fields) > len(header):
                    raise DecodeError(
                        f"{located}: line {tracker.line_no} has {len(fields)} fields,"
                        f" the header has {len(header)}"
                    )
                writer.writerow(
                    [
                        normalize(fields[index], column.normalize) if index < len(fields) else ""
                        for column, index in positions
                    ]
                )
                rows += 1
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    encoding = tracker.encoding or "utf-8"  # an all-ASCII file reads the same in both
    return DecodedFile(located, table.name, "", encoding, rows, "decoded", unknown)


def _records(reader, tracker: _Lines, located: str) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as error:
        raise DecodeError(f"{located}: line {tracker.line_no} is not valid CSV ({error})") from None


def _map_header(
    header: list[str], table: Table, located: str
) -> tuple[list[tuple[Column, int]], tuple[str, ...]]:
    """(column, field index) for every contract column present; the unknown header names."""
    names = [unicodedata.normalize("NFKC", name).strip() for name in header]
    lookup = {
        unicodedata.normalize("NFKC", alias).lower(): column
        for column in table.columns
        for alias in (*column.headers, column.name)
    }
    positions: dict[str, tuple[Column, int]] = {}
    unknown = []
    for index, name in enumerate(names):
        column = lookup.get(name.lower())
        if column is None:
            unknown.append(name)
        elif column.name in positions:
            raise DecodeError(
                f"{located}: column {column.name} ({name}) appears twice in the header"
            )
        else:
            positions[column.name] = (column, index)
    missing = [c for c in table.columns if c.required and c.name not in positions]
    if missing:
        described = ", ".join(f"{c.headers[0]} ({c.name})" for c in missing)
        raise DecodeError(f"{located}: missing required column(s) {described}")
    ordered = [positions[c.name] for c in table.columns if c.name in positions]
    return ordered, tuple(unknown)


# --------------------------------------------------------------------------------------------
# The whole landing directory
# --------------------------------------------------------------------------------------------


def decoded_root(paths: WarehousePaths) -> Path:
    """Where this source's decoded copies live: <state_dir>/decoded/japanese_ats."""
    return paths.state_dir / DECODED_DIR / SOURCE


def decode_landing(paths: WarehousePaths, sources_yaml: Path = SOURCES_YAML) -> list[DecodedFile]:
    """Decode every changed file under <landing_dir>/japanese_ats/*/; see the module docstring.

    Raises :class:`DecodeError` on the first file that cannot be decoded; files decoded
    before it stay decoded (each is replaced atomically), so a re-run after the vendor's fix
    decodes only what is left.
    """
    landing = paths.landing_dir / SOURCE
    out_root = decoded_root(paths)
    manifest_path = out_root / MANIFEST
    manifest: dict[str, dict[str, str]] = (
        json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    )
    known = tables(sources_yaml)
    decoder = f"{DECODER_VERSION}:{file_sha256(sources_yaml)}"
    results: list[DecodedFile] = []
    wanted: set[str] = set()
    batches = sorted(p for p in landing.iterdir() if p.is_dir()) if landing.is_dir() else []
    for batch in batches:
        seen_tables: dict[str, str] = {}
        for path in sorted(p for p in batch.iterdir() if p.is_file()):
            located = f"{SOURCE}/{batch.name}/{path.name}"
            stem = unicodedata.normalize("NFC", path.stem)
            suffix = path.suffix.lower()
            table = known.get(stem)
            if table is None or suffix not in (".csv", *VERBATIM_SUFFIXES):
                log.warning("%s: not a table of the %s export; ignored", located, SOURCE)
                continue
            if table.is_vendor and suffix != ".csv":
                raise DecodeError(f"{located}: vendor tables are delivered as CSV only")
            if table.name in seen_tables:
                raise DecodeError(
                    f"{located}: table {table.name} is delivered twice in batch {batch.name}"
                    f" (also as {seen_tables[table.name]})"
                )
            seen_tables[table.name] = path.name
            relative = f"{batch.name}/{table.name}{suffix}"
            target = out_root / relative
            wanted.add(relative)
            digest = file_sha256(path)
            previous = manifest.get(relative)
            if (
                previous
                and previous["sha256"] == digest
                and previous.get("decoder") == decoder
                and target.exists()
            ):
                results.append(
                    DecodedFile(located, table.name, relative, previous["encoding"],
                                int(previous["rows"]), "unchanged")
                )  # fmt: skip
                continue
            if suffix in VERBATIM_SUFFIXES:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                result = DecodedFile(located, table.name, relative, "binary", -1, "decoded")
            else:
                result = decode_file(path, table, target, located)
                result = DecodedFile(
                    located, table.name, relative, result.encoding, result.rows, "decoded",
                    result.unknown_headers,
                )  # fmt: skip
            if result.unknown_headers:
                log.warning(
                    "%s: ignoring column(s) not in the contract: %s",
                    located,
                    ", ".join(result.unknown_headers),
                )
            log.info("%s: %s, %s rows -> %s", located, result.encoding, result.rows, relative)
            manifest[relative] = {
                "sha256": digest,
                "decoder": decoder,
                "encoding": result.encoding,
                "rows": str(result.rows),
                "source_file": located,
            }
            _write_manifest(manifest_path, manifest)
            results.append(result)
    _remove_stale(out_root, manifest, wanted, manifest_path)
    return results


def _write_manifest(manifest_path: Path, manifest: dict) -> None:
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    temp = manifest_path.with_name(MANIFEST + ".tmp")
    temp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
    os.replace(temp, manifest_path)


def _remove_stale(out_root: Path, manifest: dict, wanted: set[str], manifest_path: Path) -> None:
    """Delete decoded copies (and manifest entries) whose landing file is gone."""
    if not out_root.is_dir():
        return
    for path in sorted(out_root.glob("*/*")):
        relative = path.relative_to(out_root).as_posix()
        if relative not in wanted:
            path.unlink()
            log.info("%s: landing file gone, decoded copy removed", relative)
    for batch in out_root.iterdir():
        if batch.is_dir() and not any(batch.iterdir()):
            batch.rmdir()
    stale = set(manifest) - wanted
    if stale:
        for relative in stale:
            del manifest[relative]
        _write_manifest(manifest_path, manifest)


# --------------------------------------------------------------------------------------------
# Erasure (the retention purge, orchestration/purge.py)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasedFile:
    """What erasure did (or would do) to one vendor file: counts only."""

    path: str  # relative to the landing dir
    entity: str
    rows_removed: int
    rows_kept: int


def erase_persons(
    paths: WarehousePaths,
    candidate_ids: set[str],
    application_ids: set[str],
    *,
    dry_run: bool = False,
) -> list[ErasedFile]:
    """Remove these persons' rows from the vendor files under <landing_dir>/japanese_ats.

    purge.py rewrites the company-side files (canonical shape, UTF-8) itself; the vendor
    files (Japanese names and headers, CP932 or UTF-8) are rewritten here, every other
    record kept byte for byte in its encoding. Rows go by 応募者ID (応募者, 応募) and by
    応募ID (応募, 選考履歴, 評価, 内定); the application ids are the given ones plus every
    応募ID a landed 応募 row ties to one of the candidate ids. Ids compare as staging sees
    them (NFKC, trimmed). Unless ``dry_run``, the decoded copies of every file that changed
    (vendor or company-side) are then deleted and decoded again, so no copy keeps the rows.
    """
    landing = paths.landing_dir / SOURCE
    files = [
        (path, table)
        for batch in (
            sorted(p for p in landing.iterdir() if p.is_dir()) if landing.is_dir() else []
        )
        for path in sorted(batch.glob("*.csv"))
        if (table := tables().get(unicodedata.normalize("NFC", path.stem))) and table.is_vendor
    ]
    applications = set(application_ids)
    for path, table in files:
        if table.name == "applications":
            for record in _vendor_records(path, table, landing):
                if record.value("candidate_id") in candidate_ids and record.value("application_id"):
                    applications.add(record.value("application_id"))
    erased = []
    for path, table in files:
        keep: list[bool] = []
        for record in _vendor_records(path, table, landing):
            if record.is_row:
                hit = record.value("candidate_id") in candidate_ids or (
                    record.value("application_id") in applications
                )
                keep.append(not hit)
        removed = keep.count(False)
        if removed == 0:
            continue
        if not dry_run:
            _rewrite_keeping(path, table, landing, keep)
        relative = path.relative_to(paths.landing_dir).as_posix()
        erased.append(ErasedFile(relative, table.name, removed, len(keep) - removed))
    if not dry_run:
        _drop_outdated_copies(paths)
        decode_landing(paths)
    return erased


@dataclass
class _Record:
    values: dict[str, str]
    raw: bytes
    is_row: bool

    def value(self, column: str) -> str | None:
        text = unicodedata.normalize("NFKC", self.values.get(column, "")).strip()
        return text or None


def _vendor_records(path: Path, table: Table, landing: Path) -> Iterator[_Record]:
    """Every record of a vendor file, header first, with its raw bytes."""
    located = f"{SOURCE}/{path.relative_to(landing).as_posix()}"
    with path.open("rb") as handle:
        encoding = _header_encoding(handle.readline(), table, located)
    with path.open("rb") as handle:
        lines = _Lines(handle, encoding, located, keep_raw=True)
        reader = csv.reader(lines, strict=True)
        header: list[str] | None = None
        index: dict[str, int] = {}
        for fields in _records(reader, lines, located):
            raw = lines.take_raw()
            if header is None:
                header = fields
                positions, _ = _map_header(header, table, located)
                index = {column.name: position for column, position in positions}
                yield _Record({}, raw, is_row=False)
            elif not fields:
                yield _Record({}, raw, is_row=False)
            else:
                values = {n: fields[i] for n, i in index.items() if i < len(fields)}
                yield _Record(values, raw, is_row=True)


def _rewrite_keeping(path: Path, table: Table, landing: Path, keep: list[bool]) -> None:
    """Replace a vendor file by its records whose keep flag is set (atomically)."""
    temp = path.with_name(f".{path.name}.erase-tmp")
    flags = iter(keep)
    try:
        with temp.open("wb") as out:
            for record in _vendor_records(path, table, landing):
                if not record.is_row or next(flags):
                    out.write(record.raw)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _drop_outdated_copies(paths: WarehousePaths) -> None:
    """Delete every decoded copy whose landing file changed since it was decoded."""
    out_root = decoded_root(paths)
    manifest_path = out_root / MANIFEST
    if not manifest_path.exists():
        return
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for relative, entry in list(manifest.items()):
        source = paths.landing_dir / entry["source_file"]
        if not source.exists() or file_sha256(source) != entry["sha256"]:
            (out_root / relative).unlink(missing_ok=True)
            del manifest[relative]
    _write_manifest(manifest_path, manifest)
