"""Stage 6, report: render article audits as a table, JSON, CSV or Markdown."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tabulate import tabulate

from .model import ArticleAudit

FORMATS = ("table", "json", "csv", "markdown")
TEXT_WIDTH = 70
LABEL_COLOURS = {
    "anonymous": "33",  # yellow
    "named": "32",  # green
    "denial": "35",  # magenta
    "no_comment": "36",  # cyan
    "outlet": "34",  # blue
    "document": "34",
    "unattributed": "31",  # red
}
CSV_COLUMNS = (
    "file",
    "index",
    "kind",
    "start",
    "end",
    "labels",
    "source",
    "speaker",
    "role",
    "cue",
    "quote",
    "rules",
    "inherited",
    "reason",
    "text",
)


def render(audits: list[ArticleAudit], fmt: str, colour: bool = False) -> str:
    """Render one or more audits in format `fmt` (one of FORMATS)."""
    if fmt == "json":
        data: Any = [a.to_dict() for a in audits]
        return json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2)
    if fmt == "csv":
        return render_csv(audits)
    tablefmt = "github" if fmt == "markdown" else "simple"
    return "\n\n".join(render_article(a, tablefmt, colour and fmt == "table") for a in audits)


def shorten(text: str, width: int = TEXT_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def paint(label: str, colour: bool) -> str:
    code = LABEL_COLOURS.get(label)
    return f"\x1b[{code}m{label}\x1b[0m" if colour and code else label


def render_article(audit: ArticleAudit, tablefmt: str, colour: bool) -> str:
    rows = []
    for s in audit.statements:
        if s.is_statement:
            labels = ", ".join(paint(label, colour) for label in s.labels)
            if s.inherited:
                labels += " (inherited)"
        else:
            labels = f"skip: {s.reason}"
        who = s.speaker or s.source or ""
        text = shorten(s.text)
        if tablefmt == "github":
            text = text.replace("|", "\\|")
        rows.append([s.index, labels, shorten(who, 32), s.cue or "", text])
    heading = f"{audit.document.name}"
    if tablefmt == "github":
        heading = f"## {heading}"
    table = tabulate(
        rows,
        headers=["#", "labels", "source", "cue", "statement"],
        tablefmt=tablefmt,
        disable_numparse=True,
    )
    summary = tabulate(
        summary_rows(audit.summary),
        headers=["summary", ""],
        tablefmt=tablefmt,
        disable_numparse=True,
    )
    parts = [heading, *audit.document.warnings, table, summary]
    if audit.score:
        parts.append(score_text(audit.score))
    if audit.provenance:
        parts.append(provenance_text(audit.provenance))
    return "\n\n".join(part for part in parts if part)


def summary_rows(summary: dict[str, Any]) -> list[list[str]]:
    counts = summary["label_counts"]
    ratio = summary["named_to_anonymous"]
    rows = [
        ["statements", str(summary["statements"])],
        ["skipped (headlines, captions, furniture)", str(summary["skipped"])],
        *[[f"  {label}", str(count)] for label, count in counts.items()],
        ["attributed share", f"{summary['attributed_share']:.0%}"],
        ["named : anonymous", "no anonymous statements" if ratio is None else f"{ratio:.2f}"],
        [
            "distinct named sources",
            f"{summary['distinct_named_sources']}"
            + (f" ({', '.join(summary['named_sources'])})" if summary["named_sources"] else ""),
        ],
    ]
    readability = summary.get("readability")
    if readability:
        rows.append(["Flesch reading ease", str(readability["flesch_reading_ease"])])
        rows.append(["Flesch-Kincaid grade", str(readability["flesch_kincaid_grade"])])
    return rows


def provenance_text(provenance: dict[str, Any]) -> str:
    """The `provenance` block: own outlet, credited outlets, own-reporting markers, suspicion."""
    suspect = "yes" if provenance.get("derivative_suspect") else "no"
    lines = [
        "provenance:",
        f"  own outlet: {provenance.get('own_outlet') or 'unknown'}",
        f"  derivative suspect: {suspect} ({provenance.get('reason', '')})",
    ]
    credited = provenance.get("credited_outlets") or []
    lines.append("  credited outlets:" + ("" if credited else " none"))
    for entry in credited:
        where = ", ".join(str(i) for i in entry["statements"])
        phrases = "; ".join(f"“{phrase}”" for phrase in entry["phrases"])
        lines.append(f"    {entry['outlet']} (statements {where}): {phrases}")
    markers = provenance.get("own_reporting") or []
    lines.append("  own-reporting markers:" + ("" if markers else " none"))
    for marker in markers:
        lines.append(f"    “{marker['marker']}” (statement {marker['statement']})")
    return "\n".join(lines)


def render_csv(audits: list[ArticleAudit]) -> str:
    """One row per statement (skips included, with their reason)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for audit in audits:
        for s in audit.statements:
            row = s.to_dict()
            row["file"] = audit.document.name
            row["labels"] = ";".join(s.labels)
            row["rules"] = ";".join(s.rules)
            row["inherited"] = str(s.inherited).lower()
            row.setdefault("reason", "")
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in CSV_COLUMNS})
    return buffer.getvalue()


def score_text(score: dict[str, Any]) -> str:
    """The sourcing score with every component's points and why."""
    lines = [f"sourcing score: {score['score']}/100 ({score['grade']})"]
    for component in score["components"]:
        lines.append(
            f"  {component['name']}: {component['points']:g}/{component['max_points']:g}"
            f" — {component['explanation']}"
        )
    return "\n".join(lines)
