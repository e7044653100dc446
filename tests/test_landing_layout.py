"""The landing is read in exactly one way: every entry is a file the loader reads (and the
intake checks), or it is refused by name before anything runs (issue 12). Intake only:
no dbt build, so these run in the fast tier."""

from __future__ import annotations

import os

import pytest

from loader.intake import SAMPLE_MARKER, IntakeError, IntakeReport, prepare_landing
from loader.paths import WarehousePaths
from tests.support import candidate, write_entity

BATCH = "2026-01-01T0300"


@pytest.fixture
def paths(tmp_path) -> WarehousePaths:
    paths = WarehousePaths(
        landing_dir=tmp_path / "landing",
        duckdb_path=tmp_path / "warehouse.duckdb",
        state_dir=tmp_path / "state",
        audit_dir=tmp_path / "audit",
        publish_dir=tmp_path / "published",
    )
    write_entity(paths.landing_dir, BATCH, "candidates", [candidate("c1")])
    (paths.landing_dir / SAMPLE_MARKER).write_text("sample\n")
    return paths


def intake(paths: WarehousePaths) -> IntakeReport:
    """The intake checks alone (decoded files, if any, under the state directory)."""
    report, _ = prepare_landing(paths.landing_dir, paths.state_dir / "decoded")
    return report


def refusal(paths: WarehousePaths) -> str:
    with pytest.raises(IntakeError) as refused:
        intake(paths)
    return str(refused.value)


def test_a_well_formed_landing_passes(paths):
    assert intake(paths).files == {f"canonical/{BATCH}/candidates.csv": 1}


@pytest.mark.parametrize("name", ["_old", ".hidden", "_2026-02-01T0300"])
def test_a_batch_directory_starting_with_underscore_or_dot_is_refused(paths, name):
    """dbt's glob reads such a directory while the intake skipped it: its rows were
    staged unchecked, and a malformed one put DuckDB's "Original Line" in the logs."""
    write_entity(paths.landing_dir, name, "candidates", [candidate("c2")])
    assert f"landing canonical/{name}: a batch id may not start with '.' or '_'" in refusal(paths)


@pytest.mark.parametrize(
    "name", ["Candidates.csv", "candidates.CSV", "privacy_request.csv", "candidates.txt"]
)
def test_a_file_with_an_unexpected_name_or_extension_case_is_refused_by_name(paths, name):
    """Without a manifest such a file (e.g. erasure requests) was ignored without a word."""
    (paths.landing_dir / "canonical" / BATCH / name).write_text("candidate_id\nc9\n")
    assert f"landing canonical/{BATCH}/{name}: is not a file of the canonical export" in (
        refusal(paths)
    )


def test_symlinks_are_refused_files_batches_and_sources_alike(paths, tmp_path):
    real = tmp_path / "elsewhere.csv"
    real.write_text("candidate_id\n")
    (paths.landing_dir / "canonical" / BATCH / "privacy_requests.csv").symlink_to(real)
    os.symlink(paths.landing_dir / "canonical" / BATCH, paths.landing_dir / "canonical" / "b2")
    message = refusal(paths)
    assert f"landing canonical/{BATCH}/privacy_requests.csv: is a symlink" in message
    assert "landing canonical/b2: is a symlink" in message


def test_an_unknown_source_directory_or_stray_file_is_refused(paths):
    (paths.landing_dir / "workday").mkdir()
    (paths.landing_dir / "notes.txt").write_text("x")
    message = refusal(paths)
    assert "landing workday: is not a source directory" in message
    assert "landing notes.txt: is not a source directory" in message


def test_the_refusal_names_paths_only_never_content(paths):
    (paths.landing_dir / "canonical" / BATCH / "Candidates.csv").write_text(
        "candidate_id,full_name\nc9,Hanako Yamada\n"
    )
    assert "Hanako" not in refusal(paths)


def write_lines(path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def test_a_json_lines_field_holding_an_object_or_array_is_refused_by_line(paths):
    write_lines(
        paths.landing_dir / "canonical" / BATCH / "privacy_requests.jsonl",
        [
            '{"request_id": "r1", "candidate_id": "c1", "request_type": "erasure"}',
            '{"request_id": "r2", "candidate_id": {"name": "Hanako Yamada"}}',
            '{"request_id": "r3", "candidate_id": ["c1"]}',
            "[1, 2]",
            "not json at all, Hanako Yamada",
        ],
    )
    message = refusal(paths)
    assert (
        f"landing file canonical/{BATCH}/privacy_requests.jsonl: line 2: a field holds a JSON"
        " object or array; line 3: a field holds a JSON object or array; line 4: not a JSON"
        " object; line 5: not valid JSON"
    ) in message
    assert "Hanako" not in message


def test_json_lines_of_scalars_pass_and_are_counted(paths):
    write_lines(
        paths.landing_dir / "canonical" / BATCH / "privacy_requests.jsonl",
        [
            '{"request_id": 1, "candidate_id": "c1", "request_type": "erasure"}',
            "",
            '{"request_id": "r2", "candidate_id": 7, "request_type": null, "flag": true}',
        ],
    )
    assert intake(paths).files[f"canonical/{BATCH}/privacy_requests.jsonl"] == 2
