"""Fixtures: synthetic exports built into throw-away DuckDB warehouses (tests/support.py)."""

from __future__ import annotations

import contextlib
import fcntl
import inspect
import re
from pathlib import Path

import pytest

from sample_exports.generate import generate_export
from tests.support import END_DATE, Warehouse, new_warehouse


@contextlib.contextmanager
def one_worker_at_a_time(lock_path: Path):
    """An exclusive lock the pytest-xdist workers share (a file lock)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory, worker_id) -> Warehouse:
    """3,000 generated candidates (mixed CSV/Parquet batches) built as of END_DATE, once
    per test run: the first pytest-xdist worker to need it builds it in the run's shared
    temporary directory while the other waits, then both read it (read-only: a test that
    changes a warehouse copies it)."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    warehouse = new_warehouse(shared / "sample")
    built = shared / "sample" / "built"
    with one_worker_at_a_time(shared / "sample.lock"):
        if not built.exists():
            generate_export(
                warehouse.export_dir,
                candidates=3000,
                seed=7,
                end_date=END_DATE,
                batches=4,
                file_format="mixed",
                quality_faults=True,  # rule set v1.1: one person held
            )
            warehouse.build(END_DATE, unit_tests=True)  # the suite's one run of the unit tests
            built.touch()
    return warehouse


@pytest.fixture(scope="session", autouse=True)
def spark_dir_of_the_session(tmp_path_factory):
    """No test reads or writes the repository's data/spark: the purge reaches the Spark
    target's raw files wherever RECONTACT_SPARK_DIR says (erasure/purge.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RECONTACT_SPARK_DIR", str(tmp_path_factory.mktemp("spark")))
        yield


@pytest.fixture(scope="session")
def dbt_manifest():
    """The dbt manifest the Dagster definitions load, prepared as CI does (`dbt parse`):
    once at a time, since the pytest-xdist workers share the project's target/."""
    from loader.paths import PROJECT_DIR
    from orchestration.warehouse import prepare_manifest

    with one_worker_at_a_time(PROJECT_DIR / "target" / ".prepare_manifest.lock"):
        return prepare_manifest()


@pytest.fixture
def make_warehouse(tmp_path):
    """A factory of empty warehouses under this test's tmp_path."""
    counter = iter(range(100))
    return lambda: new_warehouse(tmp_path / f"warehouse_{next(counter)}")


# The fast tier (`make check`): every test that needs no dbt build beyond the sample
# warehouse's. A test is `slow` when its own code, or a fixture it uses (other than
# sample_warehouse), builds or materializes a warehouse — found in their source, so a new
# test lands in the right tier without anyone remembering to mark it.
BUILDS_A_WAREHOUSE = re.compile(
    r"new_warehouse\(|make_warehouse|\bbuild\(|\.dbt\(|run_dbt\(|materialize|execute_in_process"
    r"|execute_job\(|run_refresh\(|bench_size\("
)
SHARED_FIXTURES = {"sample_warehouse"}


def builds_a_warehouse(function) -> bool:
    try:
        return bool(BUILDS_A_WAREHOUSE.search(inspect.getsource(function)))
    except (OSError, TypeError):
        return False


# `make test` runs two pytest-xdist workers, a test file at a time each; files start in
# this order (longest first, measured in `make test`), then the rest in name order, so
# neither worker is left with a long file at the end while the other idles. The Makefile
# passes --no-loadscope-reorder (xdist would otherwise start the files with most tests).
LONGEST_FIRST = [
    "test_incremental.py",
    "test_engines.py",
    "test_warehouse.py",
    "test_orchestration.py",
    "test_sources.py",
    "test_outreach.py",
    "test_quality_hold.py",
    "test_compliance.py",
    "test_outreach_oracle.py",
]


def start_order(item) -> int:
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config, items):
    items.sort(key=start_order)  # stable: a file's tests keep their order
    for item in items:
        fixtures = item._fixtureinfo.name2fixturedefs
        fixture_functions = [
            definition.func
            for name, definitions in fixtures.items()
            if name not in SHARED_FIXTURES
            for definition in definitions
        ]
        if any(builds_a_warehouse(f) for f in [item.function, *fixture_functions]):
            item.add_marker(pytest.mark.slow)
