"""The Japanese ATS source: decoding (loader/decode.py), the vendor-shaped generator
(sample_exports/vendors/japanese_ats.py) and the japanese_ats staging models. The loader
decodes into a temporary directory and keeps no decoded copy; these tests decode into
directories of their own to look at the output.

The whole-population check: one generated export, written once in the canonical shape and
once as CP932 Japanese-ATS files of the same people, gives the same staged facts."""

from __future__ import annotations

import csv
import tempfile
import unicodedata
from pathlib import Path

import pytest

from loader.decode import DecodeError, decode_landing, to_iso
from sample_exports.generate import generate_export
from sample_exports.vendors.japanese_ats import write_export
from tests.support import END_DATE, Warehouse, files_holding, new_warehouse

ENTITIES = (
    "candidates", "jobs", "applications", "stage_events", "evaluations", "offers",
    "consent_events", "privacy_requests", "outreach_events",
)  # fmt: skip
# The source's own words, which the seeds map: compared through their mapped columns.
VENDOR_TEXT = {"source_system", "source_stage", "rejection_reason", "decline_reason"}
BATCH = "2026-11-27T0300"


def _fold(text):
    """What CP932 keeps of a name: accented Latin letters lose the accent."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


CANDIDATE_HEADER = [
    "応募者ID",
    "氏名",
    "メールアドレス",
    "電話番号",
    "居住国",
    "都道府県",
    "更新日時",
]


def _applicants(warehouse: Warehouse, rows: list[list[str]], encoding: str = "cp932") -> Path:
    path = warehouse.export_dir / "japanese_ats" / BATCH / "応募者.csv"
    return _write(path, CANDIDATE_HEADER, rows, encoding)


def _decode(warehouse: Warehouse, out: Path):
    """The export's Japanese ATS files decoded into out, as the loader decodes them."""
    return decode_landing(warehouse.export_dir, out)


def _decoded_rows(out: Path, table: str = "candidates") -> list[dict]:
    with (out / BATCH / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------------------------
# (a) the same population through both shapes
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def both_shapes(tmp_path_factory) -> tuple[Warehouse, list]:
    """1,500 candidates (seed 7, mixed CSV/Parquet) landed canonical and as CP932 files."""
    warehouse = new_warehouse(tmp_path_factory.mktemp("japanese_ats"))
    generate_export(warehouse.export_dir, 1500, seed=7, end_date=END_DATE, file_format="mixed")
    write_export(warehouse.export_dir / "canonical", warehouse.export_dir, encoding="cp932")
    decoded = _decode(warehouse, tmp_path_factory.mktemp("decoded"))
    warehouse.dbt("build", END_DATE, select="+intermediate.canonical +intermediate.japanese_ats")
    return warehouse, decoded


def test_export_is_cp932_with_japanese_forms(both_shapes):
    warehouse, decoded = both_shapes
    vendor = [d for d in decoded if d.table in ("candidates", "applications", "stage_events")]
    assert vendor and {d.encoding for d in vendor} == {"cp932"}
    raw = b"".join(
        p.read_bytes() for p in (warehouse.export_dir / "japanese_ats").glob("*/応募*.csv")
    ).decode("cp932")
    # the decoder has something to undo: 和暦, Japanese dates, full-width e-mails and phones
    for form in ("令和", "年", "＠", "０"):
        assert form in raw


def test_staged_facts_equal_the_canonical_build(both_shapes):
    warehouse, _ = both_shapes
    for entity in ENTITIES:
        canonical = warehouse.rows(f"describe intermediate.int_canonical__{entity}_conformed")
        japanese = warehouse.rows(f"describe intermediate.int_japanese_ats__{entity}_conformed")
        assert [r[:2] for r in japanese] == [r[:2] for r in canonical], entity
        columns = [r[0] for r in canonical if r[0] not in VENDOR_TEXT]
        listed = ", ".join(columns)
        expected = warehouse.rows(
            f"select {listed} from intermediate.int_canonical__{entity}_conformed"
        )
        actual = warehouse.rows(
            f"select {listed} from intermediate.int_japanese_ats__{entity}_conformed"
        )
        assert len(expected) > 0, entity
        if entity == "candidates":
            name = columns.index("full_name")
            expected = [[*r[:name], _fold(r[name]), *r[name + 1 :]] for r in expected]
        assert sorted(map(repr, actual)) == sorted(map(repr, expected)), entity


def test_every_row_is_accounted_for(both_shapes):
    warehouse, _ = both_shapes
    assert warehouse.rows("select count(*) from intermediate.int_japanese_ats__quarantine") == [[0]]
    unbalanced = warehouse.rows(
        "select entity, batch_id from intermediate.int_japanese_ats__landing_reconciliation"
        " where landed_rows <> staged_rows + superseded_rows + redelivered_rows"
        " + quarantined_rows + suppressed_rows"
    )
    assert unbalanced == []
    landed = warehouse.rows(
        "select sum(landed_rows) from intermediate.int_japanese_ats__landing_reconciliation"
    )
    # the same rows as the canonical export, but the openings: HR's own records, delivered
    # in the canonical export only (docs/rules-interpretation.md, openings)
    assert landed == warehouse.rows(
        "select sum(landed_rows) from intermediate.int_canonical__landing_reconciliation"
        " where entity <> 'openings'"
    )


def test_unmapped_vendor_values_are_reported_not_guessed(both_shapes):
    warehouse, _ = both_shapes
    unmapped = warehouse.rows(
        "select distinct source_stage from intermediate.int_japanese_ats__stage_events_conformed"
        " where is_stage_unmapped order by 1"
    )
    assert unmapped and all(row[0] not in ("一次面接", "最終面接") for row in unmapped)
    assert warehouse.rows(
        "select count(*) from intermediate.int_japanese_ats__stage_events_conformed"
        " where is_stage_unmapped"
    ) == warehouse.rows(
        "select count(*) from intermediate.int_canonical__stage_events_conformed"
        " where is_stage_unmapped"
    )


# --------------------------------------------------------------------------------------------
# (b) CP932 and UTF-8 with BOM
# --------------------------------------------------------------------------------------------


def test_cp932_and_utf8_bom_exports_decode_to_the_same_rows(tmp_path):
    canonical = tmp_path / "generated"
    generate_export(canonical, 200, seed=3, end_date=END_DATE, batches=2)
    decoded = {}
    for encoding in ("cp932", "utf-8-sig"):
        warehouse = new_warehouse(tmp_path / encoding)
        write_export(canonical / "canonical", warehouse.export_dir, encoding=encoding)
        root = tmp_path / encoding / "decoded"
        results = _decode(warehouse, root)
        vendor = {d.encoding for d in results if d.table in ("candidates", "offers")}
        assert vendor == {encoding}
        decoded[encoding] = {
            p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.glob("*/*.csv"))
        }
    assert decoded["cp932"].keys() == decoded["utf-8-sig"].keys()
    assert len(decoded["cp932"]) == 2 * len(ENTITIES)
    for name, text in decoded["utf-8-sig"].items():
        assert decoded["cp932"][name] == (_fold(text) if "candidates" in name else text), name


# --------------------------------------------------------------------------------------------
# (c) wrong and mixed encodings fail naming file and line, never content
# --------------------------------------------------------------------------------------------

PERSON = ["J1", "高橋 美咲", "misaki.t@example.jp", "090-1111-2222", "JP", "東京都", "2026/04/01"]
OTHER = ["J2", "Zoë García", "zoe.g@example.com", "+34 600 000 000", "ES", "MD", "2026/04/02"]


def _assert_located_without_content(error: DecodeError, line: int) -> None:
    message = str(error)
    assert f"japanese_ats/{BATCH}/応募者.csv" in message
    assert f"line {line}" in message
    for value in (*PERSON[1:4], *OTHER[1:4]):
        assert value not in message
        assert value.split()[0] not in message


def test_euc_jp_file_fails_on_its_header(make_warehouse, tmp_path):
    warehouse = make_warehouse()
    _applicants(warehouse, [PERSON], encoding="euc_jp")
    with pytest.raises(DecodeError) as raised:
        _decode(warehouse, tmp_path)
    _assert_located_without_content(raised.value, 1)


def test_latin1_line_in_a_utf8_file_fails_naming_the_line(make_warehouse, tmp_path):
    warehouse = make_warehouse()
    path = _applicants(warehouse, [PERSON, PERSON[:1] + ["x"] * 6], encoding="utf-8-sig")
    with path.open("ab") as handle:
        handle.write(",".join(OTHER).encode("latin-1") + b"\r\n")
    with pytest.raises(DecodeError) as raised:
        _decode(warehouse, tmp_path)
    _assert_located_without_content(raised.value, 4)


def test_utf8_line_in_a_cp932_file_is_a_mixed_file(make_warehouse, tmp_path):
    warehouse = make_warehouse()
    path = _applicants(warehouse, [PERSON, ["J3", "x", "", "", "JP", "", "2026/04/03"]])
    # these UTF-8 bytes also read as (wrong) CP932 text: only the mixed-file check sees it
    line = ",".join(["J9", "田中 健太", "", "", "JP", "東京都", "2026/04/01"]).encode("utf-8")
    line.decode("cp932")  # no UnicodeDecodeError: valid (mojibake) CP932 as well
    with path.open("ab") as handle:
        handle.write(line + b"\r\n")
    with pytest.raises(DecodeError, match="line 4 is UTF-8 but the file is CP932") as raised:
        _decode(warehouse, tmp_path)
    _assert_located_without_content(raised.value, 4)
    assert "田中" not in str(raised.value)


def test_cp932_line_in_a_utf8_file_fails(make_warehouse, tmp_path):
    warehouse = make_warehouse()
    path = _applicants(warehouse, [PERSON], encoding="utf-8")
    with path.open("ab") as handle:
        handle.write(",".join(PERSON).encode("cp932") + b"\r\n")
    with pytest.raises(DecodeError) as raised:
        _decode(warehouse, tmp_path)
    _assert_located_without_content(raised.value, 3)


def test_missing_required_column_is_named_and_unknown_headers_are_reported(
    make_warehouse, tmp_path
):
    warehouse = make_warehouse()
    path = warehouse.export_dir / "japanese_ats" / BATCH / "応募者.csv"
    _write(path, ["応募者ID", "氏名", "更新日時"], [PERSON[:2] + PERSON[6:]], "cp932")
    with pytest.raises(DecodeError, match=r"応募者\.csv: missing required column\(s\) 居住国"):
        _decode(warehouse, tmp_path)
    _write(path, [*CANDIDATE_HEADER, "社内メモ"], [[*PERSON, "memo"]], "cp932")
    (result,) = _decode(warehouse, tmp_path)
    assert result.unknown_headers == ("社内メモ",)
    assert "memo" not in (tmp_path / BATCH / "candidates.csv").read_text()


# --------------------------------------------------------------------------------------------
# (d) NFKC of names, e-mails and phones; prefectures; no decoded copy kept
# --------------------------------------------------------------------------------------------


def test_full_width_email_and_phone_become_half_width(make_warehouse, tmp_path):
    warehouse = make_warehouse()
    _applicants(
        warehouse,
        [["Ｊ１", "高橋　美咲", "ｍｉｓａｋｉ．ｔ＠ｅｘａｍｐｌｅ．ｊｐ",
          "０９０ー１１１１－２２２２", "ＪＰ", "大阪府", "２０２６／０４／０１"]],
    )  # fmt: skip
    _decode(warehouse, tmp_path)
    (row,) = _decoded_rows(tmp_path)
    assert row == {
        "candidate_id": "J1",
        "full_name": "高橋 美咲",
        "email": "misaki.t@example.jp",
        "phone": "090-1111-2222",
        "country": "JP",
        "region": "27",
        "updated_at": "2026-04-01",
    }


def test_no_decoded_copy_is_kept_after_a_load(make_warehouse, tmp_path, monkeypatch):
    """The decoder streams into a temporary directory of the load, deleted after it: the
    half-width e-mail (the vendor file holds it full-width) is in the raw table only. It
    used to stay in a decoded copy under the state directory, which a purge had to chase."""
    warehouse = make_warehouse()
    full_width = [
        "Ｊ１",
        "高橋　美咲",
        "ｍｉｓａｋｉ．ｔ＠ｅｘａｍｐｌｅ．ｊｐ",
        "",
        "JP",
        "",
        "2026/04/01",
    ]
    _applicants(warehouse, [full_width])
    # the load's temporary directories go under this test's own directory: the shared /tmp
    # holds those of loads running meanwhile in another pytest worker
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    report = warehouse.load()
    assert report.loaded == {f"japanese_ats/{BATCH}": 1}
    assert warehouse.rows("select email from raw.japanese_ats__candidates") == [
        ["misaki.t@example.jp"]
    ]
    root = warehouse.duckdb_path.parent
    assert files_holding(root, {"misaki.t@example.jp"}, outside=warehouse.export_dir) == [
        "warehouse.duckdb"
    ]
    assert not any(warehouse.landing_dir.rglob("*.csv"))  # the batch left the landing too
    assert list(temporary.iterdir()) == []


# --------------------------------------------------------------------------------------------
# (e) Japanese and 和暦 dates; unparseable ones are quarantined with a reason
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026/04/01", "2026-04-01"),
        ("2026/4/1 9:05", "2026-04-01T09:05:00"),
        ("2026年4月1日", "2026-04-01"),
        ("2026年4月1日 9時5分", "2026-04-01T09:05:00"),
        ("令和8年4月1日", "2026-04-01"),
        ("令和元年5月1日 10:00:00", "2019-05-01T10:00:00"),
        ("R8.4.1", "2026-04-01"),
        ("H31.4.30", "2019-04-30"),
        ("平成2年1月8日", "1990-01-08"),
        ("２０２６／０４／０１ １２：３４：５６", "2026-04-01T12:34:56"),
        ("2026-04-01T09:00:00+09:00", "2026-04-01T09:00:00+09:00"),
        # not a day: kept as text, so staging quarantines it
        ("平成31年5月1日", "平成31年5月1日"),
        ("2026/02/30", "2026/02/30"),
        ("令和8年13月1日", "令和8年13月1日"),
        ("先週", "先週"),
    ],
)
def test_japanese_dates_become_iso(text, iso):
    assert to_iso(text) == iso


def test_dates_stage_and_unparseable_ones_are_quarantined(make_warehouse):
    warehouse = make_warehouse()
    _applicants(
        warehouse,
        [
            ["J1", "a", "", "", "JP", "東京都", "令和8年4月1日 9:05"],
            ["J2", "b", "", "", "JP", "東京都", "R8.4.2"],
            ["J3", "c", "", "", "JP", "東京都", "2026年4月3日"],
            ["J4", "d", "", "", "JP", "東京都", "2026/02/30"],
            ["J5", "e", "", "", "JP", "東京都", "平成31年5月1日"],
        ],
    )
    warehouse.dbt("build", END_DATE, select="+intermediate.japanese_ats")
    staged = warehouse.rows(
        "select candidate_id, cast(updated_at as varchar), region"
        " from intermediate.int_japanese_ats__candidates_conformed order by 1"
    )
    assert staged == [
        ["J1", "2026-04-01 09:05:00", "13"],
        ["J2", "2026-04-02 00:00:00", "13"],
        ["J3", "2026-04-03 00:00:00", "13"],
    ]
    quarantined = warehouse.rows(
        "select record_key, source_file, source_row, quarantine_reason"
        " from intermediate.int_japanese_ats__quarantine order by 1"
    )
    assert quarantined == [
        ["J4", f"japanese_ats/{BATCH}/candidates.csv", 4, "unparseable updated_at"],
        ["J5", f"japanese_ats/{BATCH}/candidates.csv", 5, "unparseable updated_at"],
    ]


# --------------------------------------------------------------------------------------------
# Erasure reaches the raw tables and the archive
# --------------------------------------------------------------------------------------------


def _person_with_applications(warehouse: Warehouse) -> tuple[str, str]:
    """A generated candidate with an e-mail and two applications: id and e-mail."""
    rows = warehouse.rows(
        "select candidates.candidate_id, any_value(candidates.email)"
        " from raw.japanese_ats__candidates as candidates"
        " join raw.japanese_ats__applications as applications using (candidate_id)"
        " where candidates.email <> '' group by 1"
        " having count(distinct applications.application_id) >= 2 order by 1 limit 1"
    )
    assert rows, "no candidate with two applications"
    return rows[0][0], rows[0][1]


def test_retention_purge_erases_a_japanese_ats_person_everywhere(tmp_path):
    import duckdb

    from erasure.purge import purge

    warehouse = new_warehouse(tmp_path / "purge", archive=True)
    generate_export(tmp_path / "generated", 200, seed=5, end_date=END_DATE, batches=2)
    write_export(tmp_path / "generated" / "canonical", warehouse.export_dir)
    warehouse.dbt("build", END_DATE, select="+intermediate.japanese_ats")
    candidate_id, email = _person_with_applications(warehouse)
    root = warehouse.duckdb_path.parent
    held = files_holding(root, {email}, outside=warehouse.export_dir)
    assert "warehouse.duckdb" in held and any(path.startswith("archive/") for path in held)
    stage_events = "select count(*) from raw.japanese_ats__stage_events"
    [[before]] = warehouse.rows(stage_events)
    with duckdb.connect(str(warehouse.duckdb_path)) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute(
            "create table marts.retention_purge_queue as select 'japanese_ats' as source_system,"
            " ? as candidate_id, 'p1' as person_id, 'erasure_requested' as purge_reason,"
            " date '2026-11-27' as purge_due_on, date '2026-11-27' as as_of_date",
            [candidate_id],
        )

    plan = purge(warehouse.paths, dry_run=True, run_id="test")
    planned = {hit.where: hit.rows for hit in plan.files}
    assert any(path.endswith("/applications.parquet") for path in planned)
    assert any(path.endswith("/stage_events.parquet") for path in planned)
    report = purge(warehouse.paths, dry_run=False, run_id="test")

    assert files_holding(root, {email}, outside=warehouse.export_dir) == []
    assert {hit.where: hit.rows for hit in report.files} == planned
    removed = {hit.where: hit.rows for hit in report.tables}
    [[after]] = warehouse.rows(stage_events)
    assert 0 < after == before - removed["raw.japanese_ats__stage_events"]
    assert candidate_id not in str(report.render()) and email not in str(report.as_dict())
