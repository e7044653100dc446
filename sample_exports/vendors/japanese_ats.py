"""The synthetic population as a Japanese ATS would export it (docs/source-japanese-ats.md).

:func:`write_export` reads a canonical export (``<canonical_dir>/<batch_id>/<entity>.csv``
or ``.parquet``, as :func:`sample_exports.generate.generate_export` writes it) and writes the
same people, batch by batch, to ``<out_dir>/japanese_ats/<batch_id>/``:

- vendor tables (応募者, 求人, 応募, 選考履歴, 評価, 内定) as CSV in CP932 (default) or
  UTF-8 with BOM, CRLF line ends, the Japanese headers of ``_japanese_ats__sources.yml``
  (the first header of each column);
- company-side tables (consent_events, privacy_requests, outreach_events) in the canonical
  shape, UTF-8, as they are (Parquet converted to CSV).

What changes on the way, so that decoding is exercised and staging must undo it:

- ids stay the canonical ones (応募者ID = candidate_id ...), so the two builds compare
  person by person;
- timestamps become JST without offset (``+09:00`` and ``Z`` converted), written as
  2026/04/01 12:34:56 (most), 2026-04-01 12:34:56, 2026年4月1日 12:34:56, 令和8年4月1日
  12:34:56 (和暦), R8.4.1 12:34:56 or in full-width digits; a midnight may be written as
  the bare date. No information is lost: every form decodes to the same instant;
- statuses, stage names and reasons in the vendor's Japanese vocabulary: a stage or reason
  the canonical seed maps becomes a japanese_ats seed value of the same stage / category;
  one the canonical seed does not map is kept as it is (and stays unmapped);
- grades 1-5 partly as S/A/B/C/D; 削除フラグ 1/0; 都道府県 as the prefecture's name;
- some phones and e-mails in full-width characters (and ー as the phone's dash), some
  Japanese names with an ideographic space; NFKC undoes all of it;
- CP932 cannot encode accented Latin letters (é, ü, í ... in the generator's western
  names): such characters lose their accent (Léa -> Lea), as they would in a Shift_JIS
  system. Any other character CP932 lacks raises ValueError naming entity and column.
"""

from __future__ import annotations

import csv
import shutil
import unicodedata
import zlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from loader.decode import PREFECTURE_CODES, SOURCE, tables
from loader.paths import PROJECT_DIR

JST = ZoneInfo("Asia/Tokyo")
SEEDS_DIR = PROJECT_DIR / "seeds"
ENCODINGS = ("cp932", "utf-8-sig")

# The vendor's vocabularies (the inverse of macros/japanese_ats.sql, which staging reads).
APPLICATION_STATUS = {
    "active": "選考中",
    "rejected": "不採用",
    "withdrawn": "辞退",
    "offer_declined": "内定辞退",
    "hired": "入社",
}
OFFER_STATUS = {"pending": "回答待ち", "accepted": "承諾", "declined": "辞退", "rescinded": "取消"}
JOB_STATUS = {"open": "募集中", "on_hold": "一時停止", "closed": "募集終了", "filled": "充足"}
GRADES = {5: "S", 4: "A", 3: "B", 2: "C", 1: "D"}
PREFECTURE_NAMES = {code: name for name, code in PREFECTURE_CODES.items()}
COMPANY_SIDE = ("consent_events", "privacy_requests", "outreach_events")
_ERAS = ((datetime(2019, 5, 1), "令和", "R", 2019), (datetime(1989, 1, 8), "平成", "H", 1989))


def write_export(canonical_dir: Path, out_dir: Path, encoding: str = "cp932") -> dict[str, int]:
    """Write the Japanese-ATS export of a canonical export; return rows written per entity."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
    canonical_dir, out_dir = Path(canonical_dir), Path(out_dir)
    target = out_dir / SOURCE
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; refusing to overwrite an export")
    batches = sorted(p for p in canonical_dir.iterdir() if p.is_dir())
    if not batches:
        raise FileNotFoundError(f"no batches under {canonical_dir}")
    by_table = {table.name: table for table in tables().values()}
    translate = _Vocabulary()
    counts: dict[str, int] = {}
    con = duckdb.connect()
    try:
        for batch in batches:
            batch_out = target / batch.name
            batch_out.mkdir(parents=True)
            for path in sorted(batch.iterdir()):
                entity, suffix = path.stem, path.suffix
                if entity not in by_table or suffix not in (".csv", ".parquet"):
                    continue
                if entity in COMPANY_SIDE:
                    rows = _copy_company_side(con, path, batch_out / f"{entity}.csv")
                else:
                    table = by_table[entity]
                    writer = _ROW_WRITERS[entity]
                    rows = _write_vendor_table(
                        con, path, table, batch_out / f"{table.file}.csv", encoding,
                        lambda row, w=writer: w(row, translate),
                    )  # fmt: skip
                counts[entity] = counts.get(entity, 0) + rows
    finally:
        con.close()
    return counts


# --------------------------------------------------------------------------------------------
# Reading and writing
# --------------------------------------------------------------------------------------------


def _read(con: duckdb.DuckDBPyConnection, path: Path):
    reader = (
        f"read_csv('{path}', header = true, all_varchar = true)"
        if path.suffix == ".csv"
        else f"read_parquet('{path}')"
    )
    cursor = con.execute(f"select * from {reader}")
    names = [d[0] for d in cursor.description]
    while chunk := cursor.fetchmany(10_000):
        for values in chunk:
            yield dict(zip(names, values, strict=True))


def _copy_company_side(con: duckdb.DuckDBPyConnection, path: Path, target: Path) -> int:
    if path.suffix == ".csv":
        shutil.copyfile(path, target)
    else:
        con.execute(f"copy (select * from read_parquet('{path}')) to '{target}' (header true)")
    return con.execute(f"select count(*) from read_csv('{target}', all_varchar = true)").fetchone()[
        0
    ]


def _write_vendor_table(con, path: Path, table, target: Path, encoding: str, convert) -> int:
    headers = [column.headers[0] for column in table.columns]
    rows = 0
    with target.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(headers)
        for row in _read(con, path):
            values = convert(row)
            record = [_text(values.get(column.name)) for column in table.columns]
            if encoding == "cp932":
                record = [_cp932_safe(value, table.name, column.name)
                          for value, column in zip(record, table.columns, strict=True)]  # fmt: skip
            writer.writerow(record)
            rows += 1
    return rows


def _text(value) -> str:
    return "" if value is None else str(value)


def _cp932_safe(value: str, entity: str, column: str) -> str:
    """The value if CP932 can encode it; else without accents; else ValueError (no content)."""
    try:
        value.encode("cp932")
        return value
    except UnicodeEncodeError:
        pass
    folded = "".join(
        char for char in unicodedata.normalize("NFKD", value) if not unicodedata.combining(char)
    )
    folded = unicodedata.normalize("NFC", folded)
    try:
        folded.encode("cp932")
    except UnicodeEncodeError:
        raise ValueError(
            f"{entity}.{column}: a value holds characters CP932 cannot encode"
        ) from None
    return folded


# --------------------------------------------------------------------------------------------
# Value conversions (deterministic: a hash of the row's key picks the variant)
# --------------------------------------------------------------------------------------------


def _pick(key: str, salt: str) -> int:
    """0-99, fixed for a (key, salt)."""
    return zlib.crc32(f"{key}|{salt}".encode()) % 100


def _full_width(text: str) -> str:
    """ASCII letters, digits and symbols as their full-width forms (NFKC undoes it)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _local(value) -> datetime | None:
    """A canonical timestamp (ISO text, maybe with an offset, or a datetime) in JST, naive."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(JST).replace(tzinfo=None)
    return moment


def _timestamp(value, key: str, salt: str) -> str | None:
    moment = _local(value)
    if moment is None:
        return None
    pick = _pick(key, salt)
    clock = moment.strftime("%H:%M:%S")
    bare_date = moment.time() == datetime.min.time() and pick % 2 == 1
    if pick < 50:
        day = moment.strftime("%Y/%m/%d")
    elif pick < 65:
        day = moment.strftime("%Y-%m-%d")
    elif pick < 80:
        day = f"{moment.year}年{moment.month}月{moment.day}日"
    elif pick < 97 and moment >= _ERAS[-1][0]:
        start, era, letter, base_year = next(e for e in _ERAS if moment >= e[0])
        year = moment.year - base_year + 1
        if pick < 90:
            day = f"{era}{'元' if year == 1 else year}年{moment.month}月{moment.day}日"
        else:
            day = f"{letter}{year}.{moment.month}.{moment.day}"
    else:
        return _full_width(moment.strftime("%Y/%m/%d" if bare_date else "%Y/%m/%d %H:%M:%S"))
    return day if bare_date else f"{day} {clock}"


class _Vocabulary:
    """Stage names and reasons in the vendor's words, by way of the seeds.

    A value the canonical seed maps becomes a japanese_ats seed value of the same stage /
    category (the value itself when the japanese_ats seed has it for that stage); a value
    it does not map is kept, so it stays unmapped in both builds.
    """

    def __init__(self) -> None:
        self.stages = self._load("stage_map.csv", "source_stage", "stage")
        self.reasons = self._load("rejection_reason_map.csv", "source_reason", "category")

    @staticmethod
    def _load(seed: str, value_column: str, meaning_column: str):
        canonical: dict[str, str] = {}
        vendor: dict[str, str] = {}  # key -> meaning
        first_of: dict[str, str] = {}  # meaning -> the first vendor value
        with (SEEDS_DIR / seed).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                key = row[value_column].strip().lower()
                if row["source_system"] == "canonical":
                    canonical[key] = row[meaning_column]
                elif row["source_system"] == SOURCE:
                    vendor[key] = row[meaning_column]
                    first_of.setdefault(row[meaning_column], row[value_column])
        return canonical, vendor, first_of

    @staticmethod
    def _translate(value: str | None, mapping) -> str | None:
        if value is None:
            return None
        canonical, vendor, first_of = mapping
        key = value.strip().lower()
        meaning = canonical.get(key)
        if meaning is None:
            if key in vendor:
                raise ValueError("a value unmapped for canonical is mapped for japanese_ats")
            return value
        return value if vendor.get(key) == meaning else first_of[meaning]

    def stage(self, value: str | None) -> str | None:
        return self._translate(value, self.stages)

    def reason(self, value: str | None) -> str | None:
        return self._translate(value, self.reasons)


def _candidate(row: dict, vocabulary: _Vocabulary) -> dict:
    key = row["candidate_id"]
    name, email, phone = row["full_name"], row["email"], row["phone"]
    if name and row["country"] == "JP" and _pick(key, "name") < 20:
        name = name.replace(" ", "\u3000")
    if email and _pick(key, "email") < 8:
        email = _full_width(email)
    if phone:
        pick = _pick(key, "phone")
        phone = (
            _full_width(phone) if pick < 12 else phone.replace("-", "ー") if pick < 16 else phone
        )
    region = row["region"]
    if row["country"] == "JP" and region in PREFECTURE_NAMES:
        region = PREFECTURE_NAMES[region]
    is_deleted = {"true": "1", "false": "0"}.get(str(row["is_deleted"]).lower(), row["is_deleted"])
    return {
        "candidate_id": key,
        "full_name": name,
        "email": email,
        "phone": phone,
        "country": row["country"],
        "region": region,
        "created_at": _timestamp(row["created_at"], key, "created_at"),
        "updated_at": _timestamp(row["updated_at"], key, "updated_at"),
        "is_deleted": is_deleted,
    }


def _job(row: dict, vocabulary: _Vocabulary) -> dict:
    key = row["job_id"]
    return {
        **{name: row[name] for name in ("job_id", "title", "job_family", "department", "country")},
        "status": JOB_STATUS.get(row["status"], row["status"]),
        "opened_at": _timestamp(row["opened_at"], key, "opened_at"),
        "closed_at": _timestamp(row["closed_at"], key, "closed_at"),
        "updated_at": _timestamp(row["updated_at"], key, "updated_at"),
    }


def _application(row: dict, vocabulary: _Vocabulary) -> dict:
    key = row["application_id"]
    reason = vocabulary.reason(row["rejection_reason"])
    is_rejection = row["status"] in ("rejected", "active", "hired")
    return {
        "application_id": key,
        "candidate_id": row["candidate_id"],
        "job_id": row["job_id"],
        "applied_at": _timestamp(row["applied_at"], key, "applied_at"),
        "status": APPLICATION_STATUS.get(row["status"], row["status"]),
        "rejection_reason": reason if is_rejection else None,
        "withdrawal_reason": None if is_rejection else reason,
        "closed_at": _timestamp(row["closed_at"], key, "closed_at"),
        "updated_at": _timestamp(row["updated_at"], key, "updated_at"),
    }


def _stage_event(row: dict, vocabulary: _Vocabulary) -> dict:
    key = row["stage_event_id"]
    return {
        "stage_event_id": key,
        "application_id": row["application_id"],
        "stage": vocabulary.stage(row["stage"]),
        "entered_at": _timestamp(row["entered_at"], key, "entered_at"),
    }


def _evaluation(row: dict, vocabulary: _Vocabulary) -> dict:
    key = row["evaluation_id"]
    rating = row["rating"]
    if rating not in (None, ""):
        pick = _pick(key, "rating")
        grade = int(rating)
        rating = (
            GRADES.get(grade, rating)
            if pick < 45
            else _full_width(str(grade))
            if pick < 50
            else grade
        )
    return {
        "evaluation_id": key,
        "application_id": row["application_id"],
        "stage": vocabulary.stage(row["stage"]),
        "evaluated_at": _timestamp(row["evaluated_at"], key, "evaluated_at"),
        "rating": rating,
        "strengths": row["strengths"],
        "concerns": row["concerns"],
    }


def _offer(row: dict, vocabulary: _Vocabulary) -> dict:
    key = row["offer_id"]
    return {
        "offer_id": key,
        "application_id": row["application_id"],
        "extended_at": _timestamp(row["extended_at"], key, "extended_at"),
        "status": OFFER_STATUS.get(row["status"], row["status"]),
        "decline_reason": vocabulary.reason(row["decline_reason"]),
        "updated_at": _timestamp(row["updated_at"], key, "updated_at"),
    }


_ROW_WRITERS = {
    "candidates": _candidate,
    "jobs": _job,
    "applications": _application,
    "stage_events": _stage_event,
    "evaluations": _evaluation,
    "offers": _offer,
}
