"""The article's step 3 (shared/spec/recontact-outreach.md): openings, matches, drafts,
the export, consent renewal and outcomes. The rules themselves are proved by the dbt unit
tests beside the models and by the oracle comparison (tests/test_outreach_oracle.py);
these tests check the built warehouse and the guards around it."""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata

import duckdb
import pytest

from loader.paths import PROJECT_DIR
from orchestration.warehouse import DbtFailed
from tests.support import END_DATE

SEEDS_DIR = PROJECT_DIR / "seeds"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def read_seed(name: str) -> list[dict]:
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------------------------------------
# the seeds HR and legal review
# ---------------------------------------------------------------------------------------------


def test_templates_cover_every_cohort_in_both_languages_as_the_article_asks():
    templates = read_seed("outreach_templates")
    cohorts = {"final_interview", "culture_fit", "offer_declined_conditions", "timing_headcount"}
    assert {(t["cohort"], t["language"]) for t in templates} == {
        (c, lang) for c in cohorts for lang in ("ja", "en")
    }
    banned = [
        unicodedata.normalize("NFKC", p["phrase"]).lower()
        for p in read_seed("outreach_banned_phrases")
    ]
    for minimum in (
        "人が足りない",
        "人手不足",
        "急募",
        "至急",
        "short-staffed",
        "understaffed",
        "urgent",
        "desperate",
    ):
        assert minimum in banned
    for template in templates:
        text = template["subject"] + template["body"]
        assert "{past_evaluation}" in text and "{situation}" in text, template["template_id"]
        assert set(PLACEHOLDER.findall(text)) <= {
            "{name}",
            "{company}",
            "{job_title}",
            "{past_evaluation}",
            "{situation}",
        }
        folded = unicodedata.normalize("NFKC", text + template["fallback_evaluation"]).lower()
        assert not [p for p in banned if p in folded], template["template_id"]
        if template["language"] == "ja":
            assert "{name}様" in template["body"] and "当時の評価" in template["body"]
        else:
            assert template["body"].startswith("Dear {name},")


# ---------------------------------------------------------------------------------------------
# the sample warehouse (3,000 generated candidates as of END_DATE)
# ---------------------------------------------------------------------------------------------


def test_drafts_are_for_best_matches_of_eligible_persons_only(sample_warehouse):
    orphans = sample_warehouse.rows(
        """
        select count(*) from outreach.recontact_drafts as drafts
        left join marts.recontact_job_matches as matches
            on drafts.person_id = matches.person_id and drafts.opening_id = matches.opening_id
            and matches.match_rank = 1
        left join marts.recontact_eligibility as eligibility
            on drafts.source_system = eligibility.source_system
            and drafts.candidate_id = eligibility.candidate_id
        where matches.person_id is null or not eligibility.is_eligible
        """
    )
    assert orphans == [[0]]
    counts = dict(
        sample_warehouse.rows(
            "select language, count(*) from outreach.recontact_drafts group by language"
        )
    )
    assert counts.get("ja", 0) > 0 and counts.get("en", 0) > 0
    persons_with_matches = sample_warehouse.rows(
        "select count(distinct person_id) from marts.recontact_job_matches"
    )[0][0]
    assert sum(counts.values()) == persons_with_matches


def test_drafts_cite_strengths_never_concerns_and_fill_every_placeholder(sample_warehouse):
    drafts = sample_warehouse.frame(
        """
        select drafts.body, drafts.cited_evaluation_id, evaluations.strengths, evaluations.concerns,
               templates.fallback_evaluation
        from outreach.recontact_drafts as drafts
        join reference.outreach_templates as templates using (template_id)
        left join intermediate.int_canonical__evaluations_conformed as evaluations
            on drafts.cited_evaluation_id = evaluations.evaluation_id
        where drafts.source_system = 'canonical'
        """
    )
    assert len(drafts) > 20
    for row in drafts.itertuples():
        assert not PLACEHOLDER.search(row.body)
        if not isinstance(row.cited_evaluation_id, str):
            assert row.fallback_evaluation in row.body
        else:
            # whole when short; a long text is cut at a clause end (the unit tests' matter)
            assert (row.strengths if len(row.strengths) <= 120 else row.strengths[:30]) in row.body
            if len(row.strengths) > 120:
                assert row.strengths not in row.body
            if isinstance(row.concerns, str) and row.concerns:
                assert row.concerns not in row.body
    assert drafts["cited_evaluation_id"].notna().sum() > 0
    assert drafts["cited_evaluation_id"].isna().sum() > 0


def test_careless_situations_are_withheld_with_the_phrase(sample_warehouse):
    withheld = sample_warehouse.rows(
        "select withheld_reason from outreach.recontact_drafts where draft_status = 'withheld'"
    )
    ready = sample_warehouse.rows(
        "select body from outreach.recontact_drafts where draft_status = 'ready'"
    )
    assert ready
    for (reason,) in withheld:
        assert re.fullmatch(
            r"(banned_phrase|forbidden_data_term):[^,]+(,(banned_phrase|forbidden_data_term):[^,]+)*",
            reason,
        )
    for (body,) in ready:
        folded = unicodedata.normalize("NFKC", body).lower()
        assert "急募" not in folded and "urgent" not in folded and "人手不足" not in folded


def test_content_hash_is_sha256_of_subject_newline_body(sample_warehouse):
    for subject, body, content_hash in sample_warehouse.rows(
        "select subject, body, content_hash from outreach.recontact_drafts limit 50"
    ):
        assert hashlib.sha256(f"{subject}\n{body}".encode()).hexdigest() == content_hash


# ---------------------------------------------------------------------------------------------
# the dbt tests that guard the templates
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "failing_test"),
    [
        (
            "update reference.outreach_templates set body = replace(body, '{situation}', '')"
            " where template_id = 'culture_fit_en'",
            "assert_outreach_templates_have_both_placeholders",
        ),
        (
            "update reference.outreach_templates set subject = subject || ' (ＵＲＧＥＮＴ)'"
            " where template_id = 'final_interview_en'",
            "assert_outreach_templates_have_no_banned_phrase",
        ),
        (
            "update reference.outreach_templates set body = body || '人手が足りないので'"
            " where template_id = 'final_interview_ja'",
            None,  # not a listed phrase: the tests pass (the list is what HR and legal agreed)
        ),
        (
            "delete from reference.outreach_templates where template_id = 'timing_headcount_ja'",
            "assert_outreach_templates_have_both_placeholders",
        ),
    ],
)
def test_template_checks_fail_the_build(make_warehouse, change, failing_test):
    warehouse = make_warehouse()
    warehouse.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    warehouse.dbt("seed", END_DATE, select="outreach_templates outreach_banned_phrases")
    with duckdb.connect(str(warehouse.duckdb_path)) as connection:
        connection.execute(change)
    tests = (
        "assert_outreach_templates_have_both_placeholders"
        " assert_outreach_templates_have_no_banned_phrase"
    )
    if failing_test is None:
        warehouse.dbt("test", END_DATE, select=tests)
        return
    with pytest.raises(DbtFailed) as failure:
        warehouse.dbt("test", END_DATE, select=tests)
    assert f"Failure in test {failing_test}" in failure.value.output


# ---------------------------------------------------------------------------------------------
# the export to the mailing tool, and what comes back
# ---------------------------------------------------------------------------------------------


def test_export_then_sent_events_fed_back_exclude_those_people(make_warehouse, monkeypatch):
    """Export the ready drafts of D (owner-only file, audit entry without personal data,
    refused for another D), feed the mailing tool's "sent" events back as a new batch, and
    the next day's build excludes those people: cooldown for all, opt-out for one."""
    import json
    import os
    import stat
    from datetime import timedelta

    from orchestration import cli
    from orchestration.outreach import ExportRefused, export_drafts
    from sample_exports.generate import generate_export
    from tests.support import write_entity

    warehouse = make_warehouse()
    generate_export(warehouse.export_dir, candidates=600, seed=17, end_date=END_DATE, batches=2)
    warehouse.build(END_DATE)
    paths = warehouse.paths
    out = warehouse.duckdb_path.parent / "outbox" / "drafts.csv"

    with pytest.raises(ExportRefused, match="not 2026-11-26"):
        export_drafts(paths, (END_DATE - timedelta(days=1)).isoformat(), out)
    assert not out.exists()
    # the CLI refuses a stale D the same way, with a message and no file
    for name, value in paths.as_env().items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match="refused"):
        cli.main(["outreach", "export", "--as-of", "2026-11-20", "--out", str(out)])
    assert not out.exists()

    assert cli.main(["outreach", "export", "--as-of", END_DATE.isoformat(), "--out", str(out)]) == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    with out.open(newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    ready = warehouse.rows(
        "select candidate_id from outreach.recontact_drafts where draft_status = 'ready'"
    )
    assert len(exported) >= 2
    assert {row["candidate_id"] for row in exported} <= {r[0] for r in ready}
    assert all("@" in row["email"] and row["body"] for row in exported)

    audit_lines = (paths.audit_dir / "audit_log.jsonl").read_text(encoding="utf-8")
    entry = [json.loads(line) for line in audit_lines.splitlines()][-1]
    assert entry["event"] == "outreach_export"
    assert entry["exported_rows"] == len(exported)
    assert entry["file_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    for row in exported:  # no personal data in the audit log
        assert row["email"] not in audit_lines and row["body"][:20] not in audit_lines

    # the mailing tool sent every message on D; the first person opted out the next day
    sent = [
        {
            "outreach_id": f"MAIL-{number}",
            "candidate_id": row["candidate_id"],
            "sent_at": f"{END_DATE.isoformat()}T10:00:00",
            "channel": "email",
            "cohort": row["cohort"],
            "outcome": "opt_out" if number == 0 else "",
            "outcome_at": f"{(END_DATE + timedelta(days=1)).isoformat()}T09:00:00"
            if number == 0
            else "",
        }
        for number, row in enumerate(exported)
    ]
    write_entity(warehouse.export_dir, "2026-11-28T0300", "outreach_events", sent)
    next_day = END_DATE + timedelta(days=1)
    warehouse.build(next_day)
    reasons = dict(
        warehouse.rows(
            "select candidate_id, exclusion_reasons from marts.recontact_eligibility"
            f" where candidate_id in ({', '.join(repr(r['candidate_id']) for r in exported)})"
        )
    )
    assert set(reasons) == {row["candidate_id"] for row in exported}
    for number, row in enumerate(exported):
        listed = (reasons[row["candidate_id"]] or "").split(",")
        assert "recently_contacted" in listed
        assert ("stop_contact_requested" in listed) == (number == 0)
    redrafted = warehouse.rows(
        "select count(*) from outreach.recontact_drafts"
        f" where candidate_id in ({', '.join(repr(r['candidate_id']) for r in exported)})"
    )
    assert redrafted == [[0]]
    contacted = warehouse.rows(
        "select sum(contacted_persons), sum(opted_out_persons) from marts.recontact_outcomes"
        f" where sent_month = date '{END_DATE.replace(day=1).isoformat()}'"
    )
    assert contacted[0][0] >= len(exported) and contacted[0][1] >= 1


# ---------------------------------------------------------------------------------------------
# access and erasure: the drafts are personal data
# ---------------------------------------------------------------------------------------------

PERSONAL_COLUMNS = {"full_name", "email", "phone", "strengths", "concerns", "subject", "body"}


def test_bi_publication_never_holds_schema_outreach(sample_warehouse, tmp_path):
    from loader.paths import WarehousePaths
    from orchestration.publish import publish

    paths = WarehousePaths(
        landing_dir=sample_warehouse.landing_dir,
        duckdb_path=sample_warehouse.duckdb_path,
        state_dir=tmp_path / "state",
        audit_dir=tmp_path / "audit",
        publish_dir=tmp_path / "published",
    )
    publication = publish(paths, release_id="outreach-access-test")
    published = {p.stem for p in publication.release_dir.glob("*.parquet")}
    assert {"recontact_job_matches", "consent_renewal_queue", "recontact_outcomes"} <= published
    assert not any("draft" in name for name in published)
    with duckdb.connect(str(publication.bi_database), read_only=True) as bi:
        schemas = {
            row[0]
            for row in bi.execute("select schema_name from information_schema.schemata").fetchall()
        }
        columns = {
            row[0].lower()
            for row in bi.execute("select column_name from information_schema.columns").fetchall()
        }
        relations = {
            row[0]
            for row in bi.execute("select table_name from information_schema.tables").fetchall()
        }
    assert "outreach" not in schemas
    assert not any("draft" in name for name in relations)
    assert not columns & PERSONAL_COLUMNS


def test_bi_role_grants_never_open_schema_outreach():
    """PostgreSQL: the on-run-end grants close schema outreach to the BI role and grant
    only the published marts (macros/bi_access.sql; exercised on PostgreSQL by
    tests/test_engines.py)."""
    macro = (PROJECT_DIR / "dbt_project" / "macros" / "bi_access.sql").read_text()
    closed = re.search(r"foreach closed_schema in array array\[([^\]]*)\]", macro).group(1)
    assert "'outreach'" in closed
    published = re.search(
        r"bi_published_marts\(\) -%\}\s*\{\{ return\(\[(.*?)\]\) \}\}", macro, re.S
    )
    assert "draft" not in published.group(1)
    assert (
        "grant usage on schema marts" in macro
        and "schema outreach" not in macro.lower().replace("never schema `outreach`", "")
    )


def test_drafts_are_among_the_tables_the_purge_deletes_from(sample_warehouse):
    from erasure.purge import _person_tables

    with duckdb.connect(str(sample_warehouse.duckdb_path), read_only=True) as connection:
        tables = {table.qualified for table in _person_tables(connection)}
    assert "outreach.recontact_drafts" in tables


def test_export_files_are_purged_and_checked_for_completeness(tmp_path):
    """An export file is registered when written; the purge rewrites it without the purged
    person's rows (still owner-only), and the purge-completeness frame reads its rows."""
    import os
    import stat

    from erasure.exports import erase_from_exports, record_export
    from erasure.exports import write_owner_only as _write_owner_only
    from orchestration.compliance import register_person_references
    from orchestration.outreach import EXPORT_COLUMNS

    state, export = tmp_path / "state", tmp_path / "mail" / "drafts.csv"
    rows = [
        [
            "canonical",
            cid,
            f"{cid}@example.com",
            "ja",
            "s",
            "b",
            "final_interview",
            "OP1",
            "t",
            "2026-11-27",
            "h",
        ]
        for cid in ("C1", "C2")
    ]
    _write_owner_only(export, EXPORT_COLUMNS, rows)
    record_export(state, export)

    with duckdb.connect() as connection:
        register_person_references(connection, None, None, state)
        referenced = connection.execute(
            "select relation, candidate_id from person_references order by candidate_id"
        ).fetchall()
    assert referenced == [("export:drafts.csv", "C1"), ("export:drafts.csv", "C2")]

    assert erase_from_exports(state, {("canonical", "C1")}) == [(export, 1, 1)]
    with export.open(newline="", encoding="utf-8") as handle:
        assert [row["candidate_id"] for row in csv.DictReader(handle)] == ["C2"]
    assert stat.S_IMODE(os.stat(export).st_mode) == 0o600
    assert erase_from_exports(state, {("canonical", "C1")}) == []  # nothing left to remove


# ---------------------------------------------------------------------------------------------
# the openings entity: staged and quarantined like every entity
# ---------------------------------------------------------------------------------------------


def test_openings_are_staged_latest_version_and_bad_rows_quarantined(make_warehouse):
    from tests.support import candidate, write_entity

    warehouse = make_warehouse()
    write_entity(warehouse.export_dir, "2026-11-01T0300", "candidates", [candidate("c1")])
    write_entity(
        warehouse.export_dir,
        "2026-11-01T0300",
        "jobs",
        [
            {
                "job_id": "job-1",
                "title": "Engineer",
                "status": "open",
                "updated_at": "2026-01-01T09:00:00",
            }
        ],
    )
    good = {
        "job_id": "job-1",
        "situation": "新規事業を始めました。",
        "language": "ja",
        "opened_on": "2026-10-01",
        "updated_at": "2026-10-01T09:00:00",
    }
    write_entity(
        warehouse.export_dir,
        "2026-11-01T0300",
        "openings",
        [
            {"opening_id": "op-1", **good},
            {"opening_id": "op-2", **good, "language": "fr"},
            {"opening_id": "op-3", **good, "situation": " "},
            {"opening_id": "op-4", **good, "opened_on": "2026/10/01"},
            {"opening_id": "op-5", **good, "closes_on": "2026-09-01"},
        ],
        columns=[
            "opening_id",
            "job_id",
            "situation",
            "language",
            "target_cohorts",
            "opened_on",
            "closes_on",
            "updated_at",
        ],
    )
    # a later version of op-1 closes it and targets a cohort
    write_entity(
        warehouse.export_dir,
        "2026-11-15T0300",
        "openings",
        [
            {
                "opening_id": "op-1",
                **good,
                "closes_on": "2026-12-31",
                "target_cohorts": " Final_Interview ; culture_fit",
                "updated_at": "2026-11-10T09:00:00",
            }
        ],
    )
    warehouse.build(END_DATE)
    staged = warehouse.rows(
        "select opening_id, language, target_cohorts, cast(closes_on as varchar)"
        " from intermediate.int_canonical__openings_conformed"
    )
    assert staged == [["op-1", "ja", ";final_interview;culture_fit;", "2026-12-31"]]
    quarantined = dict(
        warehouse.rows(
            "select record_key, quarantine_reason from intermediate.int_canonical__quarantine"
            " where entity = 'openings'"
        )
    )
    assert quarantined == {
        "op-2": "unknown opening language",
        "op-3": "missing situation",
        "op-4": "unparseable opened_on",
        "op-5": "closes_on before opened_on",
    }
    # an opening names nobody: its quarantine holds no person
    held = warehouse.rows(
        "select count(*) from marts.recontact_eligibility"
        " where primary_exclusion_reason = 'data_quality_hold'"
    )
    assert held == [[0]]
