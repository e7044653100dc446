"""Jobs, schedules and sensors: when the warehouse is rebuilt, checked, published, purged."""

import json
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
from pydantic import Field

from loader.intake import landing_batches
from loader.paths import BUSINESS_TIMEZONE, WarehousePaths
from orchestration import compliance
from orchestration.assets import (
    WAREHOUSE_POOL,
    later_published_day,
    published_marts,
    recontact_outreach_drafts,
    warehouse_as_of_date,
)
from orchestration.partitions import as_of_dates
from orchestration.publish import current_release, purge_and_republish

QUIET_SECONDS = 60  # a batch directory is complete once nothing in it changed for this long

# Both jobs are partitioned by D, as the dbt assets they select are (the load assets, the
# drafts and the publication are not, and run once in the run of a partition).

# Everything: load, dbt build, dbt tests and compliance checks, drafts, publication.
refresh_job = dg.define_asset_job(
    name="recontact_refresh",
    selection=dg.AssetSelection.all(),
    description="Build the warehouse as of the partition's day, run every check, draft the"
    " outreach and publish the marts for BI (neither for a day before BI's current one).",
)

# The same without the drafts and the publication: a past day's decisions, for an audit.
audit_date_job = dg.define_asset_job(
    name="recontact_audit_date",
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(published_marts, recontact_outreach_drafts),
    description="Rebuild and check the decisions of past days (backfill their partitions);"
    " the slice of each day lands in marts.recontact_eligibility_history. BI's publication"
    " and the outreach drafts are left alone.",
)


def purge_run_config(*, dry_run: bool) -> dict:
    return {"ops": {"purge_retention_queue": {"config": {"dry_run": dry_run}}}}


@dg.schedule(
    job=refresh_job,
    cron_schedule="0 6 * * *",
    execution_timezone=BUSINESS_TIMEZONE.key,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every morning in Tokyo: the partition of that day."""
    as_of_date = today_partition(context.scheduled_execution_time)
    return dg.RunRequest(run_key=f"daily:{as_of_date}", partition_key=as_of_date)


def today_partition(now: datetime | None = None) -> str:
    """The partition of the day `now` (default: the present) falls on in Tokyo."""
    now = datetime.now(BUSINESS_TIMEZONE) if now is None else now
    return as_of_dates.get_partition_key_for_timestamp(now.timestamp())


def complete_batches(landing_dir: Path, now: float | None = None) -> list[str]:
    """`<source>/<batch_id>@<newest mtime>` of every batch in the landing whose files have
    not changed for QUIET_SECONDS: any batch there is unloaded (a loaded one leaves), and a
    batch rewritten since (a fix, a re-send) is another delivery."""
    now = time.time() if now is None else now
    batches = []
    for batch_dir in landing_batches(landing_dir):
        files = [path for path in batch_dir.iterdir() if path.is_file()]
        newest = max((path.stat().st_mtime_ns for path in files), default=None)
        if newest is not None and now - newest / 1e9 >= QUIET_SECONDS:
            batches.append(f"{batch_dir.parent.name}/{batch_dir.name}@{newest}")
    return batches


def new_batches(seen: list[str], present: list[str]) -> list[str]:
    return sorted(set(present) - set(seen))


@dg.sensor(
    job=refresh_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING
)
def new_export_batch(context: dg.SensorEvaluationContext):
    """A new export batch landed: refresh the warehouse as of today. Any complete batch in
    the landing is unloaded (the load takes a batch out of the landing); one that a run was
    already requested for (a refused batch waiting for its fix) starts nothing until its
    files change. The cursor keeps the requested batches still in the landing only."""
    paths = WarehousePaths.from_env()
    seen = json.loads(context.cursor) if context.cursor else []
    present = complete_batches(paths.landing_dir)
    arrived = new_batches(seen, present)
    context.update_cursor(json.dumps(sorted(present)))
    if not arrived:
        return dg.SkipReason(f"no new batch under {paths.landing_dir}")
    names = [batch.split("@", 1)[0] for batch in arrived]
    return dg.RunRequest(
        run_key=f"batches:{','.join(arrived)}"[:250],
        partition_key=today_partition(),
        tags={"recontact/new_batches": ",".join(names)[:200]},
    )


class PurgeConfig(dg.Config):
    dry_run: bool = Field(default=True, description="Only report what would be purged.")


@dg.op(pool=WAREHOUSE_POOL)
def purge_retention_queue(context: dg.OpExecutionContext, config: PurgeConfig) -> None:
    """Remove every queued person from the warehouse and its copies (archive, Spark's raw
    files, outreach exports, BI's releases), leave a tombstone and record it all in the
    audit log. Refused while the landing holds a batch not loaded, and while the warehouse
    is as of a past day (after a backfill): it would republish BI as of that day."""
    paths = WarehousePaths.from_env()
    if not config.dry_run and current_release(paths.publish_dir) is not None:
        built = warehouse_as_of_date(paths)
        if (latest := later_published_day(paths, built)) is not None:
            raise dg.Failure(
                f"the warehouse is as of {built} (a past day's partition) and BI shows"
                f" {latest}: refresh today's partition, then purge"
            )
    result = purge_and_republish(paths, dry_run=config.dry_run, run_id=context.run_id)
    context.log.info(result.render())
    if config.dry_run:
        return
    # Nothing overdue may remain anywhere: the same suite the refresh runs, now after the purge.
    outcome = compliance.run_suite(
        "purge_completeness", paths, run_id=context.run_id, as_of_date=warehouse_as_of_date(paths)
    )
    if not outcome.passed:
        raise dg.Failure(
            f"overdue persons remain after the purge: {outcome.unexpected_rows}",
            metadata={"evidence": dg.MetadataValue.path(str(outcome.results_path))},
        )


@dg.job(
    description="Purge the retention queue (dry run by default; the schedule runs it for real)."
)
def retention_purge():
    purge_retention_queue()


@dg.schedule(
    job=retention_purge,
    cron_schedule="0 7 * * *",
    execution_timezone="Asia/Tokyo",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def daily_purge(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """After the morning refresh: purge for real (APPI art. 22: delete without delay).

    Stopped until someone turns it on in the UI: deleting data is irreversible, so a new
    installation first shows what would go (the job's dry run) before it deletes daily."""
    day = context.scheduled_execution_time.astimezone(BUSINESS_TIMEZONE).date().isoformat()
    return dg.RunRequest(
        run_key=f"purge:{day}",
        run_config=purge_run_config(dry_run=False),
    )
