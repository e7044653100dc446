"""`recontact outreach export`: the ready drafts to a mailing tool (recontact-outreach v1,
"Export to a mailing tool").

The file is the only place the drafts leave the warehouse with the recipient's address:
a CSV readable by its owner only (mode 0600, written aside and renamed into place), made
only from drafts built as of the D asked for (a draft is never older than its decision),
and recorded in the audit log with counts and the file's SHA-256, never with personal
data. What the mailing tool sends comes back as outreach_events in a new landing batch,
which the rules read for the cooldown and opt-outs.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from erasure.exports import record_export, write_owner_only
from loader.audit import append_entry
from loader.contract import file_sha256
from loader.paths import WarehousePaths, iso_date, resolve

DRAFTS_TABLE = "outreach.recontact_drafts"
EXPORT_COLUMNS = [
    "source_system",
    "candidate_id",
    "email",
    "language",
    "subject",
    "body",
    "cohort",
    "opening_id",
    "template_id",
    "as_of_date",
    "content_hash",
]


class ExportRefused(RuntimeError):
    """The drafts cannot be exported as asked (no drafts, or not built as of D)."""


@dataclass(frozen=True)
class ExportReport:
    as_of_date: str
    exported_rows: int
    withheld_drafts: int
    ready_without_address: int
    file_sha256: str

    def render(self) -> str:
        return (
            f"Exported {self.exported_rows} ready drafts as of {self.as_of_date}"
            f" ({self.withheld_drafts} withheld, {self.ready_without_address} ready without an"
            f" e-mail address not exported); sha256 {self.file_sha256}"
        )


def export_drafts(
    paths: WarehousePaths, as_of: str, out: Path, *, run_id: str = "cli"
) -> ExportReport:
    """Write the ready drafts of D with the recipient's address to `out` (mode 0600), then
    append the audit entry. Refused when the warehouse's drafts or decisions are not of D."""
    as_of = date.fromisoformat(as_of).isoformat()
    if not paths.duckdb_path.exists():
        raise ExportRefused(f"no warehouse at {paths.duckdb_path}; build it as of {as_of} first")
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as warehouse:
        present = warehouse.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'outreach' and table_name = 'recontact_drafts'"
        ).fetchone()[0]
        if not present:
            raise ExportRefused(f"{DRAFTS_TABLE} does not exist; build the warehouse as of {as_of}")
        built_for = {
            str(row[0])
            for row in warehouse.execute(
                "select distinct as_of_date from marts.recontact_eligibility"
                f" union select distinct as_of_date from {DRAFTS_TABLE}"
            ).fetchall()
        }
        if built_for != {as_of}:
            built = ", ".join(sorted(built_for)) or "nothing"
            raise ExportRefused(
                f"the drafts and decisions in the warehouse are as of {built}, not {as_of}:"
                f" build as of {as_of} first (a draft is never older than its decision)"
            )
        rows = warehouse.execute(
            f"""
            select
                drafts.source_system, drafts.candidate_id, candidates.email, drafts.language,
                drafts.subject, drafts.body, drafts.cohort, drafts.opening_id,
                drafts.template_id, cast(drafts.as_of_date as varchar), drafts.content_hash
            from {DRAFTS_TABLE} as drafts
            inner join intermediate.int_candidates_unioned as candidates
                on drafts.source_system = candidates.source_system
                and drafts.candidate_id = candidates.candidate_id
            where drafts.draft_status = 'ready'
            order by drafts.source_system, drafts.candidate_id
            """
        ).fetchall()
        (withheld,) = warehouse.execute(
            f"select count(*) from {DRAFTS_TABLE} where draft_status = 'withheld'"
        ).fetchone()
    addressed = [row for row in rows if row[2] is not None and str(row[2]).strip()]
    out = Path(out)
    write_owner_only(out, EXPORT_COLUMNS, addressed)
    record_export(paths.state_dir, out)
    report = ExportReport(
        as_of_date=as_of,
        exported_rows=len(addressed),
        withheld_drafts=int(withheld),
        ready_without_address=len(rows) - len(addressed),
        file_sha256=file_sha256(out),
    )
    append_entry(
        paths.audit_dir,
        {
            "event": "outreach_export",
            "run_id": run_id,
            "as_of_date": report.as_of_date,
            "exported_rows": report.exported_rows,
            "withheld_drafts": report.withheld_drafts,
            "ready_without_address": report.ready_without_address,
            "file_sha256": report.file_sha256,
        },
    )
    return report


def command_export(args: argparse.Namespace) -> None:
    try:
        report = export_drafts(WarehousePaths.from_env(), args.as_of, resolve(args.out))
    except ExportRefused as refused:
        raise SystemExit(f"recontact outreach export: refused: {refused}") from None
    print(report.render())


def register_cli(commands) -> None:
    outreach = commands.add_parser("outreach", help="re-contact drafts (recontact-outreach v1)")
    verbs = outreach.add_subparsers(dest="outreach_command", required=True)
    export = verbs.add_parser(
        "export",
        help="write the ready drafts of D with the recipients' addresses for the mailing tool",
    )
    export.add_argument(
        "--as-of", type=iso_date, required=True, help="the D the drafts were built for"
    )
    export.add_argument("--out", required=True, help="CSV file to write (mode 0600)")
    export.set_defaults(handler=command_export)
