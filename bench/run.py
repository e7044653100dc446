"""Scale benchmark: generation, full dbt build, daily refresh, compliance checks, floor.

    .venv/bin/python -m bench.run --sizes 100000 1000000 --out bench/results.json

Per size, in a fresh directory under /tmp, each step runs in its own subprocess so its
wall time and peak memory are its own:

1. ``generate``  - a synthetic canonical export (4 CSV batches) of N candidates;
2. ``load``      - ``recontact load``: the intake checks, then every batch once into the
   raw tables (loader/load.py);
3. ``build``     - the real ``dbt build`` (seeds, models, data and unit tests) as of D, from
   the raw tables;
4. ``floor``     - ``bench/floor_eligibility.sql``: recontact_eligibility in one DuckDB
   script straight from the raw files, checked against the mart;
5. ``delta``     - a new batch ``2026-11-28T0300`` re-delivering ~0.5% of applications
   (active ones, now rejected, with a later ``updated_at``) and a stage event for each;
6. ``load delta`` - the loader reads the new batch only;
7. ``refresh``   - the daily run as of the next day: ``dbt build`` without the unit tests
   (they test the code, which a daily run does not change; ``make test`` runs them). The
   event base models are incremental and read only the new batch; the rest is rebuilt;
8. ``checks``    - ``orchestration.compliance.run_all`` (the four GX suites).

The targets (issue "load once") are ratios to the floor measured in the same run: load +
full build at most 2x the floor, load of the delta + daily run at most 0.5x.

Peak memory is the largest sum of RSS over the step's process tree, sampled from /proc
every 0.1 s, and also the kernel's ``ru_maxrss`` of the tree (the largest single process,
from ``wait4``); the table shows the larger of the two.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
FLOOR_SQL = BENCH_DIR / "floor_eligibility.sql"
AS_OF = "2026-11-27"
REFRESH_AS_OF = "2026-11-28"
DELTA_SHARE = 0.005
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

TARGETS = {  # the load-once issue, at 1M candidates on a 2-core machine
    "load_and_build_over_floor": 2.0,
    "daily_run_over_floor": 0.5,
    "checks_seconds": 20,
    "peak_rss_mb": 4096,
}


# --------------------------------------------------------------------------------------------
# Measuring a child process tree
# --------------------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """pid and every process below it (through /proc/<pid>/task/<tid>/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _tree_rss_bytes(pid: int) -> int:
    total = 0
    for process in _descendants(pid):
        try:
            with open(f"/proc/{process}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


def measure(name: str, command: list[str], env: dict[str, str], log: Path) -> dict:
    """Run one step; return its wall time and peak RSS. Raises when the step fails."""
    print(f"  {name}: {' '.join(command[:4])} ...", flush=True)
    started = time.perf_counter()
    with log.open("w") as output:
        child = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        peak_tree = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            peak_tree = max(peak_tree, _tree_rss_bytes(child.pid))
            time.sleep(0.1)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"step {name} failed ({child.returncode}); log {log}:\n{tail}")
    result = {
        "seconds": round(seconds, 2),
        "peak_tree_rss_mb": round(peak_tree / 2**20, 1),
        "ru_maxrss_mb": round(usage.ru_maxrss / 1024, 1),  # kilobytes on Linux
        "log": str(log),
    }
    result["peak_rss_mb"] = max(result["peak_tree_rss_mb"], result["ru_maxrss_mb"])
    print(f"  {name}: {seconds:.1f} s, peak {result['peak_rss_mb']:.0f} MB", flush=True)
    return result


# --------------------------------------------------------------------------------------------
# Steps that run inside the child process (python -m bench.run --step ...)
# --------------------------------------------------------------------------------------------


def _paths(workdir: Path):
    from loader.paths import WarehousePaths

    return WarehousePaths(
        landing_dir=workdir / "landing",
        duckdb_path=workdir / "recontact.duckdb",
        state_dir=workdir / "state",
        audit_dir=workdir / "audit",
        publish_dir=workdir / "published",
    )


def _export(workdir: Path) -> Path:
    """The ATS's side: the generated export and the deltas, which the floor reads. The
    landing is an inbox the load empties, so each load is given the batches not delivered
    yet (hard links: a delivery costs no copy)."""
    return workdir / "export"


def step_load(workdir: Path) -> None:
    from loader.load import load

    record = workdir / "delivered.json"
    delivered = set(json.loads(record.read_text())) if record.exists() else set()
    for batch in sorted(p for p in _export(workdir).glob("*/*") if p.is_dir()):
        name = batch.relative_to(_export(workdir)).as_posix()
        if name not in delivered:
            landed = _paths(workdir).landing_dir / name
            shutil.copytree(batch, landed, copy_function=os.link)
            delivered.add(name)
    record.write_text(json.dumps(sorted(delivered)))
    print(load(_paths(workdir)).render())


def step_generate(workdir: Path, size: int) -> None:
    from sample_exports.generate import generate_export

    result = generate_export(_export(workdir), size, seed=1, end_date=date(2026, 11, 27))
    rows = {batch: sum(counts.values()) for batch, counts in result.row_counts.items()}
    (workdir / "generated.json").write_text(json.dumps(result.row_counts, indent=1))
    print(f"rows per batch: {rows}")


def delta_batch(day: int) -> tuple[str, str]:
    """(batch id, timestamp) of the day-th daily delta after the export (day 1 = 2026-11-28)."""
    when = date.fromisoformat(AS_OF) + timedelta(days=day)
    return f"{when.isoformat()}T0300", f"{when.isoformat()}T01:30:00"


def step_delta(workdir: Path, day: int = 1) -> None:
    """Re-deliver ~0.5% of the applications: active ones, now rejected, `day` days later,
    each with a new stage event."""
    import duckdb

    canonical = _export(workdir) / "canonical"
    batch_id, at = delta_batch(day)
    target = canonical / batch_id
    target.mkdir()
    with duckdb.connect() as con:
        con.execute(
            f"""
            create table latest as
            select * exclude (filename) from read_csv(
                '{canonical}/*/applications.csv', all_varchar = true, filename = true
            )
            qualify row_number() over (
                partition by application_id order by updated_at desc, filename desc
            ) = 1
            """
        )
        total = con.execute("select count(*) from latest").fetchone()[0]
        wanted = round(total * DELTA_SHARE)
        con.execute(
            f"""
            copy (
                select application_id, candidate_id, job_id, applied_at,
                       'rejected' as status, '{at}' as closed_at,
                       'timing' as rejection_reason, '{at}' as updated_at
                from latest
                where status = 'active' and applied_at < '2026-11-27'
                order by hash(application_id)
                limit {wanted}
            ) to '{target}/applications.csv' (header true)
            """
        )
        con.execute(
            f"""
            copy (
                select 'SE-DELTA-{day}-' || application_id as stage_event_id, application_id,
                       'rejected' as stage, '{at}' as entered_at
                from read_csv('{target}/applications.csv', all_varchar = true)
            ) to '{target}/stage_events.csv' (header true)
            """
        )
    print(f"re-delivered {wanted:,} of {total:,} applications into {target}")


def step_checks(workdir: Path, as_of_date: str) -> None:
    from orchestration.compliance import run_all

    outcomes = run_all(_paths(workdir), run_id=f"bench-{os.getpid()}", as_of_date=as_of_date)
    summary = {o.suite: o.passed for o in outcomes}
    (workdir / "checks.json").write_text(json.dumps(summary, indent=1))
    print(summary)


def step_floor(workdir: Path, as_of_date: str) -> None:
    import duckdb

    with duckdb.connect(str(workdir / "floor.duckdb")) as con:
        con.execute(f"set variable landing_dir = '{_export(workdir)}'")
        con.execute(f"set variable seeds_dir = '{PROJECT_DIR / 'seeds'}'")
        con.execute(f"set variable as_of = date '{as_of_date}'")
        con.execute(FLOOR_SQL.read_text())
        print(con.execute("select count(*) from floor_eligibility").fetchone()[0], "rows")


def dbt_profile(target: Path) -> dict:
    """Where a dbt build spent its time, from run_results.json (read before it is rebuilt)."""
    results = json.loads((target / "run_results.json").read_text())
    by_type: dict[str, dict[str, float]] = {}
    nodes = []
    for node in results["results"]:
        kind = node["unique_id"].split(".")[0]
        entry = by_type.setdefault(kind, {"count": 0, "seconds": 0.0})
        entry["count"] += 1
        entry["seconds"] = round(entry["seconds"] + node["execution_time"], 2)
        nodes.append((round(node["execution_time"], 2), node["unique_id"]))
    return {
        "dbt_elapsed_seconds": round(results["elapsed_time"], 2),
        "node_seconds_by_type": by_type,
        "slowest_nodes": [{"seconds": t, "node": n} for t, n in sorted(nodes, reverse=True)[:12]],
    }


def compare_floor(workdir: Path) -> dict:
    """Row counts and decisions of the floor against marts.recontact_eligibility."""
    import duckdb

    with duckdb.connect(str(workdir / "floor.duckdb"), read_only=True) as con:
        con.execute(f"attach '{workdir / 'recontact.duckdb'}' as wh (read_only)")
        mart_rows = con.execute("select count(*) from wh.marts.recontact_eligibility").fetchone()
        floor_rows = con.execute("select count(*) from floor_eligibility").fetchone()
        mismatches = con.execute(
            """
            select
                count(*) filter (where f.candidate_id is null or m.candidate_id is null),
                count(*) filter (where f.is_eligible is distinct from m.is_eligible),
                count(*) filter (
                    where f.primary_exclusion_reason is distinct from m.primary_exclusion_reason
                ),
                count(*) filter (where f.exclusion_reasons is distinct from m.exclusion_reasons)
            from floor_eligibility as f
            full join wh.marts.recontact_eligibility as m using (candidate_id)
            """
        ).fetchone()
    keys = ("missing_on_one_side", "is_eligible", "primary_exclusion_reason", "exclusion_reasons")
    return {
        "mart_rows": mart_rows[0],
        "floor_rows": floor_rows[0],
        "rows_equal": mart_rows[0] == floor_rows[0],
        "mismatches": dict(zip(keys, mismatches, strict=True)),
    }


# --------------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------------


def machine_info() -> dict:
    cpu_model = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem_kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_gb": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": {
            p: version(p) for p in ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations")
        },
        "loadavg_at_start": os.getloadavg(),
    }


def bench_size(size: int, keep: bool, history_days: int = 0) -> dict:
    from orchestration.warehouse import DAILY_RUN_EXCLUDES, dbt_args, dbt_executable, dbt_vars

    workdir = Path(tempfile.mkdtemp(prefix=f"recontact-bench-{size}-", dir="/tmp"))
    paths = _paths(workdir)
    env = {**os.environ, **paths.as_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    me = [sys.executable, "-m", "bench.run", "--workdir", str(workdir)]
    target = str(workdir / "target")
    dbt = dbt_executable()
    print(f"size {size:,} in {workdir}", flush=True)
    steps = {}
    try:
        steps["generate"] = measure(
            "generate", [*me, "--step", "generate", "--size", str(size)], env,
            workdir / "generate.log",
        )  # fmt: skip
        generated = json.loads((workdir / "generated.json").read_text())
        rows_by_entity = {
            entity: sum(batch.get(entity, 0) for batch in generated.values())
            for entity in next(iter(generated.values()))
        }
        steps["load"] = measure("load", [*me, "--step", "load"], env, workdir / "load.log")
        steps["build"] = measure(
            "build",
            [dbt, *dbt_args("build", dbt_vars(AS_OF), target_path=Path(target))],
            env,
            workdir / "build.log",
        )
        steps["build"]["profile"] = dbt_profile(Path(target))
        steps["floor"] = measure(
            "floor", [*me, "--step", "floor", "--as-of", AS_OF], env, workdir / "floor.log"
        )
        floor_check = compare_floor(workdir)
        print(f"  floor vs mart: {floor_check}", flush=True)
        steps["delta"] = measure("delta", [*me, "--step", "delta"], env, workdir / "delta.log")
        steps["load delta"] = measure(
            "load delta", [*me, "--step", "load"], env, workdir / "load-delta.log"
        )
        steps["refresh"] = measure(
            "refresh",
            [
                dbt,
                *dbt_args("build", dbt_vars(REFRESH_AS_OF), target_path=Path(target)),
                *DAILY_RUN_EXCLUDES,
            ],
            env,
            workdir / "refresh.log",
        )
        steps["refresh"]["profile"] = dbt_profile(Path(target))
        steps["checks"] = measure(
            "checks", [*me, "--step", "checks", "--as-of", REFRESH_AS_OF], env,
            workdir / "checks.log",
        )  # fmt: skip
        checks = json.loads((workdir / "checks.json").read_text())
        # history growth: more days, a delta and a daily run each; the daily run should
        # cost the same whatever the number of batches already landed
        history = []
        for day in range(2, 2 + history_days):
            batch_id, _ = delta_batch(day)
            measure(f"delta {day}", [*me, "--step", "delta", "--day", str(day)], env,
                    workdir / f"delta-{day}.log")  # fmt: skip
            loaded = measure(f"load {day}", [*me, "--step", "load"], env,
                             workdir / f"load-{day}.log")  # fmt: skip
            run = measure(
                f"refresh {day}",
                [
                    dbt,
                    *dbt_args("build", dbt_vars(batch_id[:10]), target_path=Path(target)),
                    *DAILY_RUN_EXCLUDES,
                ],
                env,
                workdir / f"refresh-{day}.log",
            )
            history.append(
                {
                    "batches_landed": 4 + day,
                    "seconds": loaded["seconds"] + run["seconds"],
                    "peak_rss_mb": max(loaded["peak_rss_mb"], run["peak_rss_mb"]),
                }
            )
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    floor = steps["floor"]["seconds"]
    load_and_build = steps["load"]["seconds"] + steps["build"]["seconds"]
    daily_run = steps["load delta"]["seconds"] + steps["refresh"]["seconds"]
    return {
        "candidates": size,
        "workdir": str(workdir) if keep else None,
        "landed_rows_by_entity": rows_by_entity,
        "steps": steps,
        "load_and_build_over_floor": round(load_and_build / floor, 2),
        "daily_run_over_floor": round(daily_run / floor, 2),
        "refresh_share_of_build": round(daily_run / load_and_build, 3),
        "refresh_is_incremental": True,
        "floor_check": floor_check,
        "checks_passed": checks,
        "daily_runs_as_history_grows": history,
    }


def print_table(runs: list[dict]) -> None:
    header = f"{'candidates':>11} {'step':<10} {'seconds':>8} {'peak MB':>8}"
    print("\n" + header + "\n" + "-" * len(header))
    for run in runs:
        for name, step in run["steps"].items():
            print(
                f"{run['candidates']:>11,} {name:<10} {step['seconds']:>8.1f}"
                f" {step['peak_rss_mb']:>8.0f}"
            )
        print(
            f"{'':>11} (load + build)/floor {run['load_and_build_over_floor']:.2f}x"
            f" (target {TARGETS['load_and_build_over_floor']}x),"
            f" (load delta + daily run)/floor {run['daily_run_over_floor']:.2f}x"
            f" (target {TARGETS['daily_run_over_floor']}x),"
            f" floor rows equal: {run['floor_check']['rows_equal']},"
            f" mismatches: {run['floor_check']['mismatches']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the /tmp directories")
    # internal: one step inside a child process
    parser.add_argument("--step", choices=["generate", "load", "delta", "floor", "checks"])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--size", type=int)
    parser.add_argument("--day", type=int, default=1)
    parser.add_argument(
        "--history-days",
        type=int,
        default=6,
        help="at the smallest size, this many more daily deltas, each refreshed (history growth)",
    )
    parser.add_argument("--as-of", default=AS_OF)
    args = parser.parse_args(argv)

    if args.step:
        if args.step == "generate":
            step_generate(args.workdir, args.size)
        elif args.step == "load":
            step_load(args.workdir)
        elif args.step == "delta":
            step_delta(args.workdir, args.day)
        elif args.step == "floor":
            step_floor(args.workdir, args.as_of)
        else:
            step_checks(args.workdir, args.as_of)
        return 0

    results = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "targets_at_1m": TARGETS,
        "as_of_date": AS_OF,
        "refresh_as_of_date": REFRESH_AS_OF,
        "runs": [],
    }
    for size in args.sizes:
        history_days = args.history_days if size == min(args.sizes) else 0
        results["runs"].append(bench_size(size, args.keep, history_days))
        results["machine"]["loadavg_at_end"] = os.getloadavg()
        args.out.write_text(json.dumps(results, indent=2) + "\n")  # after every size
        print_table(results["runs"])
    print(f"\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
