"""Every source decides the same (issue 4): one synthetic population exported as canonical,
Greenhouse, Lever and Japanese-ATS files gives the same eligibility, cohorts and purge
queue per person; landed together, the records of one person become one person."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sample_exports.generate import generate_export
from sample_exports.vendors import greenhouse, japanese_ats, lever
from tests.support import END_DATE, Warehouse, new_warehouse

DECISION = [
    "jurisdiction",
    "is_eligible",
    "primary_exclusion_reason",
    "exclusion_reasons",
    "last_closed_on",
    "use_allowed_until",
    "legal_hold_until",
    "recontact_consent_expires_on",
    "rule_set_version",
]
COHORT = ["closed_on", "furthest_stage", "rejection_category", "best_rating", "priority_score"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A canonical export (boundary cases included), as `recontact generate` writes it."""
    out = tmp_path_factory.mktemp("population")
    generate_export(out, candidates=1200, seed=5, end_date=END_DATE, file_format="mixed")
    return out / "canonical"


def build(warehouse: Warehouse) -> Warehouse:
    warehouse.build(END_DATE)
    return warehouse


@pytest.fixture(scope="module")
def canonical(generated, tmp_path_factory) -> Warehouse:
    warehouse = new_warehouse(tmp_path_factory.mktemp("canonical"))
    shutil.copytree(generated, warehouse.export_dir / "canonical")
    return build(warehouse)


def decisions(warehouse: Warehouse, source: str, to_canonical: Callable[[str], str]) -> dict:
    rows = warehouse.rows(
        f"select candidate_id, {', '.join(DECISION)} from marts.recontact_eligibility"
        f" where source_system = '{source}'"
    )
    return {to_canonical(row[0]): dict(zip(DECISION, row[1:], strict=True)) for row in rows}


def cohorts(warehouse: Warehouse, source: str, to_canonical: Callable[[str], str]) -> dict:
    rows = warehouse.rows(
        f"select candidate_id, cohort, {', '.join(COHORT)} from marts.recontact_cohorts"
        f" where source_system = '{source}'"
    )
    return {(to_canonical(row[0]), row[1]): tuple(row[2:]) for row in rows}


def purge_queue(warehouse: Warehouse, source: str, to_canonical: Callable[[str], str]) -> dict:
    rows = warehouse.rows(
        "select candidate_id, purge_reason, purge_due_on from marts.retention_purge_queue"
        f" where source_system = '{source}'"
    )
    return {to_canonical(candidate_id): (reason, due) for candidate_id, reason, due in rows}


def same_id(candidate_id: str) -> str:
    return candidate_id


def from_greenhouse(canonical: Warehouse) -> Callable[[str], str]:
    """Greenhouse id -> canonical id, by inverting the converter's documented mapping."""
    return inverse_of(canonical, greenhouse.greenhouse_candidate_id)


def from_lever(canonical: Warehouse) -> Callable[[str], str]:
    """Lever contact id -> canonical id, by inverting the converter's documented mapping."""
    return inverse_of(canonical, lever.lever_contact_id)


def inverse_of(canonical: Warehouse, vendor_id: Callable[[str], str]) -> Callable[[str], str]:
    canonical_ids = [
        cid for (cid,) in canonical.rows("select candidate_id from marts.recontact_eligibility")
    ]
    inverse = {vendor_id(cid): cid for cid in canonical_ids}
    return inverse.__getitem__


VENDORS = {
    "greenhouse": (lambda canonical_dir, out: greenhouse.write_export(canonical_dir, out)),
    "japanese_ats": (
        lambda canonical_dir, out: japanese_ats.write_export(canonical_dir, out, "utf-8-sig")
    ),
    "lever": (lambda canonical_dir, out: lever.write_export(canonical_dir, out)),
}
ID_MAPPINGS = {"greenhouse": from_greenhouse, "lever": from_lever}


@pytest.mark.parametrize("source", sorted(VENDORS))
def test_a_vendor_export_decides_like_the_canonical_one(source, generated, canonical, tmp_path):
    warehouse = new_warehouse(tmp_path)
    VENDORS[source](generated, warehouse.export_dir)
    build(warehouse)
    to_canonical = ID_MAPPINGS[source](canonical) if source in ID_MAPPINGS else same_id
    expected = decisions(canonical, "canonical", same_id)
    assert len(expected) == 1200
    assert decisions(warehouse, source, to_canonical) == expected
    assert cohorts(warehouse, source, to_canonical) == cohorts(canonical, "canonical", same_id)
    assert purge_queue(warehouse, source, to_canonical) == purge_queue(
        canonical, "canonical", same_id
    )
    # the scenario is not trivial: every kind of decision is there
    assert {row["primary_exclusion_reason"] for row in expected.values()} >= {
        None,
        "erasure_requested",
        "no_recontact_consent",
        "retention_expired",
    }


def test_one_person_in_two_sources_is_one_person_deciding_the_same(generated, canonical, tmp_path):
    """The same people landed as canonical and as Japanese-ATS files: every person has two
    records with one person_id; the canonical records decide exactly as alone."""
    warehouse = new_warehouse(tmp_path)
    shutil.copytree(generated, warehouse.export_dir / "canonical")
    japanese_ats.write_export(generated, warehouse.export_dir, "utf-8-sig")
    build(warehouse)
    persons = warehouse.rows(
        "select count(*), count(distinct person_id), count(distinct candidate_id)"
        " from marts.recontact_eligibility"
    )
    (records, person_ids, candidate_ids) = persons[0]
    assert records == 2 * candidate_ids
    assert person_ids < candidate_ids  # the planted same-e-mail twins merge too
    pairs = warehouse.rows(
        "select count(*) from marts.recontact_eligibility as c"
        " join marts.recontact_eligibility as j using (candidate_id)"
        " where c.source_system = 'canonical' and j.source_system = 'japanese_ats'"
        " and c.person_id = j.person_id"
    )
    assert pairs == [[candidate_ids]]
    # merged with an identical twin record, nobody's decision changes
    assert decisions(warehouse, "canonical", same_id) == decisions(canonical, "canonical", same_id)
    assert decisions(warehouse, "japanese_ats", same_id) == decisions(
        canonical, "canonical", same_id
    )
    assert cohorts(warehouse, "canonical", same_id) == cohorts(canonical, "canonical", same_id)
    assert not cohorts(warehouse, "japanese_ats", same_id)  # one row per (person, cohort)
    assert purge_queue(warehouse, "japanese_ats", same_id) == purge_queue(
        canonical, "canonical", same_id
    )
