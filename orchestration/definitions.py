"""The Dagster code location: `dagster dev` / `dagster definitions validate` find it through
[tool.dagster] in pyproject.toml. Nothing here opens a connection at import time."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from loader.engines import current_target
from orchestration.assets import (
    COMPLIANCE_CHECKS,
    dbt_project,
    load_assets,
    outreach_export_job,
    promoted_warehouse,
    published_marts,
    recontact_dbt_assets,
    recontact_outreach_drafts,
)
from orchestration.automation import (
    audit_date_job,
    daily_purge,
    daily_refresh,
    new_export_batch,
    refresh_job,
    retention_purge,
)
from orchestration.warehouse import dbt_executable


def dbt_resource() -> DbtCliResource:
    """dbt on the engine RECONTACT_DBT_TARGET names (duckdb, spark or postgres), as the CLI."""
    return DbtCliResource(
        project_dir=dbt_project, dbt_executable=dbt_executable(), target=current_target()
    )


defs = dg.Definitions(
    assets=[
        *load_assets(),
        recontact_dbt_assets,
        recontact_outreach_drafts,
        promoted_warehouse,
        published_marts,
    ],
    asset_checks=COMPLIANCE_CHECKS,
    # outreach_export_job has no schedule or sensor: a person launches it
    jobs=[refresh_job, audit_date_job, retention_purge, outreach_export_job],
    schedules=[daily_refresh, daily_purge],
    sensors=[new_export_batch],
    resources={"dbt": dbt_resource()},
)
