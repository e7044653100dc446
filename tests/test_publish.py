"""The BI publication (orchestration/publish.py): one release per connection, always.

Issue 12: one query in ~19,000 on the BI database during repeated publication saw the
eligibility of one release and the purge queue of the next, because the views followed
the `current` symlink file by file. Each publication now writes a BI file bound to its
own release directory and swaps it in whole.
"""

from __future__ import annotations

import shutil
import threading

import duckdb
import pytest

from loader.paths import WarehousePaths
from orchestration import publish

PAIR = (
    "select (select release_id from marts.release),"
    " (select count(*) from marts.recontact_eligibility),"
    " (select count(*) from marts.retention_purge_queue)"
)


def paths_for(warehouse_file, root) -> WarehousePaths:
    return WarehousePaths(
        landing_dir=root / "landing",
        duckdb_path=warehouse_file,
        state_dir=root / "state",
        audit_dir=root / "audit",
        publish_dir=root / "published",
    )


@pytest.fixture
def two_warehouses(sample_warehouse, tmp_path):
    """The sample warehouse, and a copy with fewer eligibility and purge-queue rows, so
    that the releases of each are told apart by their counts."""
    smaller = tmp_path / "smaller.duckdb"
    shutil.copy2(sample_warehouse.duckdb_path, smaller)
    with duckdb.connect(str(smaller)) as connection:
        connection.execute(
            "delete from marts.recontact_eligibility where candidate_id in"
            " (select candidate_id from marts.recontact_eligibility order by 1 limit 7)"
        )
        connection.execute(
            "delete from marts.retention_purge_queue where candidate_id in"
            " (select candidate_id from marts.retention_purge_queue order by 1 limit 5)"
        )
    root = tmp_path / "bi"
    return paths_for(sample_warehouse.duckdb_path, root), paths_for(smaller, root)


def test_a_connection_reads_the_release_it_opened_across_a_publication(two_warehouses):
    larger, smaller = two_warehouses
    first = publish.publish(larger, release_id="r1")
    with duckdb.connect(str(first.bi_database), read_only=True) as reader:
        before = reader.execute(PAIR).fetchone()
        publish.publish(smaller, release_id="r2")
        assert reader.execute(PAIR).fetchone() == before  # the same release throughout
    with duckdb.connect(str(first.bi_database), read_only=True) as later:
        release, eligibility, queue = later.execute(PAIR).fetchone()
    assert release == "r2"
    assert (eligibility, queue) == (before[1] - 7, before[2] - 5)


def test_a_reader_during_repeated_publication_never_sees_two_releases_in_one_query(
    two_warehouses,
):
    larger, smaller = two_warehouses
    counts: dict[str, tuple[int, int]] = {}
    publication = publish.publish(larger, release_id="r00")
    counts["r00"] = (
        publication.row_counts["recontact_eligibility"],
        publication.row_counts["retention_purge_queue"],
    )
    seen: list[tuple] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                with duckdb.connect(str(publication.bi_database), read_only=True) as bi:
                    seen.append(bi.execute(PAIR).fetchone())
            except duckdb.Error as error:  # a release pruned under a slow reader
                errors.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for number in range(1, 16):
            release_id = f"r{number:02d}"
            source = smaller if number % 2 else larger
            made = publish.publish(source, release_id=release_id)
            counts[release_id] = (
                made.row_counts["recontact_eligibility"],
                made.row_counts["retention_purge_queue"],
            )
    finally:
        done.set()
        reader.join()
    assert len(seen) > 15
    mixed = [row for row in seen if counts[row[0]] != (row[1], row[2])]
    assert mixed == []
    assert len({row[0] for row in seen}) > 1  # the reader did see publications happen
    assert not errors
