"""The Dagster layer: definitions load, a full refresh materializes and checks everything,
failed checks block publication, a past day's partition leaves BI alone, sensor/schedule
behaviour, purge through the job."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sample_exports.generate import generate_export
from tests.support import END_DATE, candidate, write_entity

COMPLIANCE_SUITES = {
    "eligibility_compliance",
    "purge_completeness",
    "forbidden_data",
    "landing_reconciliation",
}


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    """Definitions need the dbt manifest (conftest prepares it, as CI does)."""
    from orchestration.definitions import defs

    return defs


def paths_under(root: Path) -> dict[str, Path]:
    """Every path the orchestration reads from the environment, under root."""
    return {
        "RECONTACT_LANDING_DIR": root / "landing",
        "RECONTACT_DUCKDB_PATH": root / "warehouse.duckdb",
        "RECONTACT_STATE_DIR": root / "state",
        "RECONTACT_AUDIT_DIR": root / "audit",
        "RECONTACT_PUBLISH_DIR": root / "published",
    }


@pytest.fixture
def environment(tmp_path, monkeypatch):
    """This test's paths, under its tmp_path."""
    values = paths_under(tmp_path)
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
    return values


@pytest.fixture(scope="module")
def first_refresh(defs, tmp_path_factory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """One run of the refresh job as of END_DATE on a generated export (600 candidates, two
    batches; the export kept beside the landing, which the load empties). A run takes about
    a minute: the test of a full refresh asserts on this one, and each test of what comes
    after a refresh starts from a copy of its files (`refreshed`)."""
    root = tmp_path_factory.mktemp("refreshed")
    values = paths_under(root)
    generate_export(root / "export", candidates=600, seed=14, end_date=END_DATE, batches=2)
    shutil.copytree(root / "export", values["RECONTACT_LANDING_DIR"])
    with pytest.MonkeyPatch.context() as patch:
        for name, value in values.items():
            patch.setenv(name, str(value))
        result = run_refresh(defs, END_DATE)
    return root, result


@pytest.fixture
def refreshed(first_refresh, environment, tmp_path):
    """This test's environment holding a copy of the first refresh's warehouse, state,
    evidence, BI release and export. (The copied BI file's views still read the releases
    of the first refresh's directory: a test that reads BI through them republishes first.)"""
    root, result = first_refresh
    assert result.success
    shutil.copytree(root, tmp_path, symlinks=True, dirs_exist_ok=True)
    return environment


def run_refresh(defs, as_of: date, job: str = "recontact_refresh") -> dg.ExecuteInProcessResult:
    """A run of the job for the partition of D (what the schedule and a backfill launch)."""
    return defs.resolve_job_def(job).execute_in_process(
        partition_key=as_of.isoformat(),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def materialized_keys(result: dg.ExecuteInProcessResult) -> set[str]:
    return {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        evaluation.check_name: evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
    }


def test_definitions_load_with_graph_checks_jobs_and_pool(defs):
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "canonical/candidates",
        "canonical/consent_events",
        "marts/recontact_eligibility",
        "marts/recontact_cohorts",
        "marts/retention_purge_queue",
        "reference/retention_policies",
        "published_marts",
        "promoted_warehouse",
    } <= keys
    # the checked build is swapped in before BI and the drafts read it (build aside)
    promoted = dg.AssetKey("promoted_warehouse")
    assert graph.get(dg.AssetKey("published_marts")).parent_keys == {promoted}
    check_names = {key.name for key in graph.asset_check_keys}
    assert COMPLIANCE_SUITES <= check_names
    assert any(name.startswith("unique_combination_recontact_eligibility") for name in check_names)
    for suite in COMPLIANCE_SUITES:
        check = next(key for key in graph.asset_check_keys if key.name == suite)
        assert graph.get_check_spec(check).blocking, suite
    # issue 13: every check says in one line what it asserts (dbt tests: from their YAML)
    undescribed = [
        k.name for k in graph.asset_check_keys if not graph.get_check_spec(k).description
    ]
    assert not undescribed
    (unique_job_id,) = [
        graph.get_check_spec(k).description
        for k in graph.asset_check_keys
        if k.name == "unique_int_canonical__jobs_conformed_job_id"
    ]
    assert unique_job_id == "job_id is unique in int_canonical__jobs_conformed"
    pools = {
        node.pool
        for job in (defs.resolve_job_def("recontact_refresh"),)
        for node in job.graph.node_defs
    }
    assert pools == {"recontact_warehouse"}
    assert {s.name for s in defs.schedules} == {"daily_refresh", "daily_purge"}
    # issue 10: D is a daily partition of the dbt assets; the raw tables, the drafts and
    # the publication are not partitioned, and the audit job leaves the last two alone
    partitioned = {
        key.path[-1] for key in graph.get_all_asset_keys() if graph.get(key).is_partitioned
    }
    assert {"recontact_eligibility", "recontact_eligibility_history"} <= partitioned
    assert not partitioned & {"candidates", "recontact_drafts", "published_marts"}
    audit = {
        key.path[-1]
        for key in defs.resolve_job_def("recontact_audit_date").asset_layer.selected_asset_keys
    }
    assert "recontact_eligibility_history" in audit
    assert not audit & {"recontact_drafts", "published_marts"}
    assert {s.name for s in defs.sensors} == {"new_export_batch"}
    # outreach (recontact-outreach v1): the drafts wait for every model a blocking check is
    # on; the export is a job a person launches, on no schedule and no sensor
    drafts = next(k for k in graph.get_all_asset_keys() if k.path[-1] == "recontact_drafts")
    upstream = {key.path[-1] for key in graph.get(drafts).parent_keys}
    assert {"retention_purge_queue", "int_canonical__landing_reconciliation"} <= upstream
    assert "promoted_warehouse" in upstream
    assert defs.resolve_job_def("outreach_export_job") is not None
    scheduled = {s.job_name for s in defs.schedules} | {
        job.name for sensor in defs.sensors for job in sensor.jobs
    }
    assert "outreach_export_job" not in scheduled


def test_full_refresh_materializes_checks_and_publishes(first_refresh):
    root, result = first_refresh
    environment = paths_under(root)
    assert result.success
    checks = check_results(result)
    assert COMPLIANCE_SUITES <= set(checks)
    failing = {name for name, passed in checks.items() if not passed}
    # the sample data holds a few deliberately unmapped stages and reasons: warnings only
    assert failing <= {"warn_unmapped_stages", "warn_unmapped_rejection_reasons"}, failing
    materialized = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    assert {"marts/recontact_eligibility", "published_marts"} <= materialized
    assert any(key.endswith("recontact_drafts") for key in materialized)

    publish_dir = environment["RECONTACT_PUBLISH_DIR"]
    release = json.loads((publish_dir / "current" / "release.json").read_text())
    assert release["as_of_date"] == END_DATE.isoformat()
    with duckdb.connect(str(publish_dir / "recontact_bi.duckdb"), read_only=True) as bi:
        published = bi.execute("select count(*) from marts.recontact_eligibility").fetchone()[0]
    assert published == release["row_counts"]["recontact_eligibility"] > 0

    audit_log = environment["RECONTACT_AUDIT_DIR"] / "audit_log.jsonl"
    entries = [json.loads(line) for line in audit_log.read_text().splitlines()]
    suites = {entry.get("suite") for entry in entries if entry.get("passed")}
    assert COMPLIANCE_SUITES <= suites
    assert any(entry.get("event") == "publish" for entry in entries)


def test_failed_check_blocks_publication_and_keeps_the_last_good_one(defs, refreshed):
    environment = refreshed
    landing = environment["RECONTACT_LANDING_DIR"]
    publish_dir = environment["RECONTACT_PUBLISH_DIR"]
    good_release = (publish_dir / "current").resolve()
    warehouse = environment["RECONTACT_DUCKDB_PATH"]
    good_marts = warehouse_digests(warehouse)

    # a later batch brings an evaluation that records the applicant's registered domicile
    write_entity(
        landing,
        "2026-11-28T0300",
        "evaluations",
        [
            {
                "evaluation_id": "EV-forbidden",
                "application_id": "A-unknown",
                "stage": "一次面接",
                "evaluated_at": "2026-11-27T10:00:00",
                "rating": "4",
                "strengths": "本籍が近く通勤しやすい",
                "concerns": "",
            }
        ],
    )
    result = run_refresh(defs, END_DATE)
    assert check_results(result)["forbidden_data"] is False
    materialized = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    assert "published_marts" not in materialized
    # the outreach drafts are gated by the same checks (recontact-outreach v1)
    assert not any(key.endswith("recontact_drafts") for key in materialized)
    assert (publish_dir / "current").resolve() == good_release
    # the dbt build succeeded on its copy, the check failed: the warehouse is the last good
    # one, its staging included (the evaluation is not there), and was not swapped
    assert "promoted_warehouse" not in materialized
    assert warehouse_digests(warehouse) == good_marts
    with duckdb.connect(str(warehouse), read_only=True) as live:
        assert live.execute(
            "select count(*) from intermediate.int_canonical__evaluations_conformed"
            " where evaluation_id = 'EV-forbidden'"
        ).fetchone() == (0,)


def warehouse_digests(path) -> dict[str, int]:
    """A hash of every mart and of the evaluations the failing check reads."""
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = [
            f"{schema}.{name}"
            for schema, name in connection.execute(
                "select table_schema, table_name from information_schema.tables"
                " where table_schema = 'marts'"
                " or table_name = 'int_canonical__evaluations_conformed'"
                " order by 1, 2"
            ).fetchall()
        ]
        return {
            table: connection.execute(
                f"select count(*), coalesce(sum(hash(columns(*))), 0) from {table}"
            ).fetchall()
            for table in tables
        }


def test_a_past_day_writes_its_history_slice_and_leaves_bi_and_the_drafts_alone(defs, refreshed):
    """Issue 10: "what did we decide on 2026-03-01" is the run of that day's partition,
    even launched on the refresh job (a backfill from its Partitions tab): the slice of
    that day lands in the history, BI keeps the latest day and no drafts are made."""
    environment = refreshed
    publish_dir = environment["RECONTACT_PUBLISH_DIR"]
    latest = (publish_dir / "current").resolve()
    bi_file = (publish_dir / "recontact_bi.duckdb").read_bytes()

    past = run_refresh(defs, date(2026, 3, 1))
    assert past.success
    materialized = materialized_keys(past)
    assert "marts/recontact_eligibility_history" in materialized
    assert "published_marts" not in materialized
    assert not any(key.endswith("recontact_drafts") for key in materialized)
    assert (publish_dir / "current").resolve() == latest
    assert (publish_dir / "recontact_bi.duckdb").read_bytes() == bi_file
    release = json.loads((publish_dir / "current" / "release.json").read_text())
    assert release["as_of_date"] == END_DATE.isoformat()
    with duckdb.connect(str(environment["RECONTACT_DUCKDB_PATH"]), read_only=True) as warehouse:
        slices = dict(
            warehouse.execute(
                "select cast(as_of_date as varchar), count(*)"
                " from marts.recontact_eligibility_history group by 1"
            ).fetchall()
        )
        (drafted_as_of,) = warehouse.execute(
            "select distinct cast(as_of_date as varchar) from outreach.recontact_drafts"
        ).fetchone()
    assert set(slices) == {"2026-03-01", END_DATE.isoformat()} and slices["2026-03-01"] > 0
    assert drafted_as_of == END_DATE.isoformat()
    # the checks of that run evaluated the partition's D
    audit_log = environment["RECONTACT_AUDIT_DIR"] / "audit_log.jsonl"
    checked = {
        entry["as_of_date"]
        for entry in map(json.loads, audit_log.read_text().splitlines())
        if entry.get("run_id") == past.run_id and entry.get("suite")
    }
    assert checked == {"2026-03-01"}
    # a purge would republish BI from the warehouse, now as of 2026-03-01: refused until
    # today's partition is built again
    from orchestration.automation import purge_run_config

    purge = defs.resolve_job_def("retention_purge").execute_in_process(
        run_config=purge_run_config(dry_run=False), raise_on_error=False
    )
    failure = purge.failure_data_for_node("purge_retention_queue")
    assert "refresh today's partition, then purge" in failure.error.message
    assert (publish_dir / "recontact_bi.duckdb").read_bytes() == bi_file


def test_sensor_requests_a_refresh_once_per_complete_batch_in_the_landing(defs, environment):
    """Any batch in the landing is unloaded (the load takes a loaded one out): a complete
    one starts a run once; a batch left there (refused) starts nothing more until its
    files change; a batch re-sent after its load is a new delivery."""
    from loader.load import load
    from loader.paths import WarehousePaths
    from orchestration.automation import QUIET_SECONDS, new_export_batch, today_partition

    def batches_of(request) -> str:
        return request.tags["recontact/new_batches"]

    landing = environment["RECONTACT_LANDING_DIR"]
    stale = time.time() - QUIET_SECONDS - 5
    old = write_entity(landing, "2026-11-26T0300", "candidates", [candidate("c1")])
    os.utime(old, (stale, stale))
    context = dg.build_sensor_context(cursor=None)
    first = new_export_batch(context)
    assert isinstance(first, dg.RunRequest)
    assert batches_of(first) == "canonical/2026-11-26T0300"
    assert first.partition_key == today_partition()

    # the same batch again (the run did not take it yet, or refused it): nothing to do
    assert isinstance(
        new_export_batch(dg.build_sensor_context(cursor=context.cursor)), dg.SkipReason
    )

    # a batch still being written (fresh mtime) is not complete yet; once quiet, it is new
    fresh = write_entity(landing, "2026-11-27T0300", "candidates", [candidate("c2")])
    assert isinstance(
        new_export_batch(dg.build_sensor_context(cursor=context.cursor)), dg.SkipReason
    )
    os.utime(fresh, (stale, stale))
    context = dg.build_sensor_context(cursor=context.cursor)
    third = new_export_batch(context)
    assert batches_of(third) == "canonical/2026-11-27T0300"

    # a waiting batch whose file is fixed (rewritten) is a new delivery
    os.utime(fresh, (stale + 1, stale + 1))
    context = dg.build_sensor_context(cursor=context.cursor)
    assert batches_of(new_export_batch(context)) == "canonical/2026-11-27T0300"

    # loaded, the batches leave the landing: nothing to do, also for a fresh sensor
    load(WarehousePaths.from_env())
    assert not any(landing.rglob("*.csv"))
    assert isinstance(new_export_batch(dg.build_sensor_context(cursor=None)), dg.SkipReason)
    context = dg.build_sensor_context(cursor=context.cursor)
    assert isinstance(new_export_batch(context), dg.SkipReason)
    assert json.loads(context.cursor) == []  # the cursor keeps only what is in the landing

    # a batch re-sent after its load, with the same id, starts a run again
    again = write_entity(landing, "2026-11-26T0300", "candidates", [candidate("c1")])
    os.utime(again, (stale, stale))
    assert batches_of(new_export_batch(context)) == "canonical/2026-11-26T0300"


def test_daily_schedule_requests_the_partition_of_the_tokyo_day(defs):
    from orchestration.automation import daily_refresh as schedule

    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "Asia/Tokyo")
    # 21:00 UTC on the 26th is 06:00 on the 27th in Tokyo; 21:30 UTC on 1 March is 06:30
    # on 2 March (a UTC schedule, or partitions ending yesterday, would ask for 1 March)
    for tick, day in [
        (datetime(2026, 11, 26, 21, 0, tzinfo=UTC), "2026-11-27"),
        (datetime(2026, 3, 1, 21, 30, tzinfo=UTC), "2026-03-02"),
    ]:
        context = dg.build_schedule_context(
            scheduled_execution_time=tick, repository_def=defs.get_repository_def()
        )
        (request,) = schedule.evaluate_tick(context).run_requests  # a partition of the job
        assert (request.partition_key, request.run_key) == (day, f"daily:{day}"), tick
    assert schedule.job_name == "recontact_refresh"


def test_the_as_of_partitions_are_tokyo_days_up_to_today():
    from orchestration.automation import today_partition
    from orchestration.partitions import as_of_dates, run_as_of_date

    assert as_of_dates.timezone == "Asia/Tokyo"
    assert as_of_dates.get_first_partition_key() == "2022-01-01"
    assert as_of_dates.has_partition_key("2026-03-01")
    # 23:30 UTC on 31 Dec is already New Year's Day in Tokyo
    assert today_partition(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "2027-01-01"
    assert as_of_dates.get_last_partition_key() == today_partition()  # today is a partition
    # a partitioned run's D is its partition key (what checked_as_of_date returns)
    assert run_as_of_date(dg.build_op_context(partition_key="2026-03-01")) == "2026-03-01"
    assert run_as_of_date(dg.build_op_context()) is None


def test_purge_job_dry_run_then_real_run_and_redelivery_is_suppressed(defs, refreshed):
    from orchestration.automation import purge_run_config

    environment = refreshed
    landing = environment["RECONTACT_LANDING_DIR"]
    original = environment["RECONTACT_DUCKDB_PATH"].parent / "export"
    assert not any(landing.rglob("*.csv"))  # loaded: the batches left the landing

    def raw_candidates() -> list[str]:
        with duckdb.connect(str(environment["RECONTACT_DUCKDB_PATH"]), read_only=True) as raw:
            rows = raw.execute("select candidate_id from raw.canonical__candidates").fetchall()
        return sorted(row[0] for row in rows)

    with duckdb.connect(str(environment["RECONTACT_DUCKDB_PATH"]), read_only=True) as warehouse:
        queued = {
            row[0]
            for row in warehouse.execute(
                "select candidate_id from marts.retention_purge_queue"
            ).fetchall()
        }
    assert queued
    loaded = raw_candidates()

    purge_job = defs.resolve_job_def("retention_purge")
    instance = dg.DagsterInstance.ephemeral()
    dry = purge_job.execute_in_process(instance=instance)
    assert dry.success
    assert raw_candidates() == loaded

    real = purge_job.execute_in_process(
        instance=instance,
        run_config=purge_run_config(dry_run=False),
    )
    assert real.success

    # the ATS delivers the full history again: the purged persons stay out
    shutil.copytree(original, landing, dirs_exist_ok=True)
    assert run_refresh(defs, END_DATE, job="recontact_audit_date").success
    with duckdb.connect(str(environment["RECONTACT_DUCKDB_PATH"]), read_only=True) as warehouse:
        staged = {
            row[0]
            for row in warehouse.execute(
                "select candidate_id from intermediate.int_canonical__candidates_conformed"
            ).fetchall()
        }
        suppressed = warehouse.execute(
            "select count(*) from staging.stg_canonical__candidates where _fate = 'suppressed'"
        ).fetchone()[0]
    assert not (queued & staged)
    assert suppressed >= len(queued)

    # the next purge removes the re-delivered rows too: erasure reaches every layer
    again = purge_job.execute_in_process(
        instance=instance,
        run_config=purge_run_config(dry_run=False),
    )
    assert again.success
    with duckdb.connect(str(environment["RECONTACT_DUCKDB_PATH"]), read_only=True) as warehouse:
        left = warehouse.execute(
            "select count(*) from staging.stg_canonical__candidates where _fate = 'suppressed'"
        ).fetchone()[0]
    assert left == 0
    assert not (queued & set(raw_candidates()))
