"""The record of processing (GDPR art. 30 / 個人情報取扱台帳), generated from meta.processing
in dbt_project.yml and the columns the sample warehouse really holds."""

from __future__ import annotations

import pytest

from loader.paths import WarehousePaths
from orchestration import processing_record


@pytest.fixture
def paths(sample_warehouse, tmp_path) -> WarehousePaths:
    return WarehousePaths(
        landing_dir=sample_warehouse.landing_dir,
        duckdb_path=sample_warehouse.duckdb_path,
        state_dir=tmp_path / "state",
        audit_dir=tmp_path / "audit",
        publish_dir=tmp_path / "published",
    )


def test_every_layer_holding_personal_data_states_its_processing(paths):
    activities = {a.layer: a for a in processing_record.build_record(paths)}
    assert set(activities) == {"landing", "staging", "intermediate", "marts", "outreach"}
    # the message drafts (recontact-outreach v1): names and message texts, restricted
    drafts = activities["outreach"].relations["outreach.recontact_drafts"]
    assert "outreach messages (free text)" in drafts
    marts = activities["marts"].relations
    assert "name and contact details" not in {c for held in marts.values() for c in held}
    assert marts["marts.recontact_eligibility"] == [
        "decisions about the person",
        "identifiers (pseudonymous)",
    ]
    staging = activities["staging"].relations
    assert "name and contact details" in staging["staging.stg_canonical__candidates"]
    assert "evaluations (free text)" in staging["staging.stg_canonical__evaluations"]
    assert "staging.stg_canonical__jobs" not in staging  # about jobs, not persons


def test_a_layer_without_its_processing_meta_fails_the_record_naming_the_relations(paths):
    """The check the issue asks for: remove the marts' meta.processing (or one of its
    fields) and the record is refused, naming the marts that hold personal data."""
    stated = processing_record.layer_meta()
    without_marts = {**stated, "marts": None}
    with pytest.raises(processing_record.MissingProcessingMeta) as refused:
        processing_record.build_record(paths, meta=without_marts)
    assert "marts.recontact_eligibility (marts)" in str(refused.value)
    assert "staging." not in str(refused.value)
    partial = {**stated, "staging": {**stated["staging"], "erasure": ""}}
    with pytest.raises(processing_record.MissingProcessingMeta) as refused:
        processing_record.build_record(paths, meta=partial)
    assert "staging.stg_canonical__candidates (staging)" in str(refused.value)


def test_the_record_is_written_beside_the_evidence_with_no_personal_value(
    paths, sample_warehouse, tmp_path
):
    run_dir = tmp_path / "audit" / "runs" / "r1"
    written = processing_record.write_record(paths, run_dir, as_of_date="2026-11-27", run_id="r1")
    text = written.read_text(encoding="utf-8")
    assert written == run_dir / "record_of_processing.md"
    assert (paths.audit_dir / "record_of_processing.md").read_text(encoding="utf-8") == text
    for heading in ("(`staging`)", "**Purpose**", "**Retention**", "**Recipients**", "**Erasure**"):
        assert heading in text
    names = sample_warehouse.rows("select full_name, email from staging.stg_canonical__candidates")
    assert not any(value in text for row in names[:200] for value in row if value)
