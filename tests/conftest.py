"""Fixtures: synthetic exports built into throw-away DuckDB warehouses (tests/support.py)."""

from __future__ import annotations

import pytest

from orchestration.generate import generate_export
from tests.support import END_DATE, Warehouse, new_warehouse


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Warehouse:
    """3,000 generated candidates (mixed CSV/Parquet batches) built as of END_DATE."""
    warehouse = new_warehouse(tmp_path_factory.mktemp("sample"))
    generate_export(
        warehouse.landing_dir,
        candidates=3000,
        seed=7,
        end_date=END_DATE,
        batches=4,
        file_format="mixed",
    )
    warehouse.build(END_DATE, unit_tests=True)  # the suite's one run of the dbt unit tests
    return warehouse


@pytest.fixture
def make_warehouse(tmp_path):
    """A factory of empty warehouses under this test's tmp_path."""
    counter = iter(range(100))
    return lambda: new_warehouse(tmp_path / f"warehouse_{next(counter)}")
