"""Compliance suites (orchestration/compliance.py, expectations/*.json|sql).

One generated warehouse per module; every test that seeds a violation works on a copy of
its DuckDB file, with an archive of its raw rows as the loader keeps one (Parquet per batch
and table), so the suites are shown to pass on clean data and to fail on each kind of
violation.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from loader import audit
from loader.contract import CANONICAL_ENTITIES
from loader.load import inputs_fingerprint
from loader.paths import WarehousePaths
from orchestration import compliance
from tests.support import END_DATE, Warehouse

AS_OF = END_DATE.isoformat()


@pytest.fixture(scope="module")
def built(sample_warehouse) -> Warehouse:
    """The session's generated warehouse (tests/conftest.py); tests that change it copy it."""
    return sample_warehouse


@pytest.fixture(scope="module")
def personal_data(built) -> list[str]:
    """Names, e-mails, phone numbers and evaluation texts of the generated people."""
    values = built.rows(
        """
        select full_name from intermediate.int_canonical__candidates_conformed
        where full_name is not null
        union select email from intermediate.int_canonical__candidates_conformed
        where email is not null
        union select phone from intermediate.int_canonical__candidates_conformed
        where phone is not null
        union select strengths from intermediate.int_canonical__evaluations_conformed
        where strengths is not null
        union select concerns from intermediate.int_canonical__evaluations_conformed
        where concerns is not null
        """
    )
    return [value for (value,) in values]


@pytest.fixture
def paths(built, tmp_path) -> WarehousePaths:
    """The built warehouse with this test's own audit directory (read-only use)."""
    return replace(built.paths, audit_dir=tmp_path / "audit")


@pytest.fixture
def copied(built, tmp_path) -> WarehousePaths:
    """A copy of the warehouse file this test may change, with an archive of its raw rows
    (<archive>/canonical/<batch_id>/<table>.parquet, what the loader writes)."""
    duckdb_path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built.duckdb_path, duckdb_path)
    archive_dir = tmp_path / "archive"
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        for (table,) in connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw'"
            " and table_name like 'canonical\\_\\_%' escape '\\'"
        ).fetchall():
            for (batch_id,) in connection.execute(
                f"select distinct _batch_id from raw.{table}"
            ).fetchall():
                target = archive_dir / "canonical" / batch_id / f"{table.split('__')[1]}.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                connection.execute(
                    f"copy (select * exclude (_loaded_at) from raw.{table}"
                    f" where _batch_id = '{batch_id}') to '{target}' (format parquet)"
                )
    return WarehousePaths(
        landing_dir=tmp_path / "landing",
        duckdb_path=duckdb_path,
        state_dir=tmp_path / "state",
        audit_dir=tmp_path / "audit",
        publish_dir=tmp_path / "published",
        archive_dir=archive_dir,
    )


def execute(paths: WarehousePaths, *statements: str) -> None:
    with duckdb.connect(str(paths.duckdb_path)) as connection:
        for statement in statements:
            connection.execute(statement)


def query(paths: WarehousePaths, sql: str) -> list[tuple]:
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def results(outcome: compliance.SuiteOutcome) -> dict:
    return json.loads(outcome.results_path.read_text(encoding="utf-8"))


def failed_columns(outcome: compliance.SuiteOutcome) -> set[str]:
    return {name.split("(", 1)[1].rstrip(")") for name in outcome.failed_expectations}


def unexpected_keys(outcome: compliance.SuiteOutcome, column: str, key: str) -> set:
    """The keys GX listed as unexpected for the expectation on `column` (a person's ids as
    their evidence pseudonyms: compare with pseudonyms(paths)(...))."""
    keys = set()
    for item in results(outcome)["results"]:
        if item["expectation_config"]["kwargs"].get("column") == column:
            keys |= {row[key] for row in item["result"].get("partial_unexpected_index_list", [])}
    return keys


def evidence_text(audit_dir: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(audit_dir.rglob("*"))
        if path.is_file() and path.suffix in (".json", ".jsonl", ".html")
    )


# ----------------------------------------------------------------------------------------
# Clean warehouse: every suite passes, evidence and audit trail are written
# ----------------------------------------------------------------------------------------


def test_every_suite_passes_on_a_clean_warehouse_and_leaves_evidence(paths, personal_data):
    outcomes = compliance.run_all(paths, run_id="clean-run", as_of_date=AS_OF)

    assert [outcome.suite for outcome in outcomes] == list(compliance.SUITES)
    for outcome in outcomes:
        assert outcome.passed, (outcome.suite, outcome.failed_expectations, outcome.error)
        assert outcome.error is None
        assert outcome.evaluated_rows > 0
        assert outcome.unexpected_rows == 0
        assert outcome.results_path == (
            paths.audit_dir / "runs" / "clean-run" / "results" / f"{outcome.suite}.json"
        )
        result = results(outcome)
        assert result["success"] is True
        assert result["suite_name"] == outcome.suite
        assert result["meta"]["recontact"]["as_of_date"] == AS_OF

    # the record of processing beside the evidence (processing_record.py)
    record = paths.audit_dir / "runs" / "clean-run" / "record_of_processing.md"
    assert "(`marts`)" in record.read_text(encoding="utf-8")

    index = paths.audit_dir / "runs" / "clean-run" / "data_docs" / "index.html"
    assert all(outcome.data_docs_index == index for outcome in outcomes)
    html = index.read_text(encoding="utf-8")
    for suite in compliance.SUITES:
        assert suite in html
        pages = list((index.parent / "validations" / suite / "clean-run").rglob("*.html"))
        assert len(pages) == 1

    # one audit entry per suite, chained, with the inputs' hash and relative evidence paths
    assert audit.verify_chain(paths.audit_dir) == len(compliance.SUITES)
    entries = audit.read_entries(paths.audit_dir)
    assert [entry["suite"] for entry in entries] == list(compliance.SUITES)
    fingerprint = inputs_fingerprint(paths.duckdb_path)
    assert fingerprint != inputs_fingerprint(paths.duckdb_path.with_name("missing.duckdb"))
    for entry, outcome in zip(entries, outcomes, strict=True):
        assert entry["run_id"] == "clean-run"
        assert entry["as_of_date"] == AS_OF
        assert entry["rule_set_version"] == "v1.1"
        assert entry["passed"] is True
        assert entry["evaluated_rows"] == outcome.evaluated_rows
        assert entry["unexpected_rows"] == 0
        assert entry["inputs_hash"] == fingerprint
        assert (paths.audit_dir / entry["evidence"]) == outcome.results_path
        assert entry["evidence_sha256"] == compliance.file_sha256(outcome.results_path)
        assert (paths.audit_dir / entry["data_docs"]) == index

    evidence = evidence_text(paths.audit_dir)
    leaked = [value for value in personal_data if value in evidence]
    assert not leaked, f"personal data in the evidence: {len(leaked)} values"


def test_suite_files_load_and_name_their_frames():
    for suite in compliance.SUITES:
        definition = compliance.load_suite_definition(suite)
        assert definition["name"] == suite
        assert definition["expectations"]
        assert definition["meta"]["frame_sql"] == f"{suite}.sql"
        assert compliance.sql_path(suite).exists()
        assert definition["meta"]["key_column"]
    with pytest.raises(compliance.ComplianceError, match="unknown suite"):
        compliance.load_suite_definition("no_such_suite")


def test_a_run_id_must_be_a_plain_directory_name(paths):
    for bad in ("../escape", "a/b", "", ".hidden"):
        with pytest.raises(compliance.ComplianceError):
            compliance.run_suite("forbidden_data", paths, run_id=bad, as_of_date=AS_OF)


# ----------------------------------------------------------------------------------------
# eligibility_compliance
# ----------------------------------------------------------------------------------------

# a person excluded for this reason, made eligible, breaks the expectation on this column
ELIGIBILITY_VIOLATIONS = {
    "no_recontact_consent": "lacks_recontact_consent",
    "erasure_requested": "erasure_requested",
    "stop_use_requested": "stop_use_requested",
    "stop_contact_requested": "stop_contact_requested",
    "hired": "hired",
    "active_application": "open_application",
    "retention_expired": "use_allowed_until_passed",
    "deleted_in_source": "deleted_in_source",
}


def test_eligibility_compliance_fails_when_an_excluded_person_is_made_eligible(
    copied, personal_data
):
    made_eligible = {}
    for reason in ELIGIBILITY_VIOLATIONS:
        rows = query(
            copied,
            f"""
            select person_id from marts.recontact_eligibility
            where primary_exclusion_reason = '{reason}' order by person_id limit 1
            """,
        )
        assert rows, f"the generated export has nobody excluded as {reason}"
        made_eligible[reason] = rows[0][0]
    execute(
        copied,
        f"""
        update marts.recontact_eligibility
        set is_eligible = true, primary_exclusion_reason = null, exclusion_reasons = null
        where person_id in ({", ".join(repr(p) for p in made_eligible.values())})
        """,
    )

    outcome = compliance.run_suite(
        "eligibility_compliance", copied, run_id="seeded", as_of_date=AS_OF
    )

    assert not outcome.passed
    assert outcome.error is None
    assert set(ELIGIBILITY_VIOLATIONS.values()) <= failed_columns(outcome)
    assert outcome.unexpected_rows >= len(made_eligible)
    pseudonym = compliance.evidence_pseudonyms(copied)
    for reason, column in ELIGIBILITY_VIOLATIONS.items():
        assert pseudonym(made_eligible[reason]) in unexpected_keys(outcome, column, "person_id")
    # what GX lists is the person's salted pseudonym and the flag, nothing else; no
    # person_id of the warehouse is anywhere in the evidence (it outlives a purge)
    for item in results(outcome)["results"]:
        for row in item["result"].get("partial_unexpected_index_list", []):
            assert set(row) <= {"person_id", item["expectation_config"]["kwargs"]["column"]}
    entry = audit.read_entries(copied.audit_dir)[-1]
    assert entry["suite"] == "eligibility_compliance" and entry["passed"] is False
    assert entry["failed_expectations"] == outcome.failed_expectations
    evidence = evidence_text(copied.audit_dir)
    leaked = [value for value in personal_data if value in evidence]
    assert not leaked, f"personal data in the evidence: {len(leaked)} values"
    person_ids = {
        row[0] for row in query(copied, "select person_id from marts.recontact_eligibility")
    }
    assert not [person_id for person_id in person_ids if person_id in evidence]


def test_eligibility_compliance_does_not_trust_the_intermediate_models(copied):
    """The facts come from staging: a consent withdrawal added there (as if the rules'
    models had missed it) is caught although the marts still say eligible."""
    candidate_id, person_id = query(
        copied,
        """
        select candidate_id, person_id from marts.recontact_eligibility
        where is_eligible order by person_id limit 1
        """,
    )[0]
    execute(
        copied,
        f"""
        insert into intermediate.int_canonical__consent_events_conformed
            (source_system, consent_event_id, candidate_id, purpose, action,
             recorded_at, recorded_on, batch_id)
        values ('canonical', 'seeded-withdrawal', '{candidate_id}', 'recontact', 'withdrawn',
                timestamp '{AS_OF} 23:59:59', date '{AS_OF}', 'seeded')
        """,
    )

    outcome = compliance.run_suite(
        "eligibility_compliance", copied, run_id="seeded", as_of_date=AS_OF
    )

    assert not outcome.passed
    assert failed_columns(outcome) == {"lacks_recontact_consent"}
    assert unexpected_keys(outcome, "lacks_recontact_consent", "person_id") == {
        compliance.evidence_pseudonyms(copied)(person_id)
    }


def test_eligibility_compliance_fails_for_marts_of_another_day(paths):
    outcome = compliance.run_suite(
        "eligibility_compliance", paths, run_id="other-day", as_of_date="2026-11-26"
    )
    assert not outcome.passed
    assert "mart_as_of_matches" in failed_columns(outcome)


# ----------------------------------------------------------------------------------------
# purge_completeness
# ----------------------------------------------------------------------------------------


def test_purge_completeness_fails_when_the_queue_misses_or_adds_a_person(copied):
    dropped = query(
        copied,
        "select person_id from marts.retention_purge_queue"
        " where purge_reason = 'retention_expired' order by person_id limit 1",
    )[0][0]
    added = query(
        copied,
        "select person_id from marts.recontact_eligibility"
        " where is_eligible order by person_id limit 1",
    )[0][0]
    execute(
        copied,
        f"delete from marts.retention_purge_queue where person_id = '{dropped}'",
        f"""
        insert into marts.retention_purge_queue
        select source_system, candidate_id, person_id, as_of_date,
               'retention_expired', as_of_date
        from marts.recontact_eligibility where person_id = '{added}'
        """,
    )

    outcome = compliance.run_suite("purge_completeness", copied, run_id="seeded", as_of_date=AS_OF)

    assert not outcome.passed
    # the added person also has a due date the rules would not give them
    assert failed_columns(outcome) == {
        "overdue_not_queued",
        "queued_not_due",
        "queue_due_on_matches",
    }
    assert unexpected_keys(outcome, "overdue_not_queued", "person_id") == {
        compliance.evidence_pseudonyms(copied)(dropped)
    }
    assert unexpected_keys(outcome, "queued_not_due", "person_id") == {
        compliance.evidence_pseudonyms(copied)(added)
    }


def test_purge_completeness_fails_when_a_person_held_for_data_quality_is_queued(copied):
    """Rule set v1.1: the sample's held person (an active application with a typo in its
    year) is blocked, not queued. Moving them into the queue, as v1 did, fails the check;
    so does a blocked list that forgets them."""
    (held,) = query(copied, "select distinct person_id from marts.purge_blocked_by_quality")[0:1]
    held = held[0]
    execute(
        copied,
        f"""
        insert into marts.retention_purge_queue
        select source_system, candidate_id, person_id, as_of_date,
               would_be_purge_reason, as_of_date
        from marts.purge_blocked_by_quality where person_id = '{held}'
        """,
        f"delete from marts.purge_blocked_by_quality where person_id = '{held}'",
    )

    outcome = compliance.run_suite("purge_completeness", copied, run_id="held", as_of_date=AS_OF)

    assert not outcome.passed
    assert {"queued_not_due", "held_due_not_listed"} <= failed_columns(outcome)
    assert unexpected_keys(outcome, "queued_not_due", "person_id") == {
        compliance.evidence_pseudonyms(copied)(held)
    }
    assert unexpected_keys(outcome, "held_due_not_listed", "person_id") == {
        compliance.evidence_pseudonyms(copied)(held)
    }


def purge(paths: WarehousePaths, candidate_ids: set[str], *, spare: tuple[str, ...] = ()) -> None:
    """Remove every row of these candidates from every warehouse table and archived file
    (as the purge job must), except from the relations or archived tables in `spare`."""
    ids = ", ".join(f"'{candidate_id}'" for candidate_id in sorted(candidate_ids))
    persons = ", ".join(
        f"md5('canonical|{candidate_id}')" for candidate_id in sorted(candidate_ids)
    )
    applications = sorted(
        {
            application_id
            for (application_id,) in query(
                paths,
                f"select application_id from staging.stg_canonical__applications"
                f" where candidate_id in ({ids})",
            )
        }
    )
    apps = ", ".join(f"'{application_id}'" for application_id in applications) or "null"
    tables = query(
        paths,
        """
        select table_schema, table_name, list(column_name)
        from information_schema.columns
        where table_catalog = current_database()
          and (table_schema, table_name) in (
              select table_schema, table_name from information_schema.tables
              where table_type = 'BASE TABLE')
        group by all
        """,
    )
    statements = []
    for schema, table, columns in tables:
        if f"{schema}.{table}" in spare:
            continue
        conditions = []
        if "candidate_id" in columns:
            conditions.append(f"candidate_id in ({ids})")
        if "application_id" in columns:
            conditions.append(f"application_id in ({apps})")
        if "person_id" in columns:
            conditions.append(f"person_id in ({persons})")
        if "record_key" in columns:
            conditions.append(
                f"(entity = 'candidates' and record_key in ({ids}))"
                f" or (entity = 'applications' and record_key in ({apps}))"
            )
        if conditions:
            statements.append(f"delete from {schema}.{table} where {' or '.join(conditions)}")
    execute(paths, *statements)

    for path in sorted((paths.archive_dir / "canonical").glob("*/*.parquet")):
        if path.stem not in spare:
            table = pq.read_table(path)
            keep = pa.array([True] * table.num_rows, type=pa.bool_())
            for column, values in (
                ("candidate_id", candidate_ids),
                ("application_id", applications),
            ):
                if column in table.column_names:
                    member = pc.is_in(
                        pc.cast(table[column], pa.string()),
                        value_set=pa.array(sorted(values), type=pa.string()),
                    )
                    keep = pc.and_(keep, pc.invert(pc.fill_null(member, False)))
            pq.write_table(table.filter(keep), path)


def queued_candidates(paths: WarehousePaths) -> set[str]:
    return {row[0] for row in query(paths, "select candidate_id from marts.retention_purge_queue")}


def test_purge_completeness_passes_after_a_complete_purge(copied):
    queued = queued_candidates(copied)
    assert len(queued) > 20
    purge(copied, queued)

    outcome = compliance.run_suite("purge_completeness", copied, run_id="purged", as_of_date=AS_OF)

    assert outcome.passed, outcome.failed_expectations
    assert query(copied, "select count(*) from marts.retention_purge_queue") == [(0,)]


def test_purge_completeness_covers_the_bi_releases(copied):
    """Issue 12: after a purge the purged persons' ids stayed in every BI release. A
    release published before the purge is a copy the erasure did not reach; the check
    fails until a publication after the purge replaces it (publish.py, "Releases kept")."""
    from orchestration import publish

    publish.publish(copied, release_id="before-purge")
    queued = queued_candidates(copied)
    purge(copied, queued)

    stale = compliance.run_suite("purge_completeness", copied, run_id="stale", as_of_date=AS_OF)
    assert not stale.passed
    assert "has_eligibility_row" in failed_columns(stale)

    publish.publish(copied, release_id="after-purge", keep=1)
    fresh = compliance.run_suite("purge_completeness", copied, run_id="fresh", as_of_date=AS_OF)
    assert fresh.passed, fresh.failed_expectations


def test_purge_completeness_fails_on_what_a_partial_purge_leaves_behind(copied):
    queued = sorted(queued_candidates(copied))
    # outreach/consent rows in staging, and the archive of privacy requests, left behind
    purge(
        copied,
        set(queued),
        spare=(
            "intermediate.int_canonical__consent_events_conformed",
            "staging.stg_canonical__consent_events",
            "privacy_requests",
        ),
    )

    outcome = compliance.run_suite("purge_completeness", copied, run_id="partial", as_of_date=AS_OF)

    assert not outcome.passed
    assert "has_eligibility_row" in failed_columns(outcome)
    found = results(outcome)["results"]
    residue = next(
        item
        for item in found
        if item["expectation_config"]["kwargs"]["column"] == "has_eligibility_row"
    )
    assert residue["result"]["unexpected_count"] >= 1


def test_purge_completeness_fails_while_the_archive_keeps_a_purged_person(copied):
    """Issue 12: erasure reaches every copy; the archive of loaded batches is one."""
    queued = queued_candidates(copied)
    purge(copied, queued, spare=("candidates",))  # the archived candidates files kept

    outcome = compliance.run_suite("purge_completeness", copied, run_id="archive", as_of_date=AS_OF)
    assert not outcome.passed
    assert "has_eligibility_row" in failed_columns(outcome)

    purge(copied, queued)
    outcome = compliance.run_suite("purge_completeness", copied, run_id="done", as_of_date=AS_OF)
    assert outcome.passed, outcome.failed_expectations


def test_purge_completeness_fails_when_application_rows_lose_their_owner(copied):
    """Evaluations kept after their application and candidate are gone cannot be traced
    to a person any more: they are flagged as unlinked."""
    queued = sorted(queued_candidates(copied))
    purge(copied, set(queued), spare=("intermediate.int_canonical__evaluations_conformed",))
    kept = query(
        copied,
        "select count(*) from intermediate.int_canonical__evaluations_conformed"
        " where application_id not in"
        " (select application_id from staging.stg_canonical__applications)",
    )[0][0]
    assert kept > 0

    outcome = compliance.run_suite("purge_completeness", copied, run_id="orphans", as_of_date=AS_OF)

    assert not outcome.passed
    assert "is_linked" in failed_columns(outcome)


def test_purge_completeness_warns_about_suppressed_re_deliveries_without_failing(copied):
    """A person purged earlier and re-delivered later is held only as `suppressed` rows
    (and the raw and archived rows they came from): reported as a warning, not a failure."""
    candidate_id = sorted(queued_candidates(copied))[0]
    staging_tables = tuple(
        f"staging.{table}"
        for (table,) in query(
            copied,
            "select table_name from information_schema.tables"
            " where table_schema = 'staging' and table_name like 'stg_canonical__%'",
        )
    )
    purge(copied, {candidate_id}, spare=(*staging_tables, *CANONICAL_ENTITIES))
    statements = []
    for table in staging_tables:
        columns = {row[0] for row in query(copied, f"select column_name from (describe {table})")}
        if "candidate_id" in columns:
            statements.append(
                f"update {table} set _fate = 'suppressed' where candidate_id = '{candidate_id}'"
            )
        elif "application_id" in columns:
            statements.append(
                f"update {table} set _fate = 'suppressed' where application_id in"
                " (select application_id from staging.stg_canonical__applications"
                f" where candidate_id = '{candidate_id}')"
            )
    execute(copied, *statements)

    outcome = compliance.run_suite(
        "purge_completeness", copied, run_id="tombstoned", as_of_date=AS_OF
    )

    assert outcome.passed, outcome.failed_expectations
    assert outcome.failed_expectations == [
        "expect_column_values_to_be_in_set(held_only_as_suppressed) [warning]"
    ]
    assert outcome.unexpected_rows == 0
    person_id = query(copied, f"select md5('canonical|{candidate_id}')")[0][0]
    assert unexpected_keys(outcome, "held_only_as_suppressed", "person_id") == {
        compliance.evidence_pseudonyms(copied)(person_id)
    }


# ----------------------------------------------------------------------------------------
# forbidden_data
# ----------------------------------------------------------------------------------------


def test_forbidden_data_fails_on_a_forbidden_column(copied):
    execute(
        copied,
        "alter table intermediate.int_canonical__candidates_conformed add column religion varchar",
        'create table marts.extra (candidate_id varchar, "出身地" varchar, placeOfBirth varchar)',
    )

    outcome = compliance.run_suite("forbidden_data", copied, run_id="seeded", as_of_date=AS_OF)

    assert not outcome.passed
    keys = unexpected_keys(outcome, "matched_term", "finding_key")
    assert {
        "intermediate.int_canonical__candidates_conformed.religion",
        "marts.extra.出身地",
        "marts.extra.placeOfBirth",
    } <= keys
    assert not any(key.startswith("evaluation ") for key in keys)


def test_forbidden_data_fails_on_an_evaluation_mentioning_a_forbidden_term(copied):
    evaluation = query(
        copied,
        "select * from intermediate.int_canonical__evaluations_conformed"
        " order by evaluation_id limit 1",
    )
    assert evaluation
    execute(
        copied,
        """
        insert into intermediate.int_canonical__evaluations_conformed
            (source_system, evaluation_id, application_id, strengths, concerns, batch_id)
        select source_system, 'seeded-1', application_id, '本籍は北海道、誠実な人柄', null, 'seeded'
        from intermediate.int_canonical__evaluations_conformed order by evaluation_id limit 1
        """,
        """
        insert into intermediate.int_canonical__evaluations_conformed
            (source_system, evaluation_id, application_id, strengths, concerns, batch_id)
        select source_system, 'seeded-2', application_id, 'Clear communicator',
               'Asked about her Place-of-Birth in the interview', 'seeded'
        from intermediate.int_canonical__evaluations_conformed order by evaluation_id limit 1
        """,
    )

    outcome = compliance.run_suite("forbidden_data", copied, run_id="seeded", as_of_date=AS_OF)

    assert not outcome.passed
    assert outcome.failed_expectations == ["expect_column_values_to_be_null(matched_term)"]
    found = {
        row["finding_key"]: row["matched_term"]
        for item in results(outcome)["results"]
        for row in item["result"].get("partial_unexpected_index_list", [])
    }
    pseudonym = compliance.evidence_pseudonyms(copied)
    assert found == {
        f"evaluation {pseudonym('canonical seeded-1')}": "本籍",
        f"evaluation {pseudonym('canonical seeded-2')}": "place of birth",
    }
    text = evidence_text(copied.audit_dir)
    assert "北海道" not in text and "Asked about her" not in text


def test_forbidden_data_matches_whole_words_and_fragments_only(copied):
    """`region` is not `religion`, `trace_id` is not `race`, `embraces` is not `race`."""
    execute(
        copied,
        "create table marts.innocent (trace_id varchar, regional_office varchar, races_won int)",
        """
        insert into intermediate.int_canonical__evaluations_conformed
            (source_system, evaluation_id, application_id, strengths, batch_id)
        select source_system, 'seeded-ok', application_id,
               'Embraces change; traced a production bug; 思考力が高い', 'seeded'
        from intermediate.int_canonical__evaluations_conformed order by evaluation_id limit 1
        """,
    )

    outcome = compliance.run_suite("forbidden_data", copied, run_id="innocent", as_of_date=AS_OF)

    assert outcome.passed, outcome.failed_expectations


def test_forbidden_data_fails_without_a_deny_list(copied):
    execute(copied, "delete from reference.forbidden_data_terms")
    outcome = compliance.run_suite("forbidden_data", copied, run_id="empty", as_of_date=AS_OF)
    assert not outcome.passed
    assert "deny_list_terms" in failed_columns(outcome)


# ----------------------------------------------------------------------------------------
# landing_reconciliation
# ----------------------------------------------------------------------------------------


def test_landing_reconciliation_fails_when_staging_lost_or_invented_loaded_rows(copied):
    """The loader's record of rows per file (raw._loaded_files) against what staging
    landed: a file's rows one short in staging, another's one more, both named."""
    files = dict(
        query(
            copied,
            "select regexp_extract(file, '/([a-z_]+)\\.', 1), min(file) from raw._loaded_files"
            " where rows > 0 group by 1",
        )
    )
    lost, invented = files["applications"], files["consent_events"]
    execute(
        copied,
        f"update raw._loaded_files set rows = rows + 1 where file = '{lost}'",
        f"update raw._loaded_files set rows = rows - 1 where file = '{invented}'",
    )

    outcome = compliance.run_suite(
        "landing_reconciliation", copied, run_id="seeded", as_of_date=AS_OF
    )

    assert not outcome.passed
    assert outcome.failed_expectations == [
        "expect_column_pair_values_to_be_equal(loaded_rows, landed_rows)"
    ]
    keys = {
        row["reconciliation_key"]
        for item in results(outcome)["results"]
        for row in item["result"].get("partial_unexpected_index_list", [])
    }
    assert keys == {
        f"applications/{lost.split('/')[1]}",
        f"consent_events/{invented.split('/')[1]}",
    }


def test_landing_reconciliation_checks_every_landed_row_has_one_fate(copied):
    def run() -> compliance.SuiteOutcome:
        return compliance.run_suite(
            "landing_reconciliation", copied, run_id="fates", as_of_date=AS_OF
        )

    (batch_id,) = query(
        copied,
        "select min(batch_id) from intermediate.int_canonical__landing_reconciliation"
        " where entity = 'candidates' and staged_rows > 0",
    )[0]
    lost_fate = f"where entity = 'candidates' and batch_id = '{batch_id}'"
    execute(
        copied,
        "update intermediate.int_canonical__landing_reconciliation"
        f" set staged_rows = staged_rows - 1 {lost_fate}",
    )
    outcome = run()
    assert not outcome.passed
    assert outcome.failed_expectations == [
        "expect_column_pair_values_to_be_equal(landed_rows, accounted_rows)"
    ]

    # suppressed rows (re-deliveries of purged persons) account for landed rows too ...
    execute(
        copied,
        "update intermediate.int_canonical__landing_reconciliation"
        f" set suppressed_rows = suppressed_rows + 1 {lost_fate}",
    )
    assert run().passed

    # ... and a warehouse built before that fate existed (no such column) is read as 0
    execute(
        copied,
        "alter table intermediate.int_canonical__landing_reconciliation"
        " drop column suppressed_rows",
    )
    assert not run().passed
    execute(
        copied,
        "update intermediate.int_canonical__landing_reconciliation"
        f" set staged_rows = staged_rows + 1 {lost_fate}",
    )
    assert run().passed


# ----------------------------------------------------------------------------------------
# a check that cannot run is a failed check, recorded
# ----------------------------------------------------------------------------------------


def test_a_suite_that_cannot_run_fails_and_is_recorded(tmp_path):
    paths = WarehousePaths(
        landing_dir=tmp_path / "landing",
        duckdb_path=tmp_path / "missing.duckdb",
        state_dir=tmp_path / "state",
        audit_dir=tmp_path / "audit",
        publish_dir=tmp_path / "published",
    )
    outcome = compliance.run_suite(
        "eligibility_compliance", paths, run_id="broken", as_of_date=AS_OF
    )

    assert not outcome.passed
    assert outcome.error
    assert outcome.results_path.exists()
    (entry,) = audit.read_entries(paths.audit_dir)
    assert entry["passed"] is False and entry["error"] == outcome.error
    assert not (tmp_path / "missing.duckdb").exists()
