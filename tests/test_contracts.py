"""The marts' dbt contracts and documentation (issue 10, point 3).

Every model of dbt_project/models/marts/ and outreach/ has an enforced contract: each column
with its data type and a description, listed in the table's column order; the descriptions
are in the warehouse as table and column comments (persist_docs); and a model whose select
changes a column's type or name fails its build, leaving the last good table in place.
The incremental staging tables fail a run whose model no longer matches them, rather than
inserting without the missing column.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import duckdb
import pytest

from loader.contract import MART_KEYS
from loader.paths import PROJECT_DIR, WarehousePaths
from orchestration.warehouse import DbtFailed, dbt_args, dbt_executable, dbt_vars, run_dbt
from tests.support import END_DATE

CONTRACTED_FOLDERS = {"marts": "public", "outreach": "protected"}
# What dbt needs to parse the project (dbt_project.yml names these paths).
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "dbt_project", "seeds")


def contracted_models(manifest_path) -> dict[str, dict]:
    manifest = json.loads(manifest_path.read_text())
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["package_name"] == "recontact"
        and node["fqn"][1] in CONTRACTED_FOLDERS
    }


def relation_columns(connection, schema: str, table: str) -> list[tuple[str, str | None]]:
    return connection.execute(
        "select column_name, comment from duckdb_columns()"
        " where schema_name = ? and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()


def test_every_mart_has_an_enforced_contract_in_its_column_order(dbt_manifest, sample_warehouse):
    """Each mart and the drafts: contract enforced, every column typed and described, the
    YAML in the order of the built table's columns; the descriptions are the table's and
    columns' comments in DuckDB, so a BI tool shows them."""
    models = contracted_models(dbt_manifest)
    assert {*MART_KEYS, "recontact_eligibility_history", "recontact_drafts"} <= set(models)
    with duckdb.connect(str(sample_warehouse.duckdb_path), read_only=True) as connection:
        for name, node in models.items():
            assert node["config"]["contract"]["enforced"], name
            assert node["access"] == CONTRACTED_FOLDERS[node["fqn"][1]], name
            columns = node["columns"]
            untyped = [column for column, spec in columns.items() if not spec.get("data_type")]
            undescribed = [column for column, spec in columns.items() if not spec["description"]]
            assert not untyped and not undescribed, (name, untyped, undescribed)

            built = relation_columns(connection, node["schema"], name)
            assert [column for column, _ in built] == list(columns), name
            uncommented = [
                column for column, comment in built if comment != columns[column]["description"]
            ]
            assert uncommented == [], name
            (table_comment,) = connection.execute(
                "select comment from duckdb_tables() where schema_name = ? and table_name = ?",
                [node["schema"], name],
            ).fetchone()
            assert table_comment == node["description"], name


def project_copy(root):
    """The dbt project's files under root, to change a model without touching the repo."""
    root.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy2(source, root / name)
    return root


def replace_in(path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name}: {old!r} not found once"
    path.write_text(text.replace(old, new))


@pytest.mark.slow  # one dbt parse and run of two models, on a copy of the sample warehouse
def test_a_mart_whose_column_changes_type_or_name_fails_and_keeps_its_table(
    sample_warehouse, tmp_path
):
    """A boolean turned integer (recontact_eligibility.is_eligible) and a renamed column
    (retention_purge_queue.purge_due_on) each fail their model's run with dbt's contract
    error; the tables of the last good build stay as they were."""
    project = project_copy(tmp_path / "project")
    models = project / "dbt_project" / "models" / "marts"
    replace_in(
        models / "recontact_eligibility.sql",
        "exclusion_reasons is null as is_eligible",
        "cast(exclusion_reasons is null as integer) as is_eligible",
    )
    replace_in(
        models / "retention_purge_queue.sql",
        "        purge_due_on\n",
        "        purge_due_on as purge_due_date\n",
    )
    # A copy of the sample warehouse under the same file name (DuckDB's catalog name).
    warehouse = tmp_path / "copy" / sample_warehouse.duckdb_path.name
    warehouse.parent.mkdir()
    shutil.copy2(sample_warehouse.duckdb_path, warehouse)
    marts = ("recontact_eligibility", "retention_purge_queue")

    def tables() -> dict[str, tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            return {
                mart: (
                    connection.execute(f"describe marts.{mart}").fetchall(),
                    connection.execute(f"select count(*) from marts.{mart}").fetchone(),
                )
                for mart in marts
            }

    before = tables()
    target = tmp_path / "target"
    finished = subprocess.run(
        [dbt_executable(), "run", "--project-dir", str(project), "--profiles-dir", str(project),
         "--target", "duckdb", "--target-path", str(target), "--select", *marts,
         "--vars", json.dumps({"as_of_date": END_DATE.isoformat()})],
        cwd=project,
        env={
            **os.environ,
            "RECONTACT_DUCKDB_PATH": str(warehouse),
            "RECONTACT_LANDING_DIR": str(sample_warehouse.landing_dir),
            "RECONTACT_STATE_DIR": str(tmp_path / "state"),
        },
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert finished.returncode == 1, finished.stdout[-3000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    outcome = {result["unique_id"].split(".")[-1]: result for result in results}
    for mart in marts:
        assert outcome[mart]["status"] == "error", mart
        assert "contract" in outcome[mart]["message"].lower(), outcome[mart]["message"]
    assert "is_eligible" in outcome["recontact_eligibility"]["message"]
    assert "purge_due_date" in outcome["retention_purge_queue"]["message"]
    assert tables() == before


def copy_of_the_sample_warehouse(sample_warehouse, tmp_path) -> WarehousePaths:
    """The sample warehouse's DuckDB file copied under tmp_path/copy (the same file name,
    DuckDB's catalog name), with paths of its own, to change it."""
    copy = tmp_path / "copy"
    copy.mkdir()
    warehouse = copy / sample_warehouse.duckdb_path.name
    shutil.copy2(sample_warehouse.duckdb_path, warehouse)
    return WarehousePaths(
        landing_dir=copy / "landing",
        duckdb_path=warehouse,
        state_dir=copy / "state",
        audit_dir=copy / "audit",
        publish_dir=copy / "published",
    )


def test_a_staging_table_out_of_step_with_its_model_fails_the_run(sample_warehouse, tmp_path):
    """A keyed and an event staging table that lack a column their model selects (the
    model's SQL gained it since the table was built): the daily run fails on each with
    dbt's out-of-sync error, naming the column, and leaves the table as it was. dbt's
    default (`ignore`) would insert the new rows without that column, without a word; the
    remedy is `dbt build --full-refresh`, which rereads the raw tables (docs/engines.md)."""
    paths = copy_of_the_sample_warehouse(sample_warehouse, tmp_path)
    warehouse = paths.duckdb_path
    dropped = {"stg_canonical__candidates": "region", "stg_canonical__consent_events": "channel"}
    with duckdb.connect(str(warehouse)) as connection:
        for model, column in dropped.items():
            connection.execute(f"alter table staging.{model} drop column {column}")
    args = dbt_args(
        "run",
        dbt_vars(END_DATE.isoformat()),
        select=" ".join(dropped),
        target_path=tmp_path / "target",
    )
    with pytest.raises(DbtFailed):
        run_dbt(args, paths, quiet=True)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    outcome = {result["unique_id"].split(".")[-1]: result for result in results}
    for model, column in dropped.items():
        assert outcome[model]["status"] == "error", model
        assert "out of sync" in outcome[model]["message"], outcome[model]["message"]
        assert column in outcome[model]["message"], model
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for model, column in dropped.items():
            columns = [row[0] for row in connection.execute(f"describe staging.{model}").fetchall()]
            assert column not in columns, model


def test_the_job_match_grain_tests_fail_on_a_repeated_opening_or_rank(sample_warehouse, tmp_path):
    """The two grain tests of the largest mart (unique_combination, in two steps: repeated
    hashes, then the real columns): a person's opening matched twice fails the first, a
    match_rank given twice fails the second, and an untouched copy passes both."""
    paths = copy_of_the_sample_warehouse(sample_warehouse, tmp_path)
    warehouse = paths.duckdb_path
    grain_tests = {
        "opening": "unique_combination_recontact_job_matches_person_id__source_system__opening_id",
        "rank": "one_match_rank_per_person",
    }

    def failing_tests() -> set[str]:
        args = dbt_args(
            "test",
            dbt_vars(END_DATE.isoformat()),
            select=" ".join(grain_tests.values()),
            target_path=tmp_path / "target",
        )
        try:
            run_dbt(args, paths, quiet=True)
        except DbtFailed:
            pass
        results = [
            result
            for result in json.loads((tmp_path / "target" / "run_results.json").read_text())[
                "results"
            ]
            if result["unique_id"].startswith("test.")
        ]
        assert len(results) == 2, [result["unique_id"] for result in results]
        return {
            name
            for name, test in grain_tests.items()
            for result in results
            if result["unique_id"].split(".")[2] == test and result["status"] == "fail"
        }

    assert failing_tests() == set()
    with duckdb.connect(str(warehouse)) as connection:
        # the first person's first opening again, ranked after their last one
        connection.execute(
            """
            insert into marts.recontact_job_matches
            select * replace (match_rank + 1000 as match_rank)
            from marts.recontact_job_matches
            order by source_system, candidate_id, match_rank
            limit 1
            """
        )
    assert failing_tests() == {"opening"}
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "update marts.recontact_job_matches set opening_id = opening_id || '-other'"
            " where match_rank > 1000"
        )
        connection.execute(
            "update marts.recontact_job_matches set match_rank = match_rank - 1000"
            " where match_rank > 1000"
        )
    assert failing_tests() == {"rank"}
