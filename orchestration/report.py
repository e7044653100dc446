"""The compliance report of a run: one self-contained HTML page a reviewer reads offline.

``runs/<run_id>/report.html`` says in plain language what was checked and with what
result (every Great Expectations suite of the run, with the notes of each failed
expectation and a link to its JSON result), shows the decisions in pictures (eligible
and excluded by reason over the decision history, the purge queue over the
publications, the quarantine by reason), states the audit chain's status and links the
record of processing. No external asset: the CSS is inline and the charts are inline
SVG, so the page reads the same without a network (GX's Data Docs load theirs from CDNs
and render empty offline: this page replaces them as the evidence to read).

Counts, dates, reason names and suite names only: no id, no name, no value of a person.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from loader import audit
from loader.files import atomic_write
from loader.paths import WarehousePaths
from orchestration.processing_record import RECORD_NAME
from orchestration.warehouse import summarize

REPORT_NAME = "report.html"
PALETTE = (
    "#2f7d32", "#c62828", "#ef6c00", "#6a1b9a", "#1565c0", "#00838f", "#ad1457", "#4e342e",
    "#558b2f", "#283593", "#f9a825", "#37474f", "#8d6e63", "#00695c", "#9e9d24",
)  # fmt: skip


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    description: str
    passed: bool
    evaluated_rows: int
    failed: list[tuple[str, str, int]]  # (expectation column or type, notes, unexpected rows)
    result_file: str  # relative to the report


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def suite_results(run_dir: Path) -> list[SuiteResult]:
    """The GX results written in this run (results/<suite>.json), in suite order."""
    from orchestration.compliance import SUITES, load_suite_definition

    found = []
    for suite in SUITES:
        path = run_dir / "results" / f"{suite}.json"
        if not path.exists():
            continue
        result = json.loads(path.read_text(encoding="utf-8"))
        recontact = (result.get("meta") or {}).get("recontact") or {}
        failed = []
        for item in result.get("results", []):
            if item.get("success"):
                continue
            config = item["expectation_config"]
            name = config["kwargs"].get("column") or config["type"]
            unexpected = (item.get("result") or {}).get("unexpected_count") or 0
            failed.append(
                (
                    f"{name} ({config.get('severity', 'critical')})",
                    config.get("notes") or "",
                    unexpected,
                )
            )
        definition = load_suite_definition(suite)
        found.append(
            SuiteResult(
                suite=suite,
                description=(definition.get("meta") or {}).get("description", ""),
                passed=bool(recontact.get("passed", result.get("success"))),
                evaluated_rows=int(recontact.get("evaluated_rows") or 0),
                failed=failed,
                result_file=f"results/{suite}.json",
            )
        )
    return found


def audit_figures(audit_dir: Path) -> dict:
    """The chain's status, and the publications and purges it records (counts only)."""
    try:
        status = f"intact: {audit.verify_chain(audit_dir):,} entries, every hash verifies"
        intact = True
    except audit.AuditLogError as error:
        status, intact = f"BROKEN: {error}", False
    entries = audit.read_entries(audit_dir) if intact else []
    published = [
        (str(e.get("as_of_date") or e.get("recorded_at", ""))[:10], e["row_counts"])
        for e in entries
        if e.get("event") == "publish" and isinstance(e.get("row_counts"), dict)
    ]
    purges = [str(e.get("recorded_at", ""))[:10] for e in entries if e.get("event") == "purge"]
    return {"status": status, "intact": intact, "published": published, "purges": purges}


# ---- pictures: inline SVG -------------------------------------------------------------------


def bar_chart(title: str, bars: list[tuple[str, int]], *, width: int = 640) -> str:
    """Horizontal bars, one per (label, count), the count written at the bar's end."""
    if not bars:
        return f"<figure><figcaption>{_esc(title)}</figcaption><p class='none'>none</p></figure>"
    high = max(count for _, count in bars) or 1
    row, label_width = 24, 230
    height = row * len(bars) + 8
    parts = [f"<svg role='img' aria-label='{_esc(title)}' width='{width}' height='{height}'>"]
    for i, (label, count) in enumerate(bars):
        y = 4 + i * row
        length = max(1, round((width - label_width - 70) * count / high))
        parts += [
            f"<text x='{label_width - 6}' y='{y + 16}' text-anchor='end'>{_esc(label)}</text>",
            f"<rect x='{label_width}' y='{y + 3}' width='{length}' height='{row - 8}'"
            f" fill='{PALETTE[i % len(PALETTE)]}'/>",
            f"<text x='{label_width + length + 6}' y='{y + 16}' class='count'>{count:,}</text>",
        ]
    parts.append("</svg>")
    return f"<figure><figcaption>{_esc(title)}</figcaption>{''.join(parts)}</figure>"


def stacked_columns(title: str, series: list[tuple[str, str, int]]) -> str:
    """One column per date, stacked by category, with a legend: (date, category, count)."""
    if not series:
        return f"<figure><figcaption>{_esc(title)}</figcaption><p class='none'>none</p></figure>"
    dates = sorted({date for date, _, _ in series})
    categories = sorted({category for _, category, _ in series}, key=lambda c: (c != "eligible", c))
    counts = {(date, category): count for date, category, count in series}
    totals = {date: sum(counts.get((date, c), 0) for c in categories) for date in dates}
    high = max(totals.values()) or 1
    column, gap, plot, headroom = 34, 12, 220, 20
    width = max(360, 60 + len(dates) * (column + gap))
    parts = [
        f"<svg role='img' aria-label='{_esc(title)}' width='{width}'"
        f" height='{plot + headroom + 40}'>"
    ]
    for i, date in enumerate(dates):
        x, top = 50 + i * (column + gap), plot + headroom
        for j, category in enumerate(categories):
            count = counts.get((date, category), 0)
            if not count:
                continue
            height = plot * count / high
            top -= height
            parts.append(
                f"<rect x='{x}' y='{top:.1f}' width='{column}' height='{height:.1f}'"
                f" fill='{PALETTE[j % len(PALETTE)]}'><title>{_esc(date)} {_esc(category)}:"
                f" {count:,}</title></rect>"
            )
        parts += [
            f"<text x='{x + column / 2}' y='{top - 4:.1f}' text-anchor='middle' class='count'>"
            f"{totals[date]:,}</text>",
            f"<text x='{x + column / 2}' y='{plot + headroom + 16}' text-anchor='middle'"
            " class='date'>"
            f"{_esc(date[5:])}</text>",
        ]
    parts.append("</svg>")
    legend = "".join(
        f"<span><i style='background:{PALETTE[j % len(PALETTE)]}'></i>{_esc(c)}</span>"
        for j, c in enumerate(categories)
    )
    return (
        f"<figure><figcaption>{_esc(title)}</figcaption>{''.join(parts)}"
        f"<div class='legend'>{legend}</div></figure>"
    )


# ---- the page -------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:980px;
color:#212121;line-height:1.45;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}
h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.verdict{font-size:1.2rem;font-weight:600;padding:.6rem 1rem;border-radius:6px;margin:1rem 0}
.pass{background:#e8f5e9;color:#1b5e20}.fail{background:#ffebee;color:#b71c1c}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #eee;
padding:.35rem .5rem;text-align:left;vertical-align:top}td.n{text-align:right;white-space:nowrap}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}svg text{font-size:12px}
svg text.count{fill:#424242}.legend span{margin-right:1rem;font-size:12px;white-space:nowrap}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}.none{color:#757575}
.meta{color:#616161}
"""


def figure_row(label: str, key: str, count: int) -> str:
    return f"<tr><td>{_esc(label)}</td><td class='n' id='{key}'>{count:,}</td></tr>"


def render(
    *,
    run_id: str,
    as_of_date: str,
    rule_set_version: str,
    suites: list[SuiteResult],
    figures: dict,
    audit_status: dict,
    record_link: str | None,
) -> str:
    passed = bool(suites) and all(s.passed for s in suites)
    verdict = (
        f"All {len(suites)} compliance checks passed."
        if passed
        else f"{sum(not s.passed for s in suites)} of {len(suites)} compliance checks FAILED."
        if suites
        else "No compliance check ran in this run."
    )
    rows = []
    for s in suites:
        failures = "".join(
            f"<li><b>{_esc(name)}</b>: {_esc(notes)} ({unexpected:,} rows)</li>"
            for name, notes, unexpected in s.failed
        )
        rows.append(
            f"<tr><td><b>{_esc(s.suite)}</b><br><span class='meta'>{_esc(s.description)}</span>"
            f"{f'<ul>{failures}</ul>' if failures else ''}</td>"
            f"<td>{'passed' if s.passed else '<b>FAILED</b>'}</td>"
            f"<td class='n'>{s.evaluated_rows:,}</td>"
            f"<td><a href='{_esc(s.result_file)}'>JSON result</a></td></tr>"
        )
    eligible = dict(figures["current"]).get("eligible", 0)
    evaluated = sum(count for _, count in figures["current"])
    queued = sum(count for _, count in figures["queue"])
    blocked = sum(count for _, count in figures["blocked"])
    quarantined = sum(count for _, count in figures["quarantine"])
    publications = [
        (date, int(counts.get("retention_purge_queue", 0)))
        for date, counts in audit_status["published"]
    ]
    body = [
        "<h1>Compliance report</h1>",
        f"<p class='meta'>Run <code>{_esc(run_id)}</code> · decisions as of {_esc(as_of_date)}"
        f" · rules {_esc(rule_set_version)}</p>",
        f"<div class='verdict {'pass' if passed else 'fail'}'>{_esc(verdict)}</div>",
        "<h2>What was decided</h2>",
        "<table>",
        figure_row("Candidate records evaluated", "evaluated", evaluated),
        figure_row("Eligible for re-contact", "eligible", eligible),
        figure_row("Queued for deletion (retention_purge_queue)", "queued", queued),
        figure_row(
            "Not deleted because a row about them could not be read (purge_blocked_by_quality)",
            "blocked",
            blocked,
        ),
        figure_row("Landed rows quarantined", "quarantined", quarantined),
        "</table>",
        "<h2>What was checked</h2>",
        "<p>Each check recomputes the rules from staging, independently of the models that"
        " made the marts, and compares. A failed check blocks the BI publication.</p>",
        "<table><tr><th>check</th><th>result</th><th>rows checked</th><th>evidence</th></tr>",
        *rows,
        "</table>",
        "<h2>Pictures</h2>",
        stacked_columns(
            "Eligible and excluded, by primary reason, for every as-of date decided",
            figures["history"],
        ),
        bar_chart(
            "Excluded now, by primary reason", [r for r in figures["current"] if r[0] != "eligible"]
        ),
        bar_chart("Purge queue by reason", figures["queue"]),
        bar_chart(
            "Purges blocked by data quality, by the reason they would have had", figures["blocked"]
        ),
        bar_chart("Purge queue at each publication (audit log)", publications),
        bar_chart("Quarantined rows by reason", figures["quarantine"]),
        f"<p class='meta'>Purge runs recorded: {len(audit_status['purges'])}"
        + (f" (last {_esc(audit_status['purges'][-1])})" if audit_status["purges"] else "")
        + "</p>",
        "<h2>Audit trail</h2>",
        f"<p id='audit' class='{'pass' if audit_status['intact'] else 'fail'}'>"
        f"{_esc(audit_status['status'])} (audit_log.jsonl; recontact audit --verify).</p>",
    ]
    if record_link:
        body.append(
            f"<p>Record of processing (GDPR art. 30 / 個人情報取扱台帳):"
            f" <a href='{_esc(record_link)}'>{_esc(record_link)}</a></p>"
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>recontact compliance report {_esc(as_of_date)}</title>"
        f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )


def write_report(paths: WarehousePaths, run_dir: Path, *, run_id: str, as_of_date: str) -> Path:
    """report.html in the run's evidence directory (written aside, then renamed)."""
    summary = summarize(paths.duckdb_path)
    record = run_dir / RECORD_NAME
    page = render(
        run_id=run_id,
        as_of_date=as_of_date,
        rule_set_version=summary.rule_set_version,
        suites=suite_results(run_dir),
        figures={
            "history": summary.eligibility_history,
            "current": [("eligible", summary.eligible), *summary.exclusions_by_primary_reason],
            "queue": summary.purge_queue_by_reason,
            "blocked": summary.purge_blocked_by_reason,
            "quarantine": summary.quarantine_by_reason,
        },
        audit_status=audit_figures(paths.audit_dir),
        record_link=record.name if record.exists() else None,
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    target = run_dir / REPORT_NAME
    atomic_write(target, page.encode("utf-8"))
    return target
