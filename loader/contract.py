"""The canonical export contract (shared/spec/ats-export-v1.md) and the public marts
(recontact-rules v1.1, "Output contract" and "Data-quality hold"), as the Python layer
needs them: one place for the entity names, whose rows they are, and the marts' keys."""

from __future__ import annotations

import hashlib
from pathlib import Path

# entity -> (whose rows they are: "candidate", "application" or None, the entity's own key)
ENTITY_KEYS: dict[str, tuple[str | None, str]] = {
    "candidates": ("candidate", "candidate_id"),
    "jobs": (None, "job_id"),
    "applications": ("candidate", "application_id"),
    "stage_events": ("application", "stage_event_id"),
    "evaluations": ("application", "evaluation_id"),
    "offers": ("application", "offer_id"),
    "consent_events": ("candidate", "consent_event_id"),
    "privacy_requests": ("candidate", "request_id"),
    "outreach_events": ("candidate", "outreach_id"),
    # company-side (recontact-outreach v1): why the company hires for a job now
    "openings": (None, "opening_id"),
}
CANONICAL_ENTITIES = tuple(ENTITY_KEYS)
# The entities holding a person's rows (jobs hold none).
PERSON_ENTITIES = {entity: keys for entity, keys in ENTITY_KEYS.items() if keys[0]}
LANDING_FORMATS = ("csv", "parquet", "jsonl")

# mart -> its key columns (also the order rows are written in)
MART_KEYS = {
    "recontact_eligibility": ["source_system", "candidate_id"],
    "recontact_cohorts": ["source_system", "candidate_id", "cohort"],
    "retention_purge_queue": ["source_system", "candidate_id"],
    "purge_blocked_by_quality": ["source_system", "candidate_id"],
    # recontact-outreach v1
    "recontact_job_matches": ["source_system", "candidate_id", "opening_id"],
    "consent_renewal_queue": ["source_system", "candidate_id", "purpose"],
    "recontact_outcomes": ["cohort", "sent_month"],
}


def file_sha256(path: Path) -> str:
    """A file's SHA-256, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
