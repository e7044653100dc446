"""A canonical export rewritten as the tables Fivetran syncs from Greenhouse.

:func:`write_export` reads a generated canonical export
(``<canonical_dir>/<batch_id>/<entity>.csv|.parquet``, see :mod:`sample_exports.generate`) and
writes the same people, batch by batch, as ``<out_dir>/greenhouse/<batch_id>/<table>.csv``, so
one synthetic scenario can be checked through the Greenhouse staging models
(``dbt_project/models/staging/greenhouse/``, ``docs/source-greenhouse.md``).

How each canonical value is carried, so that the rules decide the same for every person:

- **Ids.** :func:`greenhouse_id` turns ``C123`` into ``123003`` (Greenhouse ids are numbers;
  ``003`` is the suffix its ids carry), per entity prefix; any other id shape becomes
  ``gh-`` + 16 hex digits of its MD5. :func:`greenhouse_candidate_id` is the person mapping
  the tests join on. Company-side records (consents, privacy requests, outreach) keep their
  own ids and only their candidate id is mapped.
- **Times.** Greenhouse timestamps are written without an offset, as Fivetran does. They hold
  the canonical local wall-clock time (an offset or ``Z`` in the canonical file is first
  converted to the canonical source's zone): the synthetic Greenhouse account's clock reads
  what the canonical ATS's clock read, so every local date the rules compare stays the same.
- **Status.** ``rejected`` stays ``rejected`` with a reason of type "We rejected them";
  ``withdrawn`` and ``offer_declined`` become ``rejected`` with a reason of type "They rejected
  us" (a reason row without a name when the canonical row has no reason); the declined offer
  tells them apart. ``hired`` gets an ``application_history`` row with ``new_status = hired``
  at ``closed_at``.
- **Vocabularies.** A stage name or reason is translated through the seeds: its canonical
  stage (or category) becomes the first Greenhouse name of that stage (or category) in
  ``seeds/stage_map.csv`` (``seeds/rejection_reason_map.csv``). An unmapped name is kept as
  it is, so it stays unmapped (and reported) on the Greenhouse side too.
- **Ratings.** 1-5 become ``definitely_not``, ``no``, ``no_decision``, ``yes``, ``strong_yes``.
- **Consent.** The consent events are company-side ``consent_events.csv``; the candidate's
  ``can_email`` / ``gdpr_retention_consent_given`` reflect the latest event of each purpose
  (they only count for a person without company-side records of that purpose).
- **Deletion.** ``is_deleted = true`` is ``_fivetran_deleted = true`` on the candidate.
- **Country.** ``country`` / ``region`` are the custom candidate fields ``custom_country`` /
  ``custom_region``.

Greenhouse has no job family, department text or job country in these tables; jobs lose them
(the rules do not read them). Evaluation texts are not carried (scorecard answers are not read).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import yaml

from loader.contract import CANONICAL_ENTITIES

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = REPO_ROOT / "seeds"

# Canonical id prefix per entity, as sample_exports.generate writes them.
ID_PREFIXES = {
    "candidate": "C",
    "job": "J",
    "application": "A",
    "stage_event": "S",
    "evaluation": "E",
    "offer": "O",
}
GREENHOUSE_ID_SUFFIX = "003"
# A timestamp text carrying an offset (as dbt_project/macros/parsing.sql recognises it).
OFFSET_PATTERN = "[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$"
# Placeholder time of the account's configuration rows (job stages, rejection reasons).
CONFIGURED_AT = "2000-01-01 00:00:00"
WE_REJECTED_THEM = "We rejected them"
THEY_REJECTED_US = "They rejected us"
TABLES = (
    "candidate",
    "email_address",
    "phone_number",
    "job",
    "application",
    "job_application",
    "application_history",
    "job_stage",
    "rejection_reason",
    "scorecard",
    "offer",
    "consent_events",
    "privacy_requests",
    "outreach_events",
)


def greenhouse_id(canonical_id: str, prefix: str) -> str:
    """The Greenhouse id of a canonical id of an entity whose ids start with ``prefix``:
    ``<prefix><digits>`` -> ``<digits>003``; anything else -> ``gh-`` + 16 hex of its MD5.
    One-to-one within an entity (the two forms never collide: one is digits only)."""
    match = re.fullmatch(re.escape(prefix) + r"([0-9]+)", canonical_id)
    if match:
        return match.group(1) + GREENHOUSE_ID_SUFFIX
    return "gh-" + hashlib.md5(canonical_id.encode("utf-8")).hexdigest()[:16]


def greenhouse_candidate_id(canonical_id: str) -> str:
    """The Greenhouse candidate id of a canonical candidate id (the person mapping)."""
    return greenhouse_id(canonical_id, ID_PREFIXES["candidate"])


def canonical_time_zone() -> str:
    """The zone of the canonical export's timestamps without offset (dbt var source_timezones)."""
    project = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]["source_timezones"]["canonical"]


def write_export(canonical_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write ``<out_dir>/greenhouse/<batch_id>/<table>.csv`` for every batch of the canonical
    export in ``canonical_dir``; return the rows written per table (all batches)."""
    canonical_dir, target = Path(canonical_dir), Path(out_dir) / "greenhouse"
    batches = sorted(path for path in canonical_dir.iterdir() if path.is_dir())
    if not batches:
        raise FileNotFoundError(f"no batch directories under {canonical_dir}")
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; refusing to overwrite an export")
    counts = dict.fromkeys(TABLES, 0)
    con = duckdb.connect()
    try:
        _setup(con, canonical_time_zone())
        _load_canonical(con, batches)
        con.execute(_LOOKUPS_SQL)
        for batch_no, batch in enumerate(batches, start=1):
            batch_dir = target / batch.name
            batch_dir.mkdir(parents=True, exist_ok=True)
            for table, sql in _table_queries(batch.name, first_batch=batch_no == 1).items():
                rows = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
                if rows == 0:
                    continue
                path = str(batch_dir / f"{table}.csv").replace("'", "''")
                con.execute(f"COPY ({sql}) TO '{path}' (FORMAT csv, HEADER true)")
                counts[table] += rows
    finally:
        con.close()
    return counts


def _setup(con: duckdb.DuckDBPyConnection, time_zone: str) -> None:
    con.execute(f"""
        CREATE MACRO gh_id(x, prefix) AS CASE
            WHEN x IS NULL THEN NULL
            WHEN regexp_full_match(x, prefix || '[0-9]+')
                THEN substr(x, length(prefix) + 1) || '{GREENHOUSE_ID_SUFFIX}'
            ELSE 'gh-' || substr(md5(x), 1, 16) END;
        -- canonical timestamp text -> the canonical local wall-clock time, without offset
        CREATE MACRO local_ts(x) AS CASE
            WHEN x IS NULL THEN NULL
            WHEN regexp_matches(x, '{OFFSET_PATTERN}')
                THEN CAST(CAST(CAST(x AS TIMESTAMPTZ) AT TIME ZONE '{time_zone}' AS TIMESTAMP)
                    AS VARCHAR)
            ELSE CAST(CAST(x AS TIMESTAMP) AS VARCHAR) END;
        CREATE MACRO key(x) AS lower(trim(x));
    """)
    for seed in ("stage_map", "rejection_reason_map"):
        path = str(SEEDS_DIR / f"{seed}.csv").replace("'", "''")
        con.execute(
            f"CREATE TABLE {seed} AS SELECT *, row_number() OVER () AS seed_row"
            f" FROM read_csv('{path}', header = true, all_varchar = true)"
        )


def _load_canonical(con: duckdb.DuckDBPyConnection, batches: list[Path]) -> None:
    """One table per canonical entity, all batches, every value as text plus batch_id."""
    for entity in CANONICAL_ENTITIES:
        selects = []
        for batch in batches:
            for extension, reader in (
                ("csv", "read_csv({}, header = true, all_varchar = true)"),
                ("parquet", "read_parquet({})"),
            ):
                path = batch / f"{entity}.{extension}"
                if path.exists():
                    literal = "'" + str(path).replace("'", "''") + "'"
                    selects.append(
                        f"SELECT '{batch.name}' AS batch_id, row_number() OVER () AS file_row, *"
                        f" FROM {reader.format(literal)}"
                    )
        if selects:
            union = " UNION ALL BY NAME ".join(f"({s})" for s in selects)
            con.execute(f"CREATE TABLE raw_{entity} AS {union}")
            columns = [row[0] for row in con.execute(f"DESCRIBE raw_{entity}").fetchall()]
            as_text = ", ".join(
                f"CAST({c} AS VARCHAR) AS {c}" for c in columns if c not in ("batch_id", "file_row")
            )
            con.execute(
                f"CREATE TABLE c_{entity} AS SELECT batch_id, file_row, {as_text} FROM raw_{entity}"
            )
        else:
            con.execute(f"CREATE TABLE c_{entity} (batch_id VARCHAR, file_row BIGINT)")
            con.execute(f"ALTER TABLE c_{entity} ADD COLUMN {_KEYS[entity]} VARCHAR")


_KEYS = {
    "candidates": "candidate_id",
    "jobs": "job_id",
    "applications": "application_id",
    "stage_events": "stage_event_id",
    "evaluations": "evaluation_id",
    "offers": "offer_id",
    "consent_events": "consent_event_id",
    "privacy_requests": "request_id",
    "outreach_events": "outreach_id",
}

# Translations through the seeds, the account's configuration rows and the job of each
# application, built once over all batches.
_LOOKUPS_SQL = f"""
CREATE TABLE stage_names AS
WITH canonical AS (
    SELECT key(source_stage) AS stage_key, stage FROM stage_map WHERE source_system = 'canonical'
), greenhouse AS (
    SELECT stage, arg_min(source_stage, seed_row) AS greenhouse_name
    FROM stage_map WHERE source_system = 'greenhouse' GROUP BY stage
), used AS (SELECT DISTINCT stage FROM c_stage_events WHERE stage IS NOT NULL)
SELECT used.stage AS canonical_name, coalesce(greenhouse.greenhouse_name, used.stage)
    AS greenhouse_name
FROM used
LEFT JOIN canonical ON key(used.stage) = canonical.stage_key
LEFT JOIN greenhouse ON canonical.stage = greenhouse.stage;

CREATE TABLE reason_names AS
WITH canonical AS (
    SELECT key(source_reason) AS reason_key, category
    FROM rejection_reason_map WHERE source_system = 'canonical'
), greenhouse AS (
    SELECT category, arg_min(source_reason, seed_row) AS greenhouse_name
    FROM rejection_reason_map WHERE source_system = 'greenhouse' GROUP BY category
), used AS (
    SELECT rejection_reason AS reason FROM c_applications WHERE rejection_reason IS NOT NULL
    UNION SELECT decline_reason FROM c_offers WHERE decline_reason IS NOT NULL
)
SELECT used.reason AS canonical_name, coalesce(greenhouse.greenhouse_name, used.reason)
    AS greenhouse_name
FROM used
LEFT JOIN canonical ON key(used.reason) = canonical.reason_key
LEFT JOIN greenhouse ON canonical.category = greenhouse.category;

-- the job of each application (its latest version)
CREATE TABLE application_jobs AS
SELECT application_id, arg_max(job_id, local_ts(updated_at) || batch_id) AS job_id
FROM c_applications GROUP BY application_id;

CREATE TABLE job_stages AS
WITH used AS (
    SELECT DISTINCT application_jobs.job_id, stage_names.greenhouse_name AS name
    FROM c_stage_events
    JOIN stage_names ON c_stage_events.stage = stage_names.canonical_name
    LEFT JOIN application_jobs USING (application_id)
)
SELECT CAST(5000000000 + row_number() OVER (ORDER BY job_id NULLS FIRST, name) AS VARCHAR) AS id,
       job_id, name
FROM used;

CREATE TABLE rejection_reasons AS
WITH used AS (
    SELECT DISTINCT
        CASE WHEN key(status) = 'rejected' THEN '{WE_REJECTED_THEM}' ELSE '{THEY_REJECTED_US}' END
            AS type_name,
        reason_names.greenhouse_name AS reason
    FROM c_applications
    LEFT JOIN reason_names ON c_applications.rejection_reason = reason_names.canonical_name
    WHERE key(status) IN ('withdrawn', 'offer_declined')
       OR (key(status) = 'rejected' AND rejection_reason IS NOT NULL)
)
SELECT CAST(6000000000 + row_number() OVER (ORDER BY type_name, reason NULLS FIRST) AS VARCHAR)
    AS id,
       reason,
       CASE type_name WHEN '{WE_REJECTED_THEM}' THEN '1' ELSE '2' END AS type_id,
       type_name
FROM used;

-- Greenhouse's consent flags: the latest event of each purpose (a tie goes to withdrawn)
CREATE TABLE consent_flags AS
WITH ranked AS (
    SELECT candidate_id, key(purpose) AS purpose, key(action) AS action,
           row_number() OVER (PARTITION BY candidate_id, key(purpose)
                              ORDER BY local_ts(recorded_at) DESC, key(action) = 'withdrawn' DESC)
                                  AS rank
    FROM c_consent_events
)
SELECT candidate_id,
       max(CASE WHEN purpose = 'recontact' AND action = 'withdrawn' THEN 1 ELSE 0 END) = 0
           AS can_email,
       max(CASE WHEN purpose = 'retention' THEN action = 'granted' END) AS retention_given
FROM ranked WHERE rank = 1 GROUP BY candidate_id;
"""


def _table_queries(batch_id: str, first_batch: bool) -> dict[str, str]:
    """One SELECT per Greenhouse table of this batch, rows in key order."""
    batch = f"batch_id = '{batch_id}'"
    queries = {
        "candidate": f"""
            SELECT gh_id(c.candidate_id, 'C') AS id,
                   coalesce(key(c.is_deleted) IN ('true', 't', '1', 'yes', 'y'), false)
                       AS _fivetran_deleted,
                   local_ts(c.updated_at) AS _fivetran_synced,
                   local_ts(c.created_at) AS created_at,
                   CASE WHEN strpos(c.full_name, ' ') > 0
                        THEN substr(c.full_name, 1, strpos(c.full_name, ' ') - 1)
                            ELSE c.full_name END AS first_name,
                   CASE WHEN strpos(c.full_name, ' ') > 0
                        THEN substr(c.full_name, strpos(c.full_name, ' ') + 1) END AS last_name,
                   false AS is_private,
                   local_ts(c.updated_at) AS updated_at,
                   coalesce(f.can_email, true) AS can_email,
                   f.retention_given AS gdpr_retention_consent_given,
                   c.country AS custom_country,
                   c.region AS custom_region
            FROM c_candidates AS c LEFT JOIN consent_flags AS f USING (candidate_id)
            WHERE {batch} ORDER BY c.file_row""",
        "email_address": f"""
            SELECT gh_id(candidate_id, 'C') AS candidate_id, 0 AS index,
                   local_ts(updated_at) AS _fivetran_synced, 'personal' AS type, email AS value
            FROM c_candidates WHERE {batch} AND email IS NOT NULL ORDER BY file_row""",
        "phone_number": f"""
            SELECT gh_id(candidate_id, 'C') AS candidate_id, 0 AS index,
                   local_ts(updated_at) AS _fivetran_synced, 'mobile' AS type, phone AS value
            FROM c_candidates WHERE {batch} AND phone IS NOT NULL ORDER BY file_row""",
        "job": f"""
            SELECT gh_id(job_id, 'J') AS id, false AS _fivetran_deleted,
                   local_ts(updated_at) AS _fivetran_synced,
                   local_ts(closed_at) AS closed_at, false AS confidential,
                   local_ts(opened_at) AS created_at, title AS name,
                   CASE key(status) WHEN 'open' THEN 'open' WHEN 'on_hold' THEN 'draft'
                        WHEN 'closed' THEN 'closed' WHEN 'filled' THEN 'closed' ELSE status END
                            AS status,
                   local_ts(updated_at) AS updated_at
            FROM c_jobs WHERE {batch} ORDER BY file_row""",
        "application": f"""
            SELECT gh_id(a.application_id, 'A') AS id, false AS _fivetran_deleted,
                   local_ts(a.updated_at) AS _fivetran_synced,
                   local_ts(a.applied_at) AS applied_at,
                   gh_id(a.candidate_id, 'C') AS candidate_id,
                   local_ts(a.updated_at) AS last_activity_at,
                   false AS prospect,
                   CASE WHEN key(a.status) IN ('rejected', 'withdrawn', 'offer_declined')
                        THEN local_ts(a.closed_at) END AS rejected_at,
                   r.id AS rejected_reason_id,
                   CASE WHEN key(a.status) IN ('withdrawn', 'offer_declined') THEN 'rejected'
                        ELSE key(a.status) END AS status
            FROM c_applications AS a
            LEFT JOIN reason_names AS n ON a.rejection_reason = n.canonical_name
            LEFT JOIN rejection_reasons AS r
                ON r.type_name = CASE WHEN key(a.status) = 'rejected' THEN '{WE_REJECTED_THEM}'
                                      WHEN key(a.status) IN ('withdrawn', 'offer_declined')
                                          THEN '{THEY_REJECTED_US}' END
                AND r.reason IS NOT DISTINCT FROM n.greenhouse_name
            WHERE {batch} ORDER BY a.file_row""",
        "job_application": f"""
            SELECT gh_id(application_id, 'A') AS application_id, gh_id(job_id, 'J') AS job_id,
                   local_ts(updated_at) AS _fivetran_synced
            FROM c_applications WHERE {batch} ORDER BY file_row""",
        "application_history": f"""
            SELECT application_id, updated_at, _fivetran_synced, new_stage_id, new_status FROM (
                SELECT gh_id(e.application_id, 'A') AS application_id, local_ts(e.entered_at)
                    AS updated_at,
                       local_ts(e.entered_at) AS _fivetran_synced, s.id AS new_stage_id,
                       NULL AS new_status, 1 AS part, e.file_row
                FROM c_stage_events AS e
                JOIN stage_names AS n ON e.stage = n.canonical_name
                LEFT JOIN application_jobs AS j USING (application_id)
                JOIN job_stages AS s ON s.job_id IS NOT DISTINCT FROM j.job_id
                    AND s.name = n.greenhouse_name
                WHERE e.{batch}
                UNION ALL
                SELECT gh_id(application_id, 'A'), local_ts(closed_at), local_ts(closed_at),
                       NULL, 'hired', 2, file_row
                FROM c_applications
                WHERE {batch} AND key(status) = 'hired' AND closed_at IS NOT NULL
            ) ORDER BY part, file_row""",
        "scorecard": f"""
            SELECT gh_id(e.evaluation_id, 'E') AS id, false AS _fivetran_deleted,
                   local_ts(e.evaluated_at) AS _fivetran_synced,
                   gh_id(e.application_id, 'A') AS application_id,
                   local_ts(e.evaluated_at) AS created_at,
                   e.stage AS interview,
                   local_ts(e.evaluated_at) AS interviewed_at,
                   CASE trim(e.rating) WHEN '1' THEN 'definitely_not' WHEN '2' THEN 'no'
                        WHEN '3' THEN 'no_decision' WHEN '4' THEN 'yes' WHEN '5'
                            THEN 'strong_yes' END
                       AS overall_recommendation,
                   local_ts(e.evaluated_at) AS submitted_at,
                   local_ts(e.evaluated_at) AS updated_at
            FROM c_evaluations AS e WHERE e.{batch} ORDER BY e.file_row""",
        "offer": f"""
            SELECT gh_id(o.offer_id, 'O') AS id, false AS _fivetran_deleted,
                   local_ts(o.updated_at) AS _fivetran_synced,
                   gh_id(o.application_id, 'A') AS application_id,
                   local_ts(o.extended_at) AS created_at,
                   CASE WHEN key(o.status) IN ('accepted', 'declined')
                       THEN local_ts(o.updated_at) END AS resolved_at,
                   local_ts(o.extended_at) AS sent_at,
                   CASE key(o.status) WHEN 'pending' THEN 'unresolved' WHEN 'accepted'
                       THEN 'accepted'
                        WHEN 'declined' THEN 'rejected' WHEN 'rescinded' THEN 'deprecated'
                            ELSE o.status END AS status,
                   local_ts(o.updated_at) AS updated_at,
                   1 AS version,
                   n.greenhouse_name AS custom_decline_reason
            FROM c_offers AS o LEFT JOIN reason_names AS n ON o.decline_reason = n.canonical_name
            WHERE o.{batch} ORDER BY o.file_row""",
        "consent_events": f"""
            SELECT consent_event_id, gh_id(candidate_id, 'C') AS candidate_id, purpose, action,
                   local_ts(recorded_at) AS recorded_at, local_ts(expires_at) AS expires_at,
                   notice_version, channel
            FROM c_consent_events WHERE {batch} ORDER BY file_row""",
        "privacy_requests": f"""
            SELECT request_id, gh_id(candidate_id, 'C') AS candidate_id, request_type,
                   local_ts(received_at) AS received_at, local_ts(completed_at) AS completed_at
            FROM c_privacy_requests WHERE {batch} ORDER BY file_row""",
        "outreach_events": f"""
            SELECT outreach_id, gh_id(candidate_id, 'C') AS candidate_id, local_ts(sent_at)
                AS sent_at,
                   channel, cohort, outcome, local_ts(outcome_at) AS outcome_at
            FROM c_outreach_events WHERE {batch} ORDER BY file_row""",
    }
    if first_batch:
        queries["job_stage"] = f"""
            SELECT id, false AS _fivetran_deleted, '{CONFIGURED_AT}' AS _fivetran_synced,
                   '{CONFIGURED_AT}' AS created_at, gh_id(job_id, 'J') AS job_id, name,
                   '{CONFIGURED_AT}' AS updated_at
            FROM job_stages ORDER BY id"""
        queries["rejection_reason"] = f"""
            SELECT id, false AS _fivetran_deleted, '{CONFIGURED_AT}' AS _fivetran_synced, reason,
                   type_id AS rejection_reason_type_id, type_name AS rejection_reason_type_name
            FROM rejection_reasons ORDER BY id"""
    return queries
