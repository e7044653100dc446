"""Dagster assets: the raw tables (one load asset per source), every dbt model (tests as
asset checks), the Great Expectations compliance checks, the BI publication, and the
outreach drafts with the export job a person launches (recontact-outreach v1).

Thin and manifest-driven: the dbt graph comes from the manifest, the landing sources
from its `sources:`; nothing here lists models by hand. Every step that touches the
DuckDB file runs in one concurrency pool (limit 1 in dagster_home/dagster.yaml),
because DuckDB allows a single writer and a writer blocks readers.
"""

import json
import re
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliResource,
    DbtProject,
    dbt_assets,
    get_asset_key_for_model,
)
from pydantic import Field

from loader import sql
from loader.audit import append_entry
from loader.contract import MART_KEYS
from loader.intake import IntakeError
from loader.load import inputs_fingerprint, load
from loader.paths import PROJECT_DIR, WarehousePaths
from orchestration import compliance, processing_record, report
from orchestration.outreach import ExportRefused, export_drafts
from orchestration.partitions import as_of_dates, run_as_of_date
from orchestration.publish import current_release, publish
from orchestration.warehouse import (
    DAILY_RUN_EXCLUDES,
    WarehouseChanged,
    begin_build,
    building_paths,
    environment,
    promote_build,
)

WAREHOUSE_POOL = "recontact_warehouse"
# The checked build swapped in as the warehouse; the publication and the drafts follow it.
PROMOTED_WAREHOUSE = dg.AssetKey("promoted_warehouse")

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
dbt_project.prepare_if_dev()  # parses under `dagster dev` only
if not dbt_project.manifest_path.exists():
    # Never parsed at import time: `make dev`, CI and the tests prepare it first.
    raise RuntimeError(
        f"{dbt_project.manifest_path} is missing: prepare the dbt manifest first"
        " (`make dev` does; or `.venv/bin/dbt parse`)"
    )


class RecontactTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folders (staging, intermediate, marts), seeds are `reference`."""

    def get_group_name(self, dbt_resource_props) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if dbt_resource_props["resource_type"] == "source":
            return "raw"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "default"

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """A dbt test as a Dagster check, described in one line from its YAML (or, for a
        singular test, the first sentence of its leading comment)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=test_description(manifest["nodes"][unique_id]))

    def get_asset_spec(self, manifest, unique_id, project):
        """The drafts also wait for the models whose compliance checks are not upstream of
        them in dbt's lineage, so that every blocking check gates them as it gates the BI
        publication."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("model.") and unique_id.split(".")[-1] in OUTREACH_MODELS:
            gates = [
                super(RecontactTranslator, self)
                .get_asset_spec(manifest, f"model.recontact.{name}", project)
                .key
                for name in CHECKED_MODELS
            ]
            # the drafts are built in the warehouse the checked build was swapped into
            spec = spec.replace_attributes(deps=[*spec.deps, *gates, PROMOTED_WAREHOUSE])
        return spec


def test_description(test: dict) -> str:
    """What a dbt data test asserts, in one line: the generic test with its column and
    arguments as the YAML states them, or a singular test's leading comment."""
    metadata = test.get("test_metadata") or {}
    if not metadata:
        comment = re.match(r"\s*\{#-?(.*?)-?#\}", test.get("raw_code", ""), re.S)
        text = " ".join(comment.group(1).split()) if comment else test["name"]
        return text.split(". ")[0].rstrip(".")[:200]
    name, kwargs = metadata["name"], metadata.get("kwargs", {})
    model = (test.get("attached_node") or "").rsplit(".", 1)[-1]
    column = test.get("column_name")
    values = ", ".join(map(str, kwargs.get("values", [])))
    # `to` is "ref('model')" or "source('s', 't')": its last name
    parent = (re.findall(r"\w+", str(kwargs.get("to", ""))) or [""])[-1]
    described = {
        "unique": f"{column} is unique in {model}",
        "not_null": f"{column} is never null in {model}",
        "accepted_values": f"{column} of {model} is one of {values}",
        "relationships": f"every {column} of {model} is a {kwargs.get('field')} of {parent}",
        "unique_combination": f"one row per {', '.join(kwargs.get('columns', []))} in {model}",
        "assert_expression": f"{kwargs.get('expression')} holds on every row of {model}",
        "no_rows_where": f"no row of {model} where {kwargs.get('condition')}",
    }.get(name, f"{name} on {model}{'.' + column if column else ''}")
    severity = (test.get("config") or {}).get("severity", "ERROR").upper()
    return ("warning: " if severity == "WARN" else "") + described[:200]


# The restricted outreach models (schema `outreach`): built after the compliance checks.
OUTREACH_SELECTION = "path:dbt_project/models/outreach"
OUTREACH_MODELS = ("recontact_drafts",)
# The models the blocking compliance checks are attached to (COMPLIANCE_CHECKS below).
CHECKED_MODELS = (
    "recontact_eligibility",
    "retention_purge_queue",
    "int_canonical__evaluations_conformed",
    "int_canonical__landing_reconciliation",
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=RecontactTranslator(),
    pool=WAREHOUSE_POOL,
    exclude=OUTREACH_SELECTION,
    # one partition per D; the dbt var as_of_date is one day, so one run per day backfilled
    partitions_def=as_of_dates,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
)
def recontact_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` of the whole warehouse (seeds, models, data tests) as of D, the run's
    partition, from the raw tables the load assets filled (upstream in the same run), on a
    copy of the DuckDB file: the checks of this run read that copy, and
    `promoted_warehouse` swaps it in once every blocking check passed
    (orchestration/warehouse.py, begin_build)."""
    as_of_date = context.partition_key
    building = begin_build(WarehousePaths.from_env(), run_id=context.run.run_id)
    context.log.info(f"Building the warehouse as of {as_of_date} in {building.duckdb_path}")
    with environment(building.as_env()):  # the dbt subprocess starts inside
        invocation = dbt.cli(
            ["build", "--vars", json.dumps({"as_of_date": as_of_date}), *DAILY_RUN_EXCLUDES],
            context=context,
        )
    yield from invocation.stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=RecontactTranslator(),
    pool=WAREHOUSE_POOL,
    select=OUTREACH_SELECTION,
    name="recontact_outreach_drafts",
)
def recontact_outreach_drafts(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """outreach.recontact_drafts (personal data, schema `outreach`) as of the D of the
    decisions just built and checked: downstream of every blocking compliance check, so a
    failing check leaves the last drafts in place, as it leaves the last BI publication.
    Not for a past day (a backfill): nothing is drafted when BI shows a later D."""
    paths = WarehousePaths.from_env()
    as_of_date = warehouse_as_of_date(paths)
    if (latest := later_published_day(paths, as_of_date)) is not None:
        context.log.info(f"No drafts as of {as_of_date}: a past day, BI shows {latest}")
        return
    context.log.info(f"Drafting the outreach messages as of {as_of_date}")
    yield from dbt.cli(
        ["build", "--vars", json.dumps({"as_of_date": as_of_date}), *DAILY_RUN_EXCLUDES],
        context=context,
    ).stream()


class OutreachExportConfig(dg.Config):
    """What a person asks for when launching the export."""

    as_of_date: str = Field(description="YYYY-MM-DD: the D the drafts were built for")
    out: str = Field(description="the CSV file to write for the mailing tool (mode 0600)")


@dg.op(pool=WAREHOUSE_POOL)
def export_outreach_drafts(context: dg.OpExecutionContext, config: OutreachExportConfig) -> None:
    """`recontact outreach export`: the ready drafts of D with the recipients' addresses;
    refused when the drafts are not as of D. Logs counts and the file hash only."""
    try:
        exported = export_drafts(
            WarehousePaths.from_env(),
            config.as_of_date,
            Path(config.out),
            run_id=context.run.run_id,
        )
    except (ExportRefused, ValueError) as refused:
        raise dg.Failure(str(refused)) from None
    context.log.info(exported.render())


@dg.job(
    description="Export the ready outreach drafts of a D for the mailing tool. Launched by a"
    " person who reviewed the drafts; never on a schedule."
)
def outreach_export_job():
    export_outreach_drafts()


def load_assets() -> list[dg.AssetsDefinition]:
    """One asset per source: `recontact load` of the batches waiting in the landing into its
    raw tables (the dbt sources `<source>.<table>`, raw.<source>__<table>), which the dbt
    models read; a loaded batch leaves the landing."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    tables_by_source: dict[str, list[dict]] = {}
    for source in manifest["sources"].values():
        tables_by_source.setdefault(source["source_name"], []).append(source)
    return [_load_asset(name, tables) for name, tables in sorted(tables_by_source.items())]


def _load_asset(source_name: str, tables: list[dict]) -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            key=dg.AssetKey([source_name, table["name"]]),
            group_name="raw",
            description=f"{table['description']} Raw table raw.{table['identifier']}, loaded"
            f" from <RECONTACT_LANDING_DIR>/{source_name}/<batch_id>/{table['name']}.*",
            kinds={"duckdb"},
        )
        for table in sorted(tables, key=lambda table: table["name"])
    ]

    @dg.multi_asset(name=f"load_{source_name}", specs=specs, pool=WAREHOUSE_POOL)
    def load_source(context: dg.AssetExecutionContext):
        """The intake checks, then this source's batches in the landing into its raw tables,
        each then out of the landing (loader/load.py); counts only in the log and
        metadata."""
        try:
            report = load(WarehousePaths.from_env(), sources={source_name})
        except IntakeError as error:
            raise dg.Failure(str(error)) from None
        context.log.info(report.render())
        for table in tables:
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey([source_name, table["name"]]),
                metadata={
                    "rows_loaded_now": report.rows_by_table.get(table["identifier"], 0),
                    "batches_loaded_now": len(report.loaded),
                },
            )

    return load_source


def run_paths(run_id: str) -> WarehousePaths:
    """The warehouse a step of this run reads: the copy this run built and has not swapped in
    yet, else the warehouse itself."""
    paths = WarehousePaths.from_env()
    return building_paths(paths, run_id=run_id) or paths


def model_key(name: str) -> dg.AssetKey:
    return get_asset_key_for_model([recontact_dbt_assets], name)


def warehouse_as_of_date(paths: WarehousePaths) -> str | None:
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as warehouse:
        return sql.marts_as_of_date(warehouse)


def checked_as_of_date(context: dg.AssetCheckExecutionContext, paths: WarehousePaths) -> str:
    """The D this run built, its partition (so stale marts fail the checks), or, in a run
    that only checks, the D of the marts in the warehouse."""
    return run_as_of_date(context.op_execution_context) or warehouse_as_of_date(paths)


def later_published_day(paths: WarehousePaths, as_of_date: str) -> str | None:
    """The D BI's current release is as of, when it is later than as_of_date: a past day
    rebuilt (a backfill) neither republishes BI nor drafts outreach; BI follows the latest
    day only. None when as_of_date may be published."""
    published = (current_release(paths.publish_dir) or {}).get("as_of_date")
    return published if published and published > as_of_date else None


def compliance_check(suite: str, model: str, description: str) -> dg.AssetChecksDefinition:
    """A blocking asset check that runs one Great Expectations suite (expectations/)."""

    @dg.asset_check(
        name=suite,
        asset=model_key(model),
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=description,
    )
    def check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        paths = run_paths(context.run.run_id)
        outcome = compliance.run_suite(
            suite, paths, run_id=context.run.run_id, as_of_date=checked_as_of_date(context, paths)
        )
        return dg.AssetCheckResult(
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "evaluated_rows": outcome.evaluated_rows,
                "unexpected_rows": outcome.unexpected_rows,
                "failed_expectations": ", ".join(outcome.failed_expectations) or "none",
                "validation_result": dg.MetadataValue.path(str(outcome.results_path)),
                "data_docs": dg.MetadataValue.path(str(outcome.data_docs_index)),
            },
        )

    return check


COMPLIANCE_CHECKS = [
    compliance_check(
        "eligibility_compliance",
        "recontact_eligibility",
        "No eligible person past retention, without valid re-contact consent, with an "
        "erasure/stop-use/stop-contact request, hired or with an open application.",
    ),
    compliance_check(
        "purge_completeness",
        "retention_purge_queue",
        "Every person past greatest(use_allowed_until, legal_hold_until) is queued for purge.",
    ),
    compliance_check(
        "forbidden_data",
        "int_canonical__evaluations_conformed",
        "No column and no evaluation text carries data the Employment Security Act "
        "guideline forbids collecting (deny-list seed forbidden_data_terms).",
    ),
    compliance_check(
        "landing_reconciliation",
        "int_canonical__landing_reconciliation",
        "Rows the loader wrote per file (raw._loaded_files) = rows landed in staging = staged"
        " + superseded + redelivered + quarantined + suppressed, per entity and batch.",
    ),
]


@dg.asset(
    key=PROMOTED_WAREHOUSE,
    group_name="publication",
    pool=WAREHOUSE_POOL,
    # every public mart, the history, and the models the blocking checks are attached to
    deps=[
        model_key(name)
        for name in dict.fromkeys([*MART_KEYS, "recontact_eligibility_history", *CHECKED_MODELS])
    ],
    kinds={"duckdb"},
)
def promoted_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """The copy this run built, swapped in as the warehouse (one atomic rename).

    Downstream of every model and blocking check: when a dbt test or a compliance check
    fails, this does not run, and the warehouse keeps its last good marts and history."""
    paths = WarehousePaths.from_env()
    try:
        swapped = promote_build(paths, run_id=context.run.run_id)
    except WarehouseChanged as changed:
        raise dg.Failure(str(changed)) from None
    context.log.info("the checked build replaced the warehouse" if swapped else "nothing built")
    return dg.MaterializeResult(
        metadata={"warehouse": dg.MetadataValue.path(str(paths.duckdb_path)), "swapped": swapped}
    )


@dg.asset(
    group_name="publication",
    pool=WAREHOUSE_POOL,
    deps=[PROMOTED_WAREHOUSE],
    kinds={"parquet", "duckdb"},
    output_required=False,  # not materialized for a past day
)
def published_marts(context: dg.AssetExecutionContext):
    """The marts as a Parquet release BI reads (current/ + recontact_bi.duckdb).

    Downstream of the blocking compliance checks: when one fails, this does not run and
    the last good publication stays in place. Unpartitioned, it follows the latest day:
    a run for a past day (a backfill) leaves a publication of a later D in place.
    """
    paths = WarehousePaths.from_env()
    run_id, run_dir = context.run.run_id, compliance.run_directory(paths, context.run.run_id)
    as_of_date = warehouse_as_of_date(paths)
    if (latest := later_published_day(paths, as_of_date)) is not None:
        context.log.info(f"Not published as of {as_of_date}: a past day, BI shows {latest}")
        return
    try:
        record = processing_record.write_record(
            paths, run_dir, as_of_date=as_of_date, run_id=run_id
        )
    except processing_record.MissingProcessingMeta as error:
        raise dg.Failure(str(error)) from None
    evidence = report.write_report(paths, run_dir, run_id=run_id, as_of_date=as_of_date)
    publication = publish(paths, release_id=context.run.run_id)
    append_entry(
        paths.audit_dir,
        {
            "event": "publish",
            "run_id": context.run.run_id,
            "as_of_date": publication.as_of_date,
            "rule_set_version": publication.rule_set_version,
            "row_counts": publication.row_counts,
            "inputs_hash": inputs_fingerprint(paths.duckdb_path),
            "release": str(publication.release_dir),
        },
    )
    yield dg.MaterializeResult(
        metadata={
            "as_of_date": publication.as_of_date,
            "release": dg.MetadataValue.path(str(publication.release_dir)),
            "bi_database": dg.MetadataValue.path(str(publication.bi_database)),
            "record_of_processing": dg.MetadataValue.path(str(record)),
            "compliance_report": dg.MetadataValue.path(str(evidence)),
            **{f"rows_{mart}": count for mart, count in publication.row_counts.items()},
        }
    )
