"""Cross-source identity (docs/identity.md): which records are one person, and rules
decided per person. One hand-made export with true matches, near misses and a chain,
built by dbt and compared with the oracle (tests/oracle.py: its own union-find)."""

from __future__ import annotations

import hashlib
from datetime import date

import duckdb
import pytest

from loader.contract import MART_KEYS
from loader.paths import PROJECT_DIR
from orchestration.warehouse import DbtFailed
from tests import oracle
from tests.support import (
    application,
    assert_same_rows,
    candidate,
    consent,
    new_warehouse,
    write_entity,
)

AS_OF = date(2026, 6, 30)
BATCH = "2026-06-01T0300"


def person(candidate_id: str, **values: str) -> dict:
    """A candidate record with a closed application and both consents granted: eligible
    on its own unless a test says otherwise."""
    return candidate(candidate_id, **{"phone": "", **values})


RECORDS = [
    # same e-mail, written differently: one person; m1b's recontact withdrawal wins over
    # m1a's later grant (the most restrictive consent wins)
    person("m1a", email="Taro.Yamada@Example.jp", full_name="Yamada Taro"),
    person("m1b", email="  taro.yamada@example.jp", full_name="Taro Y."),
    # same phone (international and national) and same name (with and without the space)
    person("m2a", email="m2a@example.jp", phone="+81 90-1234-5678", full_name="山田 花子"),
    person("m2b", email="m2b@example.jp", phone="090-1234-5678", full_name="山田花子"),
    # near misses: same name other phone; same phone other name; same name no phone
    person("f1", email="f1@example.jp", phone="03-1111-2222", full_name="佐藤 一郎"),
    person("f2", email="f2@example.jp", phone="03-1111-3333", full_name="佐藤 一郎"),
    person("f3", email="f3@example.jp", phone="03-1111-2222", full_name="佐藤 次郎"),
    person("f4", email="f4@example.jp", phone="", full_name="佐藤 一郎"),
    # a chain: t1 -e-mail- t2 -phone and name- t3
    person("t1", email="chain@example.jp", full_name="Chain One"),
    person("t2", email="chain@example.jp", phone="080-5555-0000", full_name="Chain Two"),
    person("t3", email="t3@example.jp", phone="08055550000", full_name="Chain Two"),
    # two records, two applications: the cohort comes from the later one
    person("k1", email="k@example.jp", full_name="Kohort"),
    person("k2", email="K@example.jp", full_name="Kohort"),
    # no usable keys at all: never merged
    person("n1", email="not an address", full_name=""),
    person("n2", email="not an address", full_name=""),
]


@pytest.fixture(scope="module")
def identity_warehouse(tmp_path_factory):
    warehouse = new_warehouse(tmp_path_factory.mktemp("identity"))
    export = warehouse.export_dir
    write_entity(export, BATCH, "candidates", RECORDS)
    later_closing = {"k2": "2025-09-01T09:00:00"}  # k2's application closed after k1's
    applications = [
        application(
            f"a-{r['candidate_id']}",
            r["candidate_id"],
            rejection_reason="社風不一致",
            closed_at=later_closing.get(r["candidate_id"], "2025-06-01T09:00:00"),
        )
        for r in RECORDS
    ]
    write_entity(export, BATCH, "applications", applications)
    write_entity(
        export,
        BATCH,
        "stage_events",
        [
            {
                "stage_event_id": f"s-{a['application_id']}",
                "application_id": a["application_id"],
                "stage": "最終面接",
                "entered_at": "2025-05-01T10:00:00",
            }
            for a in applications
        ],
    )
    consents = [
        consent(f"k-{r['candidate_id']}-{p}", r["candidate_id"], p)
        for r in RECORDS
        for p in ("retention", "recontact")
    ]
    consents.append(
        consent(
            "k-m1b-withdrawn",
            "m1b",
            "recontact",
            action="withdrawn",
            recorded_at="2025-01-10T09:00:00",
        )
    )
    write_entity(export, BATCH, "consent_events", consents)
    write_entity(
        export,
        BATCH,
        "privacy_requests",
        [
            {
                "request_id": "r-m2b",
                "candidate_id": "m2b",
                "request_type": "erasure",
                "received_at": "2026-02-01T10:00:00",
            }
        ],
    )
    warehouse.build(AS_OF)
    return warehouse


def persons(warehouse) -> dict[str, str]:
    rows = warehouse.rows("select candidate_id, person_id from marts.recontact_eligibility")
    return dict(rows)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_matching_records_share_one_person_id(identity_warehouse):
    ids = persons(identity_warehouse)
    assert ids["m1a"] == ids["m1b"] == md5("canonical|m1a")
    assert ids["m2a"] == ids["m2b"] == md5("canonical|m2a")
    assert ids["t1"] == ids["t2"] == ids["t3"] == md5("canonical|t1")
    assert ids["k1"] == ids["k2"]


def test_near_misses_stay_separate_persons(identity_warehouse):
    ids = persons(identity_warehouse)
    for record in ("f1", "f2", "f3", "f4", "n1", "n2"):
        assert ids[record] == md5(f"canonical|{record}"), record
    assert len({ids[r] for r in ("f1", "f2", "f3", "f4", "n1", "n2")}) == 6


def test_a_withdrawal_in_one_record_excludes_the_whole_person(identity_warehouse):
    rows = dict(
        identity_warehouse.rows(
            "select candidate_id, exclusion_reasons from marts.recontact_eligibility"
            " where candidate_id in ('m1a', 'm1b')"
        )
    )
    assert rows == {"m1a": "no_recontact_consent", "m1b": "no_recontact_consent"}


def test_an_erasure_request_in_one_record_queues_every_record(identity_warehouse):
    queued = identity_warehouse.rows(
        "select candidate_id, purge_reason from marts.retention_purge_queue"
        " where candidate_id like 'm2%' order by candidate_id"
    )
    assert queued == [["m2a", "erasure_requested"], ["m2b", "erasure_requested"]]


def test_one_cohort_row_per_person_from_the_latest_application(identity_warehouse):
    rows = identity_warehouse.rows(
        "select candidate_id, application_id from marts.recontact_cohorts"
        " where candidate_id like 'k%' and cohort = 'final_interview'"
    )
    assert rows == [["k2", "a-k2"]]


def test_identity_and_per_person_rules_match_the_oracle(identity_warehouse):
    expected = oracle.evaluate(identity_warehouse.export_dir, PROJECT_DIR / "seeds", AS_OF)
    for mart, rows in (
        ("recontact_eligibility", expected.eligibility),
        ("recontact_cohorts", expected.cohorts),
        ("retention_purge_queue", expected.purge_queue),
    ):
        assert_same_rows(identity_warehouse.mart(mart), rows, MART_KEYS[mart], mart)


def test_matching_stops_only_when_converged(tmp_path):
    """With one round, the chain t1-t2-t3 cannot resolve: the convergence test must fail.
    The next (incremental) run with the default rounds recomputes the persons left split,
    though no record changed, and the test passes."""
    warehouse = new_warehouse(tmp_path)
    write_entity(warehouse.export_dir, BATCH, "candidates", RECORDS[8:11])
    check = "assert_identity_matching_converged"
    build_identity(warehouse, identity_rounds=1)
    with pytest.raises(DbtFailed) as failure:
        warehouse.dbt("test", AS_OF, select=check, identity_rounds=1)
    assert check in failure.value.output
    warehouse.dbt("run", AS_OF, select="int_person_identity")
    assert check in warehouse.dbt("test", AS_OF, select=check)
    assert warehouse.rows(
        "select count(distinct person_id) from intermediate.int_person_identity"
    ) == [[1]]


MODELS_ONLY = ["--exclude", "resource_type:test", "resource_type:unit_test"]


def build_identity(warehouse, **options) -> None:
    """Seeds and the models up to int_person_identity, in one dbt build."""
    warehouse.dbt("build", AS_OF, select="+int_person_identity", exclude=MODELS_ONLY, **options)


def identity_rows(warehouse) -> list[list]:
    return warehouse.rows(
        "select source_system, candidate_id, person_id, person_records, email_key_hash,"
        " phone_name_key_hash from intermediate.int_person_identity order by all"
    )


def assert_equal_to_a_full_refresh(warehouse) -> list[list]:
    """The table the incremental run left equals the table computed from scratch (a full
    refresh of int_person_identity over the same staging tables); returns its rows."""
    incremental = identity_rows(warehouse)
    warehouse.dbt("run", AS_OF, select="int_person_identity", full_refresh=True)
    assert incremental == identity_rows(warehouse)
    return incremental


def test_a_daily_run_recomputes_the_touched_persons_as_a_full_build_would(tmp_path):
    """int_person_identity is incremental: a run recomputes the persons a changed record
    can touch. A record losing its e-mail and phone breaks its chain in three, one gaining a phone
    joins a person (a merge), a new record joins one, another is a person of its own; then a
    re-sent batch without a record takes it out of its person. After each run the table
    equals a full refresh's (computed from scratch), and the untouched persons' rows were not
    rewritten."""
    warehouse = new_warehouse(tmp_path / "incremental")
    write_entity(warehouse.export_dir, BATCH, "candidates", RECORDS)
    build_identity(warehouse)
    updated = {"updated_at": "2026-06-15T01:00:00"}
    changes = [
        person("t2", email="t2-new@example.jp", full_name="Chain Two", **updated),
        person("f4", email="f4@example.jp", phone="03-1111-2222", full_name="佐藤 一郎", **updated),
        person("m1c", email="TARO.YAMADA@example.jp", full_name="Taro"),
        person("x1", email="x1@example.jp", full_name="Someone Else"),
    ]
    write_entity(warehouse.export_dir, "2026-06-15T0300", "candidates", changes)
    # mark every row (person_records negated), to see which rows the run rewrites
    flip = "update intermediate.int_person_identity set person_records = -person_records"
    with duckdb.connect(str(warehouse.duckdb_path)) as connection:
        connection.execute(flip)
    build_identity(warehouse)
    compiled = next((warehouse.target_path / "compiled").rglob("int_person_identity.sql"))
    assert "touched_persons as (" in compiled.read_text()  # the incremental path ran
    rewritten = warehouse.rows(
        "select candidate_id from intermediate.int_person_identity"
        " where person_records > 0 order by 1"
    )
    assert [c for (c,) in rewritten] == sorted(
        ["t1", "t2", "t3", "f1", "f4", "m1a", "m1b", "m1c", "x1"]
    )
    with duckdb.connect(str(warehouse.duckdb_path)) as connection:
        connection.execute(flip + " where person_records < 0")
    assert_equal_to_a_full_refresh(warehouse)
    persons = dict(
        warehouse.rows("select candidate_id, person_id from intermediate.int_person_identity")
    )
    assert len({persons["t1"], persons["t2"], persons["t3"]}) == 3
    assert persons["f1"] == persons["f4"] != persons["f2"]
    assert persons["m1a"] == persons["m1b"] == persons["m1c"]

    # the first batch re-sent without k2: k1 is a person of one record again
    write_entity(
        warehouse.export_dir,
        BATCH,
        "candidates",
        [r for r in RECORDS if r["candidate_id"] != "k2"],
    )
    build_identity(warehouse)
    rows = assert_equal_to_a_full_refresh(warehouse)
    assert [row[3] for row in rows if row[1] == "k1"] == [1]
    assert not [row for row in rows if row[1] == "k2"]
