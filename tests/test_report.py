"""The compliance report (orchestration/report.py): one self-contained HTML page per run
that a reviewer reads offline, with the numbers of the run it claims."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from loader.paths import WarehousePaths
from orchestration import compliance, report
from tests.support import END_DATE

CHROMIUM = "chromium-headless-shell"  # Debian package of that name (`make engines`)


@pytest.fixture(scope="module")
def evidence(sample_warehouse, tmp_path_factory):
    """Every suite run on the sample warehouse, as one run; its report and the paths."""
    root = tmp_path_factory.mktemp("evidence")
    paths = WarehousePaths(
        landing_dir=sample_warehouse.landing_dir,
        duckdb_path=sample_warehouse.duckdb_path,
        state_dir=root / "state",
        audit_dir=root / "audit",
        publish_dir=root / "published",
    )
    outcomes = compliance.run_all(paths, run_id="report-run", as_of_date=END_DATE.isoformat())
    assert all(outcome.passed for outcome in outcomes)
    return paths, compliance.run_directory(paths, "report-run") / report.REPORT_NAME


def shown(page: str, key: str) -> int:
    """The number the page shows in the cell with this id."""
    match = re.search(rf"id='{key}'>([\d,]+)<", page)
    assert match, key
    return int(match.group(1).replace(",", ""))


def test_the_report_states_the_run_and_its_numbers(evidence, sample_warehouse):
    paths, page_path = evidence
    page = page_path.read_text(encoding="utf-8")
    assert "All 4 compliance checks passed." in page
    ((evaluated, eligible),) = sample_warehouse.rows(
        "select count(*), count(*) filter (where is_eligible) from marts.recontact_eligibility"
    )
    assert shown(page, "evaluated") == evaluated
    assert shown(page, "eligible") == eligible
    assert (
        shown(page, "queued")
        == sample_warehouse.rows("select count(*) from marts.retention_purge_queue")[0][0]
    )
    assert (
        shown(page, "blocked")
        == sample_warehouse.rows("select count(*) from marts.purge_blocked_by_quality")[0][0]
        > 0
    )
    for suite in compliance.SUITES:
        assert f"href='results/{suite}.json'" in page
        assert (page_path.parent / "results" / f"{suite}.json").exists()
    assert "intact: " in page and "record_of_processing.md" in page


def test_the_report_loads_nothing_from_outside(evidence):
    _, page_path = evidence
    page = page_path.read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)


def test_a_failed_check_is_named_with_what_it_guards():
    passed = report.SuiteResult("eligibility_compliance", "may contact", True, 10, [], "a.json")
    failure = ("overdue_not_queued (critical)", "Every person past their purge date is queued.", 3)
    failed = report.SuiteResult(
        "purge_completeness", "nobody due remains", False, 12, [failure], "b.json"
    )
    page = report.render(
        run_id="r",
        as_of_date="2026-11-27",
        rule_set_version="v1.1",
        suites=[passed, failed],
        figures={"history": [], "current": [], "queue": [], "blocked": [], "quarantine": []},
        audit_status={"status": "BROKEN: entry 4", "intact": False, "published": [], "purges": []},
        record_link=None,
    )
    assert "1 of 2 compliance checks FAILED." in page
    assert "Every person past their purge date is queued. (3 rows)" in page
    assert "BROKEN: entry 4" in page


@pytest.mark.slow  # needs the Debian package chromium-headless-shell (`make engines`)
def test_the_report_renders_offline_in_headless_chromium(evidence, sample_warehouse, tmp_path):
    """Rendered with every host unresolvable: the numbers are on the page, the pictures
    are drawn (a screenshot of real content, not an empty page)."""
    _, page_path = evidence
    binary = shutil.which(CHROMIUM)
    assert binary, f"{CHROMIUM} is not installed: `make engines` installs it"
    offline = [binary, "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND"]
    dom = subprocess.run(
        [*offline, "--dump-dom", page_path.as_uri()],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    (evaluated,) = sample_warehouse.rows("select count(*) from marts.recontact_eligibility")[0]
    assert f"{evaluated:,}" in dom
    assert dom.count("<rect") > 10  # the charts' bars
    shot = tmp_path / "report.png"
    subprocess.run(
        [*offline, f"--screenshot={shot}", "--window-size=1100,1800", page_path.as_uri()],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 30_000  # a blank page of that size compresses to a few kB
