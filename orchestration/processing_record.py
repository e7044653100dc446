"""The record of processing (GDPR art. 30, 個人情報取扱台帳), generated, never hand-kept.

Per layer of the warehouse (the raw tables the landing is loaded into, staging,
intermediate, marts) and the BI publication: the activity, its purpose, the retention
rule, the recipients and the erasure path, from ``meta.processing`` in dbt_project.yml
(sources, and each model folder); and the categories of personal data each relation
really holds, from its columns in the warehouse (read-only) and, for the landing, from
the sources YAML.

A relation that holds personal data in a layer without ``meta.processing`` fails the
record (:class:`MissingProcessingMeta`): the record is complete or it is not written.
The record names relations and column categories, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from loader.contract import MART_KEYS
from loader.files import atomic_write
from loader.intake import dbt_sources
from loader.load import RAW_SCHEMA
from loader.paths import PROJECT_DIR, WarehousePaths

RECORD_NAME = "record_of_processing.md"
LAYERS = ("staging", "intermediate", "marts", "outreach")  # model folders = warehouse schemas
# Seeds: the company's reference data (codes, policies, mappings), about no person; their
# columns `country` or `stage` are codes, not a person's residence or history.
REFERENCE_SCHEMA = "reference"
META_FIELDS = ("activity", "purpose", "retention", "recipients", "erasure")

# Category of personal data -> the column names that hold it (exact names).
COLUMNS_OF_CATEGORY = {
    "identifiers (pseudonymous)": (
        "candidate_id",
        "person_id",
        "application_id",
        "contact_id",
        "opportunity_id",
        "contact",
    ),
    # `value`: Greenhouse's e-mail and phone tables
    "name and contact details": (
        "full_name",
        "first_name",
        "last_name",
        "name_kana",
        "email",
        "phone",
        "value",
    ),
    "residence": ("country", "region", "custom_country", "custom_region"),
    "evaluations (free text)": ("strengths", "concerns"),
    "evaluations": ("rating", "overall_recommendation", "best_rating"),
    "application history": (
        "rejection_reason",
        "decline_reason",
        "applied_at",
        "closed_on",
        "status",
        "stage",
    ),
    "consent and privacy requests": ("purpose", "request_type"),
    "outreach": ("outcome",),
    "outreach messages (free text)": ("subject", "body"),
    "decisions about the person": ("is_eligible", "purge_reason", "would_be_purge_reason"),
}
CATEGORY_OF_COLUMN = {
    column: category for category, columns in COLUMNS_OF_CATEGORY.items() for column in columns
}


class MissingProcessingMeta(Exception):
    """Relations hold personal data in a layer that states no processing."""


@dataclass(frozen=True)
class Activity:
    layer: str
    meta: dict
    relations: dict[str, list[str]]  # relation -> its categories of personal data


# A relation is about persons when it names one: an identifier or a name / contact detail
# (a job's `country` or `status` alone is about the job).
NAMING_CATEGORIES = {"identifiers (pseudonymous)", "name and contact details"}


def categories(columns: list[str]) -> list[str]:
    """The categories of personal data of a relation with these columns (none when no
    column names a person)."""
    found = {CATEGORY_OF_COLUMN[c.lower()] for c in columns if c.lower() in CATEGORY_OF_COLUMN}
    return sorted(found) if found & NAMING_CATEGORIES else []


def layer_meta(project_file: Path = PROJECT_DIR / "dbt_project.yml") -> dict[str, dict]:
    """'landing' and each model folder -> its meta.processing (missing: not stated)."""
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    name = project["name"]
    stated = {"landing": ((project.get("sources") or {}).get(name) or {}).get("+meta", {})}
    models = (project.get("models") or {}).get(name) or {}
    for layer in LAYERS:
        stated[layer] = (models.get(layer) or {}).get("+meta", {})
    return {layer: meta.get("processing") for layer, meta in stated.items()}


def landing_relations() -> dict[str, list[str]]:
    """source.table -> categories, from the columns the sources YAML declares."""
    relations = {}
    for _, source in dbt_sources():
        for table in source["tables"]:
            names = [column["name"] for column in table.get("columns") or []]
            found = categories(names)
            if found:
                relations[f"{source['name']}.{table['name']}"] = found
    return relations


def warehouse_relations(duckdb_path: Path) -> dict[str, dict[str, list[str]]]:
    """layer -> relation -> categories, for every warehouse relation of a model folder."""
    with duckdb.connect(str(duckdb_path), read_only=True) as warehouse:
        rows = warehouse.execute(
            "select table_schema, table_name, list(column_name order by ordinal_position)"
            " from information_schema.columns where table_catalog = current_database()"
            " group by table_schema, table_name order by table_schema, table_name"
        ).fetchall()
    found: dict[str, dict[str, list[str]]] = {}
    for schema, table, columns in rows:
        if schema == REFERENCE_SCHEMA:
            continue
        held = categories(columns)
        if held:
            found.setdefault(schema, {})[f"{schema}.{table}"] = held
    return found


def build_record(paths: WarehousePaths, meta: dict[str, dict] | None = None) -> list[Activity]:
    meta = layer_meta() if meta is None else meta
    holdings = {"landing": landing_relations(), **warehouse_relations(paths.duckdb_path)}
    # the raw tables are the sources as loaded (loader/load.py): the landing's layer
    holdings["landing"].update(holdings.pop(RAW_SCHEMA, {}))
    unstated = [
        f"{relation} ({layer})"
        for layer, relations in holdings.items()
        for relation in relations
        if not _complete(meta.get(layer))
    ]
    if unstated:
        raise MissingProcessingMeta(
            "these relations hold personal data but their layer states no complete"
            f" meta.processing ({', '.join(META_FIELDS)}) in dbt_project.yml: "
            + ", ".join(sorted(unstated))
        )
    return [
        Activity(layer, meta[layer], holdings[layer])
        for layer in ("landing", *LAYERS)
        if layer in holdings
    ]


def _complete(processing: dict | None) -> bool:
    return bool(processing) and all(processing.get(field) for field in META_FIELDS)


def render(activities: list[Activity], *, as_of_date: str, run_id: str) -> str:
    lines = [
        "# Record of processing activities (GDPR art. 30 / 個人情報取扱台帳)",
        "",
        f"Generated for run `{run_id}`, as of {as_of_date}, from `meta.processing` in",
        "dbt_project.yml and the columns the warehouse holds (orchestration/processing_record.py).",
        "Data subjects: applicants to the company (candidates), past and present.",
        "",
    ]
    for activity in activities:
        processing = activity.meta
        recipients = processing["recipients"]
        lines += [
            f"## {processing['activity']} (`{activity.layer}`)",
            "",
            f"- **Purpose**: {processing['purpose']}",
            f"- **Retention**: {processing['retention']}",
            "- **Recipients**: "
            + "; ".join(recipients if isinstance(recipients, list) else [recipients]),
            f"- **Erasure**: {processing['erasure']}",
            "- **Categories of personal data**: "
            + ", ".join(sorted({c for held in activity.relations.values() for c in held})),
            "",
            "| relation | categories |",
            "|---|---|",
            *(
                f"| `{name}` | {', '.join(held)} |"
                for name, held in sorted(activity.relations.items())
            ),
            "",
        ]
    lines += [
        "## BI publication (`published`)",
        "",
        "- **Purpose**: let BI tools read the marts without locking the warehouse.",
        "- **Recipients**: BI tools, read-only: ids, dates and reasons only"
        f" ({', '.join(f'`marts.{mart}`' for mart in MART_KEYS)}).",
        "- **Retention**: the last three releases; after a purge, only the new one.",
        "- **Erasure**: a purge republishes and removes every older release (publish.py).",
        "",
    ]
    return "\n".join(lines)


def write_record(paths: WarehousePaths, run_dir: Path, *, as_of_date: str, run_id: str) -> Path:
    """The record beside a run's evidence, and the same file as the latest at the top of
    the audit directory."""
    text = render(build_record(paths), as_of_date=as_of_date, run_id=run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    target = run_dir / RECORD_NAME
    for path in (target, paths.audit_dir / RECORD_NAME):
        atomic_write(path, text.encode("utf-8"))
    return target
