"""The Lever source (docs/source-lever.md): a generated population exported as Lever stages
the same facts as its canonical export; Fivetran's reference files load with every row
accounted for; unmapped vendor values are reported; data-protection fields and
anonymisation are read as documented."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from sample_exports.generate import generate_export
from sample_exports.vendors.lever import (
    _MACROS,
    lever_contact_id,
    lever_id,
    write_export,
)
from tests.support import END_DATE, Warehouse, new_warehouse

REFERENCE_DIR = Path(__file__).parent / "data" / "reference" / "fivetran-lever"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# The same facts, per source: ids mapped to Lever's (lever_id macro of the converter).
# Applications: the state the rules read, the status, and the category the rules use
# (int_applications_evaluated: the reason's, else the fallback of the status); for a
# withdrawn application only whether it is disqualifying (Lever archives it as Withdrew).
_EFFECTIVE_CATEGORY = """
    case
        when a.status = 'withdrawn'
            then cast(coalesce(a.rejection_category = 'disqualified', false) as varchar)
        when a.rejection_category is not null then a.rejection_category
        when a.status = 'offer_declined' then coalesce((
            select o.decline_category from intermediate.int_{source}__offers_conformed as o
            where o.application_id = a.application_id and o.status = 'declined'
            order by o.extended_at desc, o.updated_at desc, o.offer_id desc limit 1), 'other')
        else 'other'
    end"""
FACTS = {
    "candidates": (
        "select lever_id('contact', candidate_id), country, region, is_deleted, updated_on"
        " from intermediate.int_canonical__candidates_conformed",
        "select candidate_id, country, region, is_deleted, updated_on"
        " from intermediate.int_lever__candidates_conformed",
    ),
    "applications": (
        "select lever_id('opportunity', a.application_id), lever_id('contact', a.candidate_id),"
        " lever_id('posting', a.job_id), a.status, a.applied_on, a.closed_on, a.updated_at,"
        + _EFFECTIVE_CATEGORY.format(source="canonical")
        + " from intermediate.int_canonical__applications_conformed as a",
        "select a.application_id, a.candidate_id, a.job_id, a.status, a.applied_on, a.closed_on,"
        " a.updated_at,"
        + _EFFECTIVE_CATEGORY.format(source="lever")
        + " from intermediate.int_lever__applications_conformed as a",
    ),
    "stage_events": (
        "select lever_id('opportunity', application_id), source_stage, stage_order, entered_at"
        " from intermediate.int_canonical__stage_events_conformed",
        "select application_id, source_stage, stage_order, entered_at"
        " from intermediate.int_lever__stage_events_conformed",
    ),
    "evaluations": (
        "select lever_id('opportunity', application_id), source_stage, evaluated_at, rating"
        " from intermediate.int_canonical__evaluations_conformed",
        "select application_id, source_stage, evaluated_at, rating"
        " from intermediate.int_lever__evaluations_conformed",
    ),
    "offers": (
        "select lever_id('offer', offer_id), lever_id('opportunity', application_id), status,"
        " extended_at, updated_at from intermediate.int_canonical__offers_conformed",
        "select offer_id, application_id, status, extended_at, updated_at"
        " from intermediate.int_lever__offers_conformed",
    ),
    "consent_events": (
        "select consent_event_id, lever_id('contact', candidate_id), purpose, action, recorded_at,"
        " expires_at, notice_version, channel"
        " from intermediate.int_canonical__consent_events_conformed",
        "select consent_event_id, candidate_id, purpose, action, recorded_at, expires_at,"
        " notice_version, channel from intermediate.int_lever__consent_events_conformed",
    ),
    "privacy_requests": (
        "select request_id, lever_id('contact', candidate_id), request_type, received_at,"
        " completed_at from intermediate.int_canonical__privacy_requests_conformed",
        "select request_id, candidate_id, request_type, received_at, completed_at"
        " from intermediate.int_lever__privacy_requests_conformed",
    ),
    "outreach_events": (
        "select outreach_id, lever_id('contact', candidate_id), sent_at, channel, cohort, outcome,"
        " outcome_at from intermediate.int_canonical__outreach_events_conformed",
        "select outreach_id, candidate_id, sent_at, channel, cohort, outcome, outcome_at"
        " from intermediate.int_lever__outreach_events_conformed",
    ),
}


def _differences(
    warehouse: Warehouse, canonical_sql: str, lever_sql: str
) -> tuple[int, list, list]:
    import duckdb

    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as con:
        con.execute(_MACROS.replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"))
        total = con.execute(f"select count(*) from ({canonical_sql})").fetchone()[0]
        only_canonical = con.execute(f"({canonical_sql}) except all ({lever_sql})").fetchall()
        only_lever = con.execute(f"({lever_sql}) except all ({canonical_sql})").fetchall()
    return total, only_canonical, only_lever


@pytest.fixture(scope="module")
def both_sources(tmp_path_factory) -> Warehouse:
    """1,500 generated candidates (CSV and Parquet batches) landed as canonical and as Lever."""
    warehouse = new_warehouse(tmp_path_factory.mktemp("lever_generated"))
    generate_export(
        warehouse.export_dir, candidates=1500, seed=11, end_date=END_DATE, file_format="mixed"
    )
    write_export(warehouse.export_dir / "canonical", warehouse.export_dir)
    warehouse.dbt("build", END_DATE, select="+intermediate.canonical +intermediate.lever")
    return warehouse


@pytest.mark.parametrize("entity", list(FACTS))
def test_lever_export_stages_the_same_facts_per_person(both_sources, entity):
    total, only_canonical, only_lever = _differences(both_sources, *FACTS[entity])
    assert total > 0, f"no canonical {entity} to compare"
    assert not only_canonical and not only_lever, (
        f"{entity}: {len(only_canonical)} of {total} rows differ; "
        f"canonical {only_canonical[:3]} vs lever {only_lever[:3]}"
    )


def test_lever_staged_models_have_the_canonical_columns_and_types(both_sources):
    columns = (
        "select table_name, ordinal_position, column_name, data_type"
        " from information_schema.columns where table_schema = 'intermediate'"
        " and table_name = 'int_{source}__{entity}_conformed' order by ordinal_position"
    )
    for entity in (*FACTS, "jobs"):
        canonical = both_sources.rows(columns.format(source="canonical", entity=entity))
        lever = both_sources.rows(columns.format(source="lever", entity=entity))
        assert canonical, entity
        assert [row[1:] for row in lever] == [row[1:] for row in canonical], entity


def test_lever_export_lands_without_quarantine_and_reconciles(both_sources):
    quarantined = both_sources.rows(
        "select entity, quarantine_reason, count(*) from intermediate.int_lever__quarantine"
        " group by all"
    )
    canonical = both_sources.rows(
        "select entity, quarantine_reason, count(*) from intermediate.int_canonical__quarantine"
        " group by all"
    )
    # the generated export is clean: whatever canonical quarantines, Lever does not invent more
    assert sum(row[2] for row in quarantined) <= sum(row[2] for row in canonical)
    unbalanced = both_sources.rows(
        "select entity, batch_id from intermediate.int_lever__landing_reconciliation"
        " where landed_rows <> staged_rows + superseded_rows + redelivered_rows"
        " + quarantined_rows + suppressed_rows"
    )
    assert unbalanced == []


def test_lever_export_keeps_batches_and_writes_uuid_ids(both_sources):
    canonical_batches = sorted(p.name for p in (both_sources.export_dir / "canonical").iterdir())
    lever_batches = sorted(p.name for p in (both_sources.export_dir / "lever").iterdir())
    assert lever_batches == canonical_batches
    ids = both_sources.rows("select candidate_id from intermediate.int_lever__candidates_conformed")
    assert ids and all(UUID.match(row[0]) for row in ids)
    assert [lever_contact_id("C1")] in ids
    assert lever_contact_id("C1") == lever_id("contact", "C1") != lever_contact_id("C2")


def test_write_export_is_deterministic_and_refuses_to_overwrite(both_sources, tmp_path):
    write_export(both_sources.export_dir / "canonical", tmp_path)
    for path in sorted((both_sources.export_dir / "lever").rglob("*.csv")):
        again = tmp_path / "lever" / path.relative_to(both_sources.export_dir / "lever")
        assert again.read_bytes() == path.read_bytes(), path.name
    with pytest.raises(FileExistsError):
        write_export(both_sources.export_dir / "canonical", tmp_path)


# --------------------------------------------------------------------------------------------
# Fivetran's reference files (fivetran/dbt_lever integration-test seeds)
# --------------------------------------------------------------------------------------------

REFERENCE_TABLES = {
    "opportunity": "applications",
    "application": "application_postings",
    "archive_reason": "archive_reasons",
    "stage": "stages",
    "opportunity_stage_history": "stage_events",
    "feedback_form": "evaluations",
    "offer": "offers",
    "posting": "jobs",
    "contact_email": "contact_emails",
    "contact_phone": "contact_phones",
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Warehouse:
    warehouse = new_warehouse(tmp_path_factory.mktemp("lever_reference"))
    batch = warehouse.export_dir / "lever" / "2020-10-30T1418"
    batch.mkdir(parents=True)
    for table in REFERENCE_TABLES:
        shutil.copy(REFERENCE_DIR / f"{table}.csv", batch / f"{table}.csv")
    warehouse.dbt("build", END_DATE, select="+intermediate.lever")
    return warehouse


def test_reference_files_load_with_every_row_accounted_for(reference):
    landed = dict(
        reference.rows(
            "select entity, sum(landed_rows) from intermediate.int_lever__landing_reconciliation"
            " where landed_rows = staged_rows + superseded_rows + redelivered_rows"
            " + quarantined_rows + suppressed_rows group by entity"
        )
    )
    for table, entity in REFERENCE_TABLES.items():
        with (REFERENCE_DIR / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
            rows = sum(1 for _ in csv.DictReader(handle))
        assert landed.get(entity) == rows, (
            f"{table}.csv: {rows} rows, reconciled {landed.get(entity)}"
        )
    applications = "select count(*) from intermediate.int_lever__applications_conformed"
    staged = reference.rows(applications)[0][0]
    assert staged == 3


def test_reference_unmapped_stage_and_archive_reason_are_reported(reference):
    stages = reference.rows(
        "select source_stage from intermediate.int_lever__stage_events_conformed"
        " where is_stage_unmapped"
    )
    assert stages == [["07d807e0-db2b-4400-9c51-cda7b3acb5ff"]]  # a stage id with no stage row
    reasons = reference.rows(
        "select rejection_reason, rejection_category"
        " from intermediate.int_lever__applications_conformed"
        " where is_rejection_reason_unmapped"
    )
    assert reasons == [["f5ca116f-26b9-4881-ad72-6ffb6291a4ff", "other"]]  # id with no reason row
    warned = {
        result["unique_id"].split(".")[2]: result["status"]
        for result in reference.run_results()
        if result["unique_id"].startswith("test.")
    }
    assert warned["lever_warn_unmapped_stages"] == "warn"
    assert warned["lever_warn_unmapped_rejection_reasons"] == "warn"


def test_reference_anonymised_opportunity_is_a_deletion_without_consent(reference):
    contact = "7441b5f5-023a-4ddc-9e9b-620c40a582ee"  # its only opportunity is anonymised
    deleted = reference.rows(
        "select is_deleted, cast(updated_on as varchar)"
        " from intermediate.int_lever__candidates_conformed"
        f" where candidate_id = '{contact}'"
    )
    assert deleted == [[True, "2020-09-19"]]  # _fivetran_synced 17:09 UTC = 02:09 in Tokyo
    assert reference.rows(
        "select count(*) from intermediate.int_lever__consent_events_conformed"
        f" where candidate_id = '{contact}'"
    ) == [[0]]


# --------------------------------------------------------------------------------------------
# Data-protection fields: hand-made Lever files
# --------------------------------------------------------------------------------------------

OPPORTUNITY_COLUMNS = [
    "id", "contact", "created_at", "updated_at", "archived_at", "archived_reason_id",
    "is_anonymized", "data_protection_store_allowed", "data_protection_store_expires_at",
    "data_protection_contact_allowed", "data_protection_contact_expires_at",
]  # fmt: skip


def _write(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def data_protection(tmp_path_factory) -> Warehouse:
    warehouse = new_warehouse(tmp_path_factory.mktemp("lever_data_protection"))
    lever = warehouse.export_dir / "lever"
    _write(lever / "2026-01-01T0000" / "opportunity.csv", OPPORTUNITY_COLUMNS, [
        # contact A: an older opportunity granting both, a newer one (two versions)
        ["oA1", "A", "2024-01-01 00:00:00", "2024-02-01 00:00:00", "", "", "false",
         "true", "", "true", ""],
        ["oA2", "A", "2025-03-01 00:00:00", "2025-03-01 00:00:00", "", "", "false",
         "true", "", "true", ""],
        # contact B: nothing stated; contact C: anonymised, with fields still set
        ["oB1", "B", "2025-01-01 00:00:00", "2025-01-02 00:00:00", "", "", "",
         "", "", "", ""],
        ["oC1", "C", "2025-01-01 00:00:00", "2025-06-30 20:00:00", "", "", "true",
         "true", "", "true", ""],
    ])  # fmt: skip
    _write(lever / "2026-02-01T0000" / "opportunity.csv", OPPORTUNITY_COLUMNS, [
        # contact A withdraws recontact consent; retention granted until 2027-03-31 23:30 UTC
        ["oA2", "A", "2025-03-01 00:00:00", "2026-01-15 16:00:00", "", "", "false",
         "true", "2027-03-31 23:30:00", "false", "2027-01-01 00:00:00"],
    ])  # fmt: skip
    warehouse.dbt("build", END_DATE, select="+intermediate.lever")
    return warehouse


def test_data_protection_fields_become_consent_events_of_the_latest_version(data_protection):
    events = data_protection.rows(
        "select candidate_id, purpose, action, cast(recorded_at as varchar),"
        " cast(expires_on as varchar), channel"
        " from intermediate.int_lever__consent_events_conformed"
        " order by candidate_id, purpose"
    )
    assert events == [
        # recorded at the latest version's updated_at (16:00 UTC = 01:00 next day in Tokyo)
        [
            "A",
            "recontact",
            "withdrawn",
            "2026-01-16 01:00:00",
            "2027-01-01",
            "lever_data_protection",
        ],
        # expiry read in the rules' time zone: 23:30 UTC is the next day in Tokyo
        ["A", "retention", "granted", "2026-01-16 01:00:00", "2027-04-01", "lever_data_protection"],
    ]


def test_anonymised_contact_is_deleted_in_source(data_protection):
    deleted = data_protection.rows(
        "select candidate_id, is_deleted, cast(updated_on as varchar)"
        " from intermediate.int_lever__candidates_conformed order by candidate_id"
    )
    assert deleted == [
        ["A", False, "2026-01-16"],
        ["B", False, "2025-01-02"],
        ["C", True, "2025-07-01"],
    ]
    superseded = data_protection.rows(
        "select count(*) from staging.stg_lever__opportunity where _fate = 'superseded'"
    )
    assert superseded == [[1]]


def test_every_lever_table_with_personal_rows_says_whose_they_are():
    """The purge's erasure keys (table meta `erasure` in the sources YAML) name a declared
    column of every Lever table except the reference tables and the company-side files
    (those have canonical names and columns)."""
    import yaml

    from erasure.purge import vendor_erasure_keys
    from loader.contract import PERSON_ENTITIES

    sources = Path(__file__).parents[1] / "dbt_project/models/staging/lever/_lever__sources.yml"
    tables = {
        table["name"]: {column["name"] for column in table["columns"]}
        for table in yaml.safe_load(sources.read_text())["sources"][0]["tables"]
    }
    reference_tables = {"archive_reason", "stage", "posting"}
    keys = vendor_erasure_keys("lever")
    assert set(keys) == set(tables) - reference_tables - set(PERSON_ENTITIES)
    for table, erasure in keys.items():
        for column in (erasure.candidate, erasure.application):
            assert column is None or column in tables[table], table
