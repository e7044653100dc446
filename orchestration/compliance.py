"""Compliance checks: Great Expectations suites run on frames read from the warehouse.

Each suite in ``expectations/<suite>.json`` (reviewed by compliance, see
``expectations/README.md``) validates one pandas frame, built by the read-only DuckDB
query ``expectations/<suite>.sql`` with D bound to ``$as_of``. GX runs on pandas, never
against DuckDB itself: the frame is read through a read-only connection that is closed
before validation starts, and holds only the columns the suite needs -- ids (person_id, a
pseudonymous hash), dates, booleans and counts, never names, e-mails, phones or text.

A run writes its evidence under ``<audit_dir>/runs/<run_id>/``:

    results/<suite>.json     the GX validation result (counts; at most 20 unexpected rows,
                             identified by the suite's key column only, a person's id
                             as a salted hash: pseudonymized_key)
    data_docs/index.html     GX Data Docs of every suite validated in this run: a static site
                             a reviewer opens in a browser, without Dagster
    gx/validations/...       GX's own store of the results, from which Data Docs are built

and appends one entry per suite to the audit log (loader/audit.py).

    from orchestration.compliance import run_all, run_suite
    outcome = run_suite("eligibility_compliance", paths, run_id=run_id, as_of_date="2026-11-27")
    outcome.passed, outcome.unexpected_rows, outcome.results_path, outcome.data_docs_index
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from erasure.exports import registered_exports
from loader import audit, sql
from loader.contract import file_sha256
from loader.files import atomic_write
from loader.load import inputs_fingerprint
from loader.paths import PROJECT_DIR, WarehousePaths
from loader.tombstones import load_salt
from orchestration import processing_record, report
from orchestration.publish import release_dirs

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

log = logging.getLogger(__name__)

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
SUITES: tuple[str, ...] = (
    "eligibility_compliance",
    "purge_completeness",
    "forbidden_data",
    "landing_reconciliation",
)
PARTIAL_UNEXPECTED_COUNT = 20
DATA_DOCS_SITE = "compliance_evidence"
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}")


@dataclass
class SuiteOutcome:
    """What one suite found; counts and paths only (safe to log and to show in Dagster).

    passed is False when an expectation of severity `critical` failed (a `warning` one is
    listed in failed_expectations, marked, but does not fail the suite) or when the suite
    could not run (error). evaluated_rows is the number of rows of the frame;
    unexpected_rows adds up the unexpected rows the critical expectations reported (a row
    breaking two expectations counts twice); failed_expectations names each failed
    expectation with its column(s).
    """

    suite: str
    passed: bool
    evaluated_rows: int
    unexpected_rows: int
    failed_expectations: list[str]
    results_path: Path
    data_docs_index: Path
    error: str | None = None
    audit_entry: dict = field(default_factory=dict, repr=False)


class ComplianceError(RuntimeError):
    """A suite could not be run at all (bad name, bad run id)."""


# --------------------------------------------------------------------------------------
# Suites and their frames
# --------------------------------------------------------------------------------------


def suite_path(suite: str) -> Path:
    return EXPECTATIONS_DIR / f"{suite}.json"


def sql_path(suite: str) -> Path:
    return EXPECTATIONS_DIR / f"{suite}.sql"


def load_suite_definition(suite: str) -> dict:
    """The suite's JSON as kept in git."""
    if suite not in SUITES:
        raise ComplianceError(f"unknown suite {suite!r}; the suites are {', '.join(SUITES)}")
    return json.loads(suite_path(suite).read_text(encoding="utf-8"))


def suite_fingerprint(suite: str) -> str:
    """sha256 of the suite's JSON and SQL, so an audit entry names the exact check run."""
    digest = hashlib.sha256()
    for path in (suite_path(suite), sql_path(suite)):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


# forbidden_data names an evaluation finding 'evaluation <evaluation_id>'.
EVALUATION_FINDING = "evaluation "
# The salt, registered on the reading connection as this relation: never in SQL text.
SALT_RELATION = "evidence_salt"


def pseudonymized_key(column: str) -> str | None:
    """The SQL that replaces a frame column naming a person (person_id; an evaluation
    finding's evaluation_id) by its evidence pseudonym, sha256 of ``salt|value``
    (evidence_pseudonyms); None for a column that names no one. Column findings of
    forbidden_data (`<relation>.<column>`) stay readable."""
    salt = f"(select salt from {SALT_RELATION})"
    if column == "person_id":
        return f"sha256({salt} || '|' || person_id)"
    if column == "finding_key":
        prefix = sql.literal(EVALUATION_FINDING)
        return (
            f"case when starts_with(finding_key, {prefix}) then {prefix}"
            f" || sha256({salt} || '|' || substr(finding_key, {len(EVALUATION_FINDING) + 1}))"
            " else finding_key end"
        )
    return None


def run_frame_query(
    connection: duckdb.DuckDBPyConnection, suite: str, as_of_date: str, salt: str
) -> pd.DataFrame:
    """The suite's frame, its person-naming keys pseudonymized by DuckDB as it is read
    (pseudonymized_key): the ids themselves never reach Python."""
    query = sql_path(suite).read_text(encoding="utf-8").strip().rstrip(";")
    parameters = {"as_of": as_of_date} if "$as_of" in query else {}
    columns = [row[0] for row in connection.execute(f"describe {query}", parameters).fetchall()]
    selected = ", ".join(
        f"{pseudonymized_key(column)} as {sql.identifier(column)}"
        if pseudonymized_key(column)
        else sql.identifier(column)
        for column in columns
    )
    connection.register(SALT_RELATION, pd.DataFrame({"salt": [salt]}))
    try:
        return connection.execute(f"select {selected} from ({query}) as frame", parameters).df()
    finally:
        connection.unregister(SALT_RELATION)


def register_person_references(
    connection: duckdb.DuckDBPyConnection,
    archive_dir: Path | None = None,
    publish_dir: Path | None = None,
    state_dir: Path | None = None,
) -> None:
    """Create the temporary view `person_references` that purge_completeness.sql reads.

    One row per row of every base table of the warehouse (any schema) that has a
    candidate_id, application_id or person_id column (the raw tables the loader fills
    included, relation `raw.<source>__<table>`), or is a quarantine list (entity +
    record_key); per row of the archive's copies of the raw tables, when an archive is
    kept (relation `archive:<source>/<table>`, loader/load.py); per row of every
    mart of every BI release under publish_dir (relation `published:<release>/<mart>`): a
    purged person left in any release is a copy the erasure did not reach; and per row of
    every outreach export file registered in state_dir (relation `export:<file>`). Only
    those key columns are read. A view, not a table: the query reads it once, reducing it
    to each distinct reference as it scans (tens of millions of rows at 1M candidates).
    """
    selects: list[str] = []

    def add(
        relation: str,
        reader: str,
        source: str,
        candidate: str,
        application: str,
        person: str = "null",
        suppressed: str = "false",
    ) -> None:
        selects.append(
            f"select {sql.literal(relation)} as relation, {source} as source_system,"
            f" {candidate} as candidate_id, {application} as application_id,"
            f" {person} as person_id, {suppressed} as is_suppressed from {reader}"
        )

    def text(names: dict[str, str] | set[str], name: str) -> str:
        if name not in names:
            return "null"
        actual = names[name] if isinstance(names, dict) else name
        return f"cast({sql.identifier(actual)} as varchar)"

    def header(reader: str) -> set[str]:
        described = connection.execute(f"describe select * from {reader}").fetchall()
        return {row[0].lower() for row in described}

    for (schema, table), actual in sql.base_tables(connection).items():
        names = {name.lower(): name for name in actual}
        if "candidate_id" in names or "application_id" in names or "person_id" in names:
            candidate, application = text(names, "candidate_id"), text(names, "application_id")
        elif "entity" in names and "record_key" in names:
            entity, key = text(names, "entity"), text(names, "record_key")
            candidate = f"case when {entity} = 'candidates' then {key} end"
            application = f"case when {entity} = 'applications' then {key} end"
        else:
            continue
        suppressed = "false"
        if "_fate" in names:
            suppressed = f"coalesce({sql.identifier(names['_fate'])} = 'suppressed', false)"
        # a raw table (raw.<source>__<table>) holds the landed text of one source
        source = text(names, "source_system")
        if schema == "raw" and "__" in table:
            source = sql.literal(table.split("__")[0])
            candidate = f"nullif(trim({candidate}), '')"
            application = f"nullif(trim({application}), '')"
        reader = f"{sql.identifier(schema)}.{sql.identifier(table)}"
        add(
            f"{schema}.{table}",
            reader,
            source,
            candidate,
            application,
            text(names, "person_id"),
            suppressed,
        )
    # the archive: per source and table, every batch's Parquet copy of the raw rows
    archived = sorted(
        {(path.parent.parent.name, path.stem) for path in archive_dir.glob("*/*/*.parquet")}
        if archive_dir is not None
        else set()
    )
    for source, table in archived:
        files = (archive_dir / source / "*" / f"{table}.parquet").as_posix()  # type: ignore[operator]
        reader = f"read_parquet({sql.literal(files)}, union_by_name = true)"
        names = header(reader)
        if names & {"candidate_id", "application_id"}:
            candidate, application = (
                f"nullif(trim({text(names, key)}), '')" if key in names else "null"
                for key in ("candidate_id", "application_id")
            )
            add(f"archive:{source}/{table}", reader, sql.literal(source), candidate, application)
    # the outreach export files handed to the mailing tool (recontact-outreach v1)
    for export in registered_exports(state_dir) if state_dir is not None else []:
        reader = f"read_csv({sql.literal(str(export))}, header = true, all_varchar = true)"
        add(f"export:{export.name}", reader, "source_system", "candidate_id", "null")
    releases = release_dirs(publish_dir) if publish_dir is not None else []
    for parquet in [mart for release in releases for mart in sorted(release.glob("*.parquet"))]:
        reader = f"read_parquet({sql.literal(str(parquet))})"
        names = header(reader)
        if names & {"candidate_id", "person_id"}:
            add(
                f"published:{parquet.parent.name}/{parquet.stem}",
                reader,
                text(names, "source_system"),
                text(names, "candidate_id"),
                "null",
                text(names, "person_id"),
            )
    body = "\nunion all\n".join(selects) or (
        "select null::varchar as relation, null::varchar as source_system,"
        " null::varchar as candidate_id, null::varchar as application_id,"
        " null::varchar as person_id, false as is_suppressed where false"
    )
    connection.execute(
        "create or replace temporary view person_references as select * from"
        f" ({body}) where coalesce(candidate_id, application_id, person_id) is not null"
    )


def check_connection_settings() -> dict[str, str]:
    """Bounded memory for the checks' queries: DuckDB spills beyond the limit to a temp
    directory of its own (the warehouse file is opened read-only). RECONTACT_CHECK_MEMORY
    overrides the limit."""
    spill = Path(tempfile.gettempdir()) / "recontact-checks-spill"
    spill.mkdir(parents=True, exist_ok=True)
    return {
        "memory_limit": os.environ.get("RECONTACT_CHECK_MEMORY", "3GB"),
        "temp_directory": str(spill),
    }


def build_frame(
    suite: str, paths: WarehousePaths, as_of_date: str
) -> tuple[pd.DataFrame, str | None]:
    """The suite's frame, person keys pseudonymized, and the rule_set_version of the marts,
    through a read-only connection that is closed before returning (GX never holds the
    warehouse)."""
    with duckdb.connect(
        str(paths.duckdb_path), read_only=True, config=check_connection_settings()
    ) as connection:
        if suite == "purge_completeness":
            register_person_references(
                connection, paths.archive_dir, paths.publish_dir, paths.state_dir
            )
        frame = run_frame_query(connection, suite, as_of_date, evidence_salt(paths))
        try:
            rule_set_version = connection.execute(
                "select any_value(rule_set_version) from marts.recontact_eligibility"
            ).fetchone()[0]
        except duckdb.Error:
            rule_set_version = None
    return frame, rule_set_version


# --------------------------------------------------------------------------------------
# Great Expectations
# --------------------------------------------------------------------------------------


def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    return gx


def gx_context(run_dir: Path) -> AbstractDataContext:
    """An ephemeral GX context whose results and Data Docs are files of this run.

    Expectation suites, validation definitions and checkpoints live in memory (the suites
    are loaded from expectations/*.json each time); validation results are kept under
    run_dir/gx/validations, so Data Docs built after any suite of the run list them all.
    """
    gx = _gx()
    from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig

    def in_memory(class_name: str) -> dict:
        return {"class_name": class_name, "store_backend": {"class_name": "InMemoryStoreBackend"}}

    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        stores={
            "expectations_store": in_memory("ExpectationsStore"),
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(run_dir / "gx" / "validations"),
                },
            },
            "checkpoint_store": in_memory("CheckpointStore"),
            "validation_definition_store": in_memory("ValidationDefinitionStore"),
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={
            DATA_DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(run_dir / "data_docs"),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def evidence_pseudonyms(paths: WarehousePaths) -> Callable[[str], str]:
    """How the evidence names a person's records: sha256 of ``salt|value`` with the purge's
    salt (<state>/tombstone_salt, created on first use), so the evidence outlives a purge
    without keeping anyone. Whoever holds the salt and the warehouse can find the row again
    (expectations/README.md); the evidence alone names no one. The frames compute the same
    in SQL (pseudonymized_key); this is the lookup a reviewer, or a test, does."""
    salt = evidence_salt(paths)
    return lambda value: hashlib.sha256(f"{salt}|{value}".encode()).hexdigest()


def evidence_salt(paths: WarehousePaths) -> str:
    """The purge's salt (<state>/tombstone_salt), created on first use."""
    return load_salt(paths.state_dir, create=True)


def result_format(key_column: str | None) -> dict:
    """Counts, and at most PARTIAL_UNEXPECTED_COUNT unexpected rows named by the key column.

    The frames carry no personal data and their person keys are pseudonymized
    (pseudonymized_key), so whatever GX lists is a salted hash, a flag or a count."""
    chosen: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT,
    }
    if key_column:
        chosen["unexpected_index_column_names"] = [key_column]
    return chosen


def validate(suite: str, frame: pd.DataFrame, run_id: str, run_dir: Path):
    """Run the suite on the frame through a Checkpoint that updates this run's Data Docs."""
    gx = _gx()
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier

    context = gx_context(run_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in SUITES:  # every suite's page is in the docs, run or not
            context.suites.add(gx.ExpectationSuite(**load_suite_definition(name)))
    expectation_suite = context.suites.get(suite)
    key_column = (expectation_suite.meta or {}).get("key_column")
    batch_definition = (
        context.data_sources.add_pandas("warehouse_frames")
        .add_dataframe_asset(suite)
        .add_batch_definition_whole_dataframe("whole_frame")
    )
    validation_definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite, data=batch_definition, suite=expectation_suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"{suite}_checkpoint",
            validation_definitions=[validation_definition],
            actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
            result_format=result_format(key_column),
        )
    )
    checkpoint_result = checkpoint.run(
        batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_id)
    )
    (validation_result,) = checkpoint_result.run_results.values()
    return validation_result


def _severity(item: dict) -> str:
    return item.get("expectation_config", {}).get("severity") or "critical"


def failed_expectation_names(result: dict) -> list[str]:
    """`type(column, ...)` of each failed expectation; `[warning]` when it does not block."""
    names = []
    for item in result.get("results", []):
        if item.get("success"):
            continue
        config = item.get("expectation_config", {})
        kwargs = config.get("kwargs", {})
        columns = [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
        columns += list(kwargs.get("column_list") or [])
        severity = "" if _severity(item) == "critical" else f" [{_severity(item)}]"
        names.append(f"{config.get('type')}({', '.join(columns)}){severity}")
    return names


def critical_failure(result: dict) -> bool:
    """A failed expectation of severity critical (GX's default) fails the suite; a failed
    `warning` expectation shows in the evidence and Data Docs but does not block."""
    if not result.get("results"):
        return not result.get("success", False)
    return any(
        not item.get("success") and _severity(item) == "critical" for item in result["results"]
    )


def unexpected_total(result: dict) -> int:
    """Unexpected rows reported by the critical expectations, added up."""
    return sum(
        int((item.get("result") or {}).get("unexpected_count") or 0)
        for item in result.get("results", [])
        if _severity(item) == "critical"
    )


def prune_data_docs(site: Path) -> None:
    """Drop GX's how-to images (about 3.4 MB per run) that no page of the site uses."""
    images = site / "static" / "images"
    if not images.is_dir():
        return
    used = set()
    for page in site.rglob("*"):
        if page.suffix in (".html", ".css") and page.is_file():
            used.update(re.findall(r"static/images/([A-Za-z0-9_.-]+)", page.read_text("utf-8")))
    for image in images.iterdir():
        if image.is_file() and image.name not in used:
            image.unlink()


# --------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------


def run_directory(paths: WarehousePaths, run_id: str) -> Path:
    if not RUN_ID_PATTERN.fullmatch(run_id) or ".." in run_id:
        raise ComplianceError(
            f"run id {run_id!r} is not usable as a directory name "
            "(letters, digits and . _ : + - only)"
        )
    return paths.audit_dir / "runs" / run_id


@contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Serialise the suites of one run that write the same Data Docs site."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / ".lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def evidence_file(run_dir: Path, suite: str) -> Path:
    """results/<suite>.json, or <suite>.2.json ... when the suite runs again in this run."""
    results = run_dir / "results"
    results.mkdir(parents=True, exist_ok=True)
    candidate = results / f"{suite}.json"
    attempt = 1
    while candidate.exists():
        attempt += 1
        candidate = results / f"{suite}.{attempt}.json"
    return candidate


def write_json(path: Path, value: Any) -> None:
    """Evidence written whole (loader/files.py): never half-written."""
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    atomic_write(path, text.encode("utf-8"))


def describe_error(error: BaseException) -> str:
    """The error's type and first line, quoted literals blanked (they could be data)."""
    first_line = (str(error).strip().splitlines() or [""])[0]
    first_line = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", first_line)[:300]
    return f"{type(error).__name__}: {first_line}"


def run_suite(
    suite: str,
    paths: WarehousePaths,
    *,
    run_id: str,
    as_of_date: str,
    inputs_hash: str | None = None,
) -> SuiteOutcome:
    """Validate one suite, write its evidence and append its audit entry.

    A suite that cannot be evaluated (no warehouse, a missing table, a query error) is a
    failed outcome with `error` set, recorded like any other: a blocking check then blocks.
    inputs_hash defaults to load.inputs_fingerprint(paths.duckdb_path), the record of what
    was loaded (run_all computes it once for all suites).
    """
    as_of_date = date.fromisoformat(str(as_of_date)).isoformat()
    load_suite_definition(suite)  # fails early on an unknown suite
    run_dir = run_directory(paths, run_id)
    audit_dir = paths.audit_dir
    docs_index = run_dir / "data_docs" / "index.html"
    if inputs_hash is None:
        inputs_hash = inputs_fingerprint(paths.duckdb_path)
    rule_set_version = None
    error = None
    evaluated_rows = unexpected_rows = 0
    failed: list[str] = []
    with run_lock(run_dir):
        results_path = evidence_file(run_dir, suite)
        try:
            frame, rule_set_version = build_frame(suite, paths, as_of_date)
            evaluated_rows = len(frame)
            result = validate(suite, frame, run_id, run_dir).to_json_dict()
            del frame
            passed = not critical_failure(result)
            failed = failed_expectation_names(result)
            unexpected_rows = unexpected_total(result)
            result.setdefault("meta", {})["recontact"] = {
                "passed": passed,
                "as_of_date": as_of_date,
                "rule_set_version": rule_set_version,
                "inputs_hash": inputs_hash,
                "evaluated_rows": evaluated_rows,
                "suite_sha256": suite_fingerprint(suite),
            }
            write_json(results_path, result)
            prune_data_docs(run_dir / "data_docs")
        except Exception as exception:  # noqa: BLE001 - an unevaluable check is a failed check
            passed = False
            error = describe_error(exception)
            failed = []
            write_json(
                results_path,
                {"suite_name": suite, "success": False, "error": error, "as_of_date": as_of_date},
            )
        entry = audit.append_entry(
            audit_dir,
            {
                "event": "compliance_suite",
                "suite": suite,
                "run_id": run_id,
                "as_of_date": as_of_date,
                "rule_set_version": rule_set_version,
                "passed": passed,
                "evaluated_rows": evaluated_rows,
                "unexpected_rows": unexpected_rows,
                "failed_expectations": failed,
                "error": error,
                "inputs_hash": inputs_hash,
                "suite_sha256": suite_fingerprint(suite),
                "evidence": results_path.relative_to(audit_dir).as_posix(),
                "evidence_sha256": file_sha256(results_path),
                "data_docs": docs_index.relative_to(audit_dir).as_posix(),
            },
        )
    log.info(
        "compliance suite %s as of %s: %s (%d rows, %d unexpected%s)",
        suite,
        as_of_date,
        "passed" if passed else "FAILED",
        evaluated_rows,
        unexpected_rows,
        f"; {error}" if error else "",
    )
    return SuiteOutcome(
        suite=suite,
        passed=passed,
        evaluated_rows=evaluated_rows,
        unexpected_rows=unexpected_rows,
        failed_expectations=failed,
        results_path=results_path,
        data_docs_index=docs_index,
        error=error,
        audit_entry=entry,
    )


def run_all(
    paths: WarehousePaths,
    *,
    run_id: str,
    as_of_date: str,
    suites: Iterable[str] = SUITES,
) -> list[SuiteOutcome]:
    """Every suite (or the ones named) in one run: one evidence directory, one Data Docs
    site, one audit entry per suite, and beside them the record of processing
    (processing_record.py) and the report a reviewer reads (report.py); the record of what
    was loaded is fingerprinted once."""
    inputs_hash = inputs_fingerprint(paths.duckdb_path)
    outcomes = [
        run_suite(suite, paths, run_id=run_id, as_of_date=as_of_date, inputs_hash=inputs_hash)
        for suite in suites
    ]
    if paths.duckdb_path.exists():
        run_dir = run_directory(paths, run_id)
        processing_record.write_record(paths, run_dir, as_of_date=as_of_date, run_id=run_id)
        report.write_report(paths, run_dir, run_id=run_id, as_of_date=as_of_date)
    return outcomes
