"""Lever-shaped (Fivetran) export of a generated canonical export (docs/source-lever.md).

``write_export(canonical_dir, out_dir)`` reads every batch of
``<canonical_dir>/<batch_id>/<entity>.csv|.parquet`` and writes the same people as
``<out_dir>/lever/<batch_id>/<table>.csv``: the Fivetran Lever tables the lever staging
reads, plus the company's own records Lever has no place for (consent events, privacy
requests, outreach events, residences) in the canonical shape, keyed by the Lever contact id.

Mapping (one canonical row version -> one Lever row version, in the same batch):
  candidate      -> contact (id ``lever_contact_id``), its e-mail and phone, a residence
                    record (country, region, updated_at); deletion -> ``is_anonymized`` on
                    every opportunity of the contact from the deletion's batch on
  application    -> opportunity (+ Fivetran ``application`` row naming the posting);
                    closed -> ``archived_at`` (closed_at, else updated_at) with an archive
                    reason: ``Hired``; the rejection reason; for an offer_declined one
                    without a reason, the decline reason of its latest declined offer;
                    ``Withdrew`` for every withdrawn one (Lever keeps one archive reason, and
                    the staging reads `withdrawn` from it; the withdrawal's own reason, e.g.
                    timing, is not carried: no rule reads it for a withdrawn application)
  stage event    -> opportunity_stage_history (+ ``stage`` rows naming the stages)
  evaluation     -> feedback_form, rating as ``score_system_value`` ``"<n> - <label>"``
  offer          -> offer: accepted -> signed, declined -> denied, pending and
                    rescinded -> sent (the staging reads an unsigned offer of a closed,
                    non-hired opportunity as rescinded); ``_fivetran_synced`` = updated_at
  job            -> posting (``categories_location`` = the country code)
  consent events -> the company-side consent_events file, unchanged except for the ids:
                    Lever's data-protection fields hold only a current state, recorded at
                    an opportunity's updated_at, which cannot carry a history of grants and
                    withdrawals at their own times, so the fields are left empty.

Timestamps are written as Fivetran does, UTC without an offset; the canonical ones are
local time of ``source_timezone`` (or carry an offset). All work is DuckDB SQL.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb

from loader.contract import CANONICAL_ENTITIES

LEVER_SUBDIR = "lever"
# Canonical rating -> the label of a five-point Lever score system.
SCORE_LABELS = {1: "Strong No Hire", 2: "No Hire", 3: "Neutral", 4: "Hire", 5: "Strong Hire"}
HIRED_REASON = "Hired"
WITHDREW_REASON = "Withdrew"
_OFFSET = r"[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$"


def lever_id(kind: str, canonical_id: str) -> str:
    """A deterministic Lever-style UUID for the canonical record ``canonical_id`` of ``kind``:
    the MD5 of ``"<kind>:<canonical_id>"`` laid out as 8-4-4-4-12 hex digits."""
    digest = hashlib.md5(f"{kind}:{canonical_id}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"


def lever_contact_id(canonical_candidate_id: str) -> str:
    """The Lever contact id of a canonical candidate (the lever source's candidate_id)."""
    return lever_id("contact", canonical_candidate_id)


_MACROS = f"""
CREATE OR REPLACE MACRO lever_id(kind, canonical_id) AS (
    WITH d AS (SELECT md5(kind || ':' || canonical_id) AS h)
    SELECT CASE WHEN canonical_id IS NOT NULL THEN
        h[1:8] || '-' || h[9:12] || '-' || h[13:16] || '-' || h[17:20] || '-' || h[21:32] END
    FROM d
);
-- a timestamp as Fivetran writes it: UTC, no offset, milliseconds
CREATE OR REPLACE MACRO fivetran_ts(ts) AS strftime(ts, '%Y-%m-%d %H:%M:%S.%g');
-- canonical timestamp text -> UTC text without offset (unreadable text is kept as it is,
-- so the lever staging quarantines it as the canonical one would)
CREATE OR REPLACE MACRO utc_text(t, zone) AS CASE
    WHEN t IS NULL THEN NULL
    WHEN regexp_matches(t, '{_OFFSET}') THEN coalesce(
        fivetran_ts(timezone('UTC', try_cast(t AS TIMESTAMPTZ))), t)
    ELSE coalesce(fivetran_ts(timezone('UTC', timezone(zone, try_cast(t AS TIMESTAMP)))), t)
END;
"""


def _read_canonical(con: duckdb.DuckDBPyConnection, canonical_dir: Path) -> list[str]:
    """Load every batch's files into tables c_<entity> (all text, plus batch_no); return the
    batch ids in order."""
    batch_ids = sorted(p.name for p in canonical_dir.iterdir() if p.is_dir())
    if not batch_ids:
        raise FileNotFoundError(f"no batch directories under {canonical_dir}")
    for entity in CANONICAL_ENTITIES:
        selects = []
        for batch_no, batch_id in enumerate(batch_ids, start=1):
            for ext, reader in (
                ("csv", "read_csv('{}', header = true, all_varchar = true)"),
                ("parquet", "read_parquet('{}')"),
            ):
                path = canonical_dir / batch_id / f"{entity}.{ext}"
                if path.exists():
                    source = reader.format(str(path).replace("'", "''"))
                    columns = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
                    as_text = ", ".join(f'CAST("{c[0]}" AS VARCHAR) AS "{c[0]}"' for c in columns)
                    selects.append(
                        f"SELECT {as_text}, {batch_no} AS batch_no, row_number() OVER () AS row_no"
                        f" FROM {source}"
                    )
        if selects:
            con.execute(f"CREATE TABLE c_{entity} AS " + " UNION ALL BY NAME ".join(selects))
        else:
            con.execute(f"CREATE TABLE c_{entity} AS SELECT NULL::INTEGER AS batch_no WHERE false")
    return batch_ids


def _lever_sql(source_timezone: str) -> dict[str, str]:
    """table -> SELECT of its rows (with batch_no), in a deterministic order."""
    z = f"'{source_timezone}'"
    labels = " ".join(f"WHEN '{n}' THEN '{n} - {label}'" for n, label in SCORE_LABELS.items())
    return {
        # one row per candidate version: the person record's version
        "contact_residences": f"""
            SELECT batch_no, lever_id('contact', candidate_id) AS contact_id, country, region,
                   utc_text(updated_at, {z}) AS updated_at
            FROM c_candidates ORDER BY batch_no, row_no""",
        "contact_email": """
            SELECT min(batch_no) AS batch_no, lever_id('contact', candidate_id) AS contact_id,
                   arg_max(email, batch_no) AS email,
                   fivetran_ts(min(synced_at)) AS _fivetran_synced
            FROM c_candidates JOIN batches USING (batch_no)
            WHERE email IS NOT NULL GROUP BY candidate_id ORDER BY 1, 2""",
        "contact_phone": """
            SELECT min(batch_no) AS batch_no, lever_id('contact', candidate_id) AS contact_id,
                   0 AS "index", 'mobile' AS type, arg_max(phone, batch_no) AS value,
                   fivetran_ts(min(synced_at)) AS _fivetran_synced
            FROM c_candidates JOIN batches USING (batch_no)
            WHERE phone IS NOT NULL GROUP BY candidate_id ORDER BY 1, 2""",
        "posting": f"""
            SELECT batch_no, lever_id('posting', job_id) AS id, false AS _fivetran_deleted,
                   fivetran_ts(synced_at) AS _fivetran_synced,
                   job_family AS categories_team, department AS categories_department,
                   country AS categories_location, utc_text(opened_at, {z}) AS created_at,
                   CASE lower(trim(status)) WHEN 'open' THEN 'published'
                        WHEN 'on_hold' THEN 'pending' WHEN 'closed' THEN 'closed'
                        WHEN 'filled' THEN 'closed' ELSE status END AS state,
                   title AS text, utc_text(updated_at, {z}) AS updated_at
            FROM c_jobs JOIN batches USING (batch_no) ORDER BY batch_no, row_no""",
        "archive_reason": f"""
            SELECT 1 AS batch_no, lever_id('archive_reason', reason) AS id,
                   false AS _fivetran_deleted,
                   (SELECT fivetran_ts(synced_at) FROM batches WHERE batch_no = 1)
                       AS _fivetran_synced,
                   reason AS text,
                   CASE WHEN reason = '{HIRED_REASON}' THEN 'hired' ELSE 'non-hired' END AS type
            FROM (SELECT DISTINCT archive_reason AS reason FROM opportunity_versions
                  WHERE archive_reason IS NOT NULL) ORDER BY reason""",
        "opportunity": """
            SELECT batch_no, id, _fivetran_synced, archived_at,
                   lever_id('archive_reason', archive_reason) AS archived_reason_id, contact,
                   created_at,
                   -- consent goes to the company-side file (module docstring)
                   NULL AS data_protection_contact_allowed,
                   NULL AS data_protection_contact_expires_at,
                   NULL AS data_protection_store_allowed,
                   NULL AS data_protection_store_expires_at, NULL AS headline, is_anonymized,
                   NULL AS location, CASE WHEN NOT is_anonymized THEN name END AS name,
                   'applied' AS origin, updated_at
            FROM opportunity_versions ORDER BY batch_no, id""",
        "application": """
            SELECT min(batch_no) AS batch_no, lever_id('application', application_id) AS id,
                   lever_id('opportunity', application_id) AS opportunity_id,
                   arg_min(lever_id('posting', job_id), batch_no) AS posting_id,
                   arg_min(utc_text(applied_at, tz), batch_no) AS created_at,
                   'posting' AS type,
                   fivetran_ts(min(synced_at)) AS _fivetran_synced
            FROM (SELECT *, '"""
        + source_timezone
        + """' AS tz FROM c_applications)
            JOIN batches USING (batch_no)
            GROUP BY application_id ORDER BY 1, 2""",
        "stage": """
            SELECT 1 AS batch_no, lever_id('stage', stage) AS id, false AS _fivetran_deleted,
                   (SELECT fivetran_ts(synced_at) FROM batches WHERE batch_no = 1)
                       AS _fivetran_synced,
                   stage AS text
            FROM (SELECT DISTINCT stage FROM c_stage_events WHERE stage IS NOT NULL)
            ORDER BY stage""",
        "opportunity_stage_history": f"""
            SELECT batch_no, lever_id('opportunity', application_id) AS opportunity_id,
                   utc_text(entered_at, {z}) AS updated_at,
                   fivetran_ts(synced_at) AS _fivetran_synced,
                   lever_id('stage', stage) AS stage_id, NULL AS to_stage_index, NULL AS updater_id
            FROM c_stage_events JOIN batches USING (batch_no) ORDER BY batch_no, row_no""",
        "feedback_form": f"""
            SELECT batch_no, lever_id('feedback_form', evaluation_id) AS id,
                   fivetran_ts(synced_at) AS _fivetran_synced,
                   utc_text(evaluated_at, {z}) AS completed_at,
                   utc_text(evaluated_at, {z}) AS created_at, NULL AS deleted_at,
                   CASE trim(rating) {labels} ELSE rating END AS score_system_value,
                   stage AS text, 'interview' AS type,
                   lever_id('opportunity', application_id) AS opportunity_id
            FROM c_evaluations JOIN batches USING (batch_no) ORDER BY batch_no, row_no""",
        "offer": f"""
            SELECT batch_no, lever_id('offer', offer_id) AS id,
                   utc_text(updated_at, {z}) AS _fivetran_synced,
                   lever_id('opportunity', application_id) AS candidate_id,
                   utc_text(extended_at, {z}) AS created_at, NULL AS creator_id,
                   lever_id('opportunity', application_id) AS opportunity_id,
                   CASE lower(trim(status)) WHEN 'accepted' THEN 'signed'
                        WHEN 'declined' THEN 'denied' WHEN 'pending' THEN 'sent'
                        WHEN 'rescinded' THEN 'sent' ELSE status END AS status
            FROM c_offers ORDER BY batch_no, row_no""",
        "consent_events": f"""
            SELECT batch_no, consent_event_id, lever_id('contact', candidate_id) AS candidate_id,
                   purpose, action, utc_text(recorded_at, {z}) AS recorded_at,
                   utc_text(expires_at, {z}) AS expires_at, notice_version, channel
            FROM c_consent_events ORDER BY batch_no, row_no""",
        "privacy_requests": f"""
            SELECT batch_no, request_id, lever_id('contact', candidate_id) AS candidate_id,
                   request_type, utc_text(received_at, {z}) AS received_at,
                   utc_text(completed_at, {z}) AS completed_at
            FROM c_privacy_requests ORDER BY batch_no, row_no""",
        "outreach_events": f"""
            SELECT batch_no, outreach_id, lever_id('contact', candidate_id) AS candidate_id,
                   utc_text(sent_at, {z}) AS sent_at, channel, cohort, outcome,
                   utc_text(outcome_at, {z}) AS outcome_at
            FROM c_outreach_events ORDER BY batch_no, row_no""",
    }


def _opportunity_versions_sql(source_timezone: str) -> str:
    """Every opportunity version: one per canonical application version, plus one per
    opportunity of a contact in the batch its deletion arrives (unless it has a version
    there), repeating its latest state with ``is_anonymized`` set."""
    z = f"'{source_timezone}'"
    return f"""
    CREATE TABLE deletions AS
    SELECT candidate_id, min(batch_no) AS deleted_in
    FROM c_candidates WHERE lower(trim(is_deleted)) IN ('true', 't', '1', 'yes', 'y')
    GROUP BY candidate_id;

    CREATE TABLE latest_names AS
    SELECT candidate_id, arg_max(full_name, batch_no::BIGINT * 1000000000 + row_no) AS name
    FROM c_candidates GROUP BY candidate_id;

    -- the reason of an application's latest declined offer (final versions), in the order
    -- the rules pick it (int_applications_evaluated): extended_at, updated_at, offer_id
    CREATE TABLE declined_reasons AS
    WITH final_offers AS (
        SELECT *, row_number() OVER (PARTITION BY offer_id ORDER BY batch_no DESC, row_no DESC) AS k
        FROM c_offers
    )
    SELECT application_id,
           arg_max_null(
               decline_reason,
               [utc_text(extended_at, {z}), utc_text(updated_at, {z}), offer_id]
           ) AS decline_reason
    FROM final_offers WHERE k = 1 AND lower(trim(status)) = 'declined'
    GROUP BY application_id;

    CREATE TABLE app_versions AS
    SELECT a.batch_no, a.row_no, a.application_id, a.candidate_id, a.applied_at, a.updated_at,
           lower(trim(a.status)) AS status,
           CASE WHEN lower(trim(a.status)) IN ('rejected', 'withdrawn', 'offer_declined', 'hired')
                THEN coalesce(a.closed_at, a.updated_at) END AS archived_at,
           CASE lower(trim(a.status))
                WHEN 'hired' THEN '{HIRED_REASON}'
                WHEN 'active' THEN NULL
                WHEN 'offer_declined' THEN coalesce(a.rejection_reason, d.decline_reason)
                WHEN 'withdrawn' THEN '{WITHDREW_REASON}'
                ELSE a.rejection_reason END AS archive_reason
    FROM c_applications a LEFT JOIN declined_reasons d USING (application_id);

    CREATE TABLE anonymisations AS
    SELECT del.deleted_in AS batch_no, 1000000000 AS row_no, v.application_id, v.candidate_id,
           v.applied_at, v.updated_at, v.status, v.archived_at, v.archive_reason
    FROM deletions del
    JOIN (SELECT *, row_number() OVER (
              PARTITION BY application_id ORDER BY batch_no DESC, row_no DESC) AS k
          FROM app_versions) v ON v.candidate_id = del.candidate_id AND v.k = 1
    WHERE v.batch_no < del.deleted_in;

    CREATE TABLE opportunity_versions AS
    SELECT v.batch_no, lever_id('opportunity', v.application_id) AS id,
           fivetran_ts(b.synced_at) AS _fivetran_synced,
           utc_text(v.archived_at, {z}) AS archived_at, v.archive_reason,
           lever_id('contact', v.candidate_id) AS contact,
           utc_text(v.applied_at, {z}) AS created_at,
           coalesce(del.deleted_in <= v.batch_no, false) AS is_anonymized, n.name,
           utc_text(v.updated_at, {z}) AS updated_at
    FROM (SELECT * FROM app_versions UNION ALL BY NAME SELECT * FROM anonymisations) v
    JOIN batches b USING (batch_no)
    LEFT JOIN deletions del USING (candidate_id)
    LEFT JOIN latest_names n USING (candidate_id)
    ORDER BY v.batch_no, v.row_no;
    """


def write_export(
    canonical_dir: Path, out_dir: Path, source_timezone: str = "Asia/Tokyo"
) -> dict[str, int]:
    """Write the Lever-shaped export of the canonical export in ``canonical_dir`` to
    ``<out_dir>/lever/<batch_id>/<table>.csv``; return rows written per table.

    ``canonical_dir`` holds the batch directories (``<generate out_dir>/canonical``);
    ``source_timezone`` is the zone of its timestamps without an offset. An existing
    non-empty ``<out_dir>/lever`` is refused; the export is renamed into place at the end.
    """
    canonical_dir, out_dir = Path(canonical_dir), Path(out_dir)
    target = out_dir / LEVER_SUBDIR
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; refusing to overwrite an export")
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(_MACROS)
        batch_ids = _read_canonical(con, canonical_dir)
        # a batch's sync time: its id (YYYY-MM-DDTHHMM) as local time of the source, in UTC
        con.execute(
            "CREATE TABLE batches AS SELECT batch_no, batch_id, "
            f"timezone('UTC', timezone('{source_timezone}', "
            "coalesce(try_strptime(batch_id, '%Y-%m-%dT%H%M'), TIMESTAMP '1970-01-01')))"
            " AS synced_at "
            "FROM (SELECT unnest(?) AS batch_id, generate_subscripts(?, 1) AS batch_no)",
            [batch_ids, batch_ids],
        )
        con.execute(_opportunity_versions_sql(source_timezone))
        staging = out_dir / f".{LEVER_SUBDIR}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        counts: dict[str, int] = {}
        try:
            for table, select in _lever_sql(source_timezone).items():
                con.execute(f"CREATE TABLE out_{table} AS {select}")
                counts[table] = 0
                for batch_no, batch_id in enumerate(batch_ids, start=1):
                    rows = con.execute(
                        f"SELECT count(*) FROM out_{table} WHERE batch_no = {batch_no}"
                    ).fetchone()[0]
                    if rows == 0:
                        continue
                    path = staging / batch_id / f"{table}.csv"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    con.execute(
                        f"COPY (SELECT * EXCLUDE (batch_no) FROM out_{table}"
                        f" WHERE batch_no = {batch_no})"
                        f" TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT csv, HEADER true)"
                    )
                    counts[table] += rows
            if target.exists():
                target.rmdir()
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        con.close()
    return counts
