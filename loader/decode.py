"""Decoding the Japanese ATS export while the loader reads it (docs/source-japanese-ats.md).

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
4. streams a UTF-8 CSV with ASCII headers into ``<out_dir>/<batch_id>/<table>.csv``: a
   temporary directory of the load (loader/load.py), which reads it into
   ``raw.japanese_ats__<table>`` and deletes it with the directory. No decoded copy is
   kept: the raw tables are what was loaded, and the purge erases from them.

Company-side files in the canonical shape (consent_events, privacy_requests,
outreach_events; UTF-8 by contract) are checked the same way; a CSV is streamed through
unchanged, a Parquet or JSON-lines file is read where it lies. Files are streamed line by
line, so memory does not grow with the file. Logs carry file names, encodings and counts
only.
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import yaml

from loader.paths import PROJECT_DIR

SOURCE = "japanese_ats"
SOURCES_YAML = PROJECT_DIR / "dbt_project/models/staging/japanese_ats/_japanese_ats__sources.yml"
# Files read where they lie (company-side tables may come as Parquet or JSON lines).
VERBATIM_SUFFIXES = (".parquet", ".jsonl")

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
    """One landing file as the loader reads it (names and counts only: safe to log)."""

    source_file: str  # relative to the landing dir
    batch_id: str
    table: str
    path: Path  # the decoded UTF-8 CSV, or the landing file itself (Parquet, JSON lines)
    encoding: str  # utf-8, utf-8-sig, cp932 or binary
    rows: int  # -1 for a file read where it lies
    unknown_headers: tuple[str, ...] = field(default=())

    @property
    def fmt(self) -> str:
        return self.path.suffix.lstrip(".")


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

    def __init__(self, handle, encoding: str | None, located: str) -> None:
        self._handle = handle
        self.encoding = encoding
        self._located = located
        self.line_no = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = next(self._handle)
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
    """Decode one landing file into a UTF-8 CSV at ``target`` (streamed, line by line)."""
    with path.open("rb") as handle:
        first = handle.readline()
    encoding = _header_encoding(first, table, located)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("rb") as handle, target.open("w", encoding="utf-8", newline="") as out:
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
    encoding = tracker.encoding or "utf-8"  # an all-ASCII file reads the same in both
    batch_id = target.parent.name
    return DecodedFile(located, batch_id, table.name, target, encoding, rows, unknown)


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


def decode_landing(
    landing_dir: Path, out_dir: Path, sources_yaml: Path = SOURCES_YAML
) -> list[DecodedFile]:
    """Every file under <landing_dir>/japanese_ats/*/, decoded into out_dir (see the module
    docstring). Raises :class:`DecodeError` on the first file that cannot be decoded."""
    landing = Path(landing_dir) / SOURCE
    known = tables(sources_yaml)
    results: list[DecodedFile] = []
    batches = sorted(p for p in landing.iterdir() if p.is_dir()) if landing.is_dir() else []
    for batch in batches:
        seen_tables: dict[str, str] = {}
        for path in sorted(p for p in batch.iterdir() if p.is_file()):
            located = f"{SOURCE}/{batch.name}/{path.name}"
            suffix = path.suffix.lower()
            table = known.get(unicodedata.normalize("NFC", path.stem))
            if table is None or suffix not in (".csv", *VERBATIM_SUFFIXES):
                continue  # the batch manifest (the intake refuses any other name)
            if table.is_vendor and suffix != ".csv":
                raise DecodeError(f"{located}: vendor tables are delivered as CSV only")
            if table.name in seen_tables:
                raise DecodeError(
                    f"{located}: table {table.name} is delivered twice in batch {batch.name}"
                    f" (also as {seen_tables[table.name]})"
                )
            seen_tables[table.name] = path.name
            if suffix in VERBATIM_SUFFIXES:
                result = DecodedFile(located, batch.name, table.name, path, "binary", -1)
            else:
                target = Path(out_dir) / batch.name / f"{table.name}.csv"
                result = decode_file(path, table, target, located)
            if result.unknown_headers:
                log.warning(
                    "%s: ignoring column(s) not in the contract: %s",
                    located,
                    ", ".join(result.unknown_headers),
                )
            log.info("%s: %s, %s rows", located, result.encoding, result.rows)
            results.append(result)
    return results
