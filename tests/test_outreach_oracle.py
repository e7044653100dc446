"""The outreach marts (shared/spec/recontact-outreach.md) against the independent oracle
(tests/oracle.py, outreach_marts): every match, cited evaluation, template, withheld flag,
renewal row and outcome count, on generated exports at several dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from loader.paths import PROJECT_DIR
from sample_exports.generate import generate_export
from tests import oracle
from tests.support import END_DATE, assert_same_rows

SEEDS_DIR = PROJECT_DIR / "seeds"
OUTREACH_RELATIONS = {
    "marts.recontact_job_matches": ("job_matches", ["source_system", "candidate_id", "opening_id"]),
    "outreach.recontact_drafts": ("drafts", ["source_system", "candidate_id"]),
    "marts.consent_renewal_queue": ("renewal_queue", ["source_system", "candidate_id", "purpose"]),
    "marts.recontact_outcomes": ("outcomes", ["cohort", "sent_month"]),
}


def assert_outreach_matches_oracle(warehouse, as_of: date) -> dict[str, int]:
    expected = oracle.evaluate(warehouse.export_dir, SEEDS_DIR, as_of)
    sizes = {}
    for relation, (attribute, key) in OUTREACH_RELATIONS.items():
        rows = getattr(expected, attribute)
        assert_same_rows(
            warehouse.frame(f"select * from {relation}"), rows, key, f"{relation} at {as_of}"
        )
        sizes[relation] = len(rows)
    return sizes


def test_sample_warehouse_outreach_matches_the_oracle(sample_warehouse):
    sizes = assert_outreach_matches_oracle(sample_warehouse, END_DATE)
    # the comparison means something only with rows of every kind
    assert all(n > 0 for n in sizes.values()), sizes
    drafts = oracle.evaluate(sample_warehouse.export_dir, SEEDS_DIR, END_DATE).drafts
    assert {d["language"] for d in drafts} == {"ja", "en"}
    assert "ready" in {d["draft_status"] for d in drafts}
    assert any(d["cited_evaluation_id"] is None for d in drafts)


@pytest.fixture(scope="module")
def outreach_export(tmp_path_factory):
    from tests.support import new_warehouse

    warehouse = new_warehouse(tmp_path_factory.mktemp("outreach_oracle"))
    generate_export(
        warehouse.export_dir,
        candidates=1500,
        seed=23,
        end_date=END_DATE,
        batches=3,
        file_format="mixed",
    )
    return warehouse


# Openings start at most 200 days before the export and a job's status is its latest, so
# the further back D, the fewer openings are open at it: 200 days back there are none left
# (the comparison then still checks that nothing is matched or drafted).
@pytest.mark.parametrize("days_before", [0, 40, 200])
def test_outreach_marts_match_the_oracle_at_several_dates(outreach_export, days_before):
    as_of = END_DATE - timedelta(days=days_before)
    outreach_export.build(as_of)
    sizes = assert_outreach_matches_oracle(outreach_export, as_of)
    if days_before <= 40:
        assert sizes["marts.recontact_job_matches"] > 0 and sizes["outreach.recontact_drafts"] > 0
    assert sizes["marts.recontact_outcomes"] > 0
