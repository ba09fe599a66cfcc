"""The evidence report in Markdown: one section per subject, scope first.

Every value from a log or a path is escaped, so log text can never become
markup (a `|` cannot break a table, a `<script>` stays text). The wording
comes from `subject_view` and `handover`, shared with the HTML report.

Made to print as rendered: the only tables are narrow ones (counts); each
record is a numbered item with what it is, where it is, and its log text as
a code span in a paragraph of its own, which wraps; each source is a list
item, so no 64-digit hash sits in a table column.
"""

from __future__ import annotations

import re

from . import handover
from . import procedure_view as pv
from . import subject_view as sv

# What could become markup: emphasis, code, links (no [ or ], no link), HTML, tables, headings, entities.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")


def esc(value) -> str:
    text = sv.visible("" if value is None else str(value))
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def verbatim(value) -> str:
    """Log text as a code span in a paragraph: shown as written (spaces kept), never a link or markup."""
    text = sv.visible("" if value is None else str(value)).replace("\t", "\\t")
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def _table(headers: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return out


def _records(rows) -> list[str]:
    lines = []
    for n, (meta, text) in enumerate(sv.records(rows), 1):
        when, kind, role, event, where = meta
        lines += [f"{n}. **{esc(when)}**: {esc(kind)}, {esc(role)}" + (f", event {esc(event)}" if event else ""),
                  "", f"   {esc(where)}", "", f"   {verbatim(text)}", ""]
    return lines


def _handover(view: sv.SubjectView) -> list[str]:
    rows = handover.case_rows(view.case)
    lines = ["## Hand-over", ""]
    if rows:
        lines += [f"- **{esc(k)}:** {esc(v)}" for k, v in rows] + [f"- **Report made:** {esc(view.generated_at)} (UTC)", ""]
    else:
        lines += [esc(handover.NO_CASE), ""]
    lines += ["### What this report shows", ""]
    explain = list(handover.EXPLANATION) + ([handover.MASK_NOTE] if view.masked else [])
    return lines + [line for p in explain for line in (esc(p), "")]


def _stores(v: pv.ProcedureView) -> list[str]:
    lines = [f"## {esc(pv.heading(v, 'heading'))}", "", esc(pv.intro(v)), ""]
    for n, (name, state, where, said) in enumerate(pv.store_rows(v), 1):
        lines.append(f"{n}. **{esc(name)}**: {esc(state)}")
        lines += [f"   - {verbatim(w)}" for w in where]
        lines += [f"   - {esc(t)}" for t in said]
    lines += ["", f"## {esc(pv.heading(v, 'facts_heading'))}", ""] + [f"- {esc(f)}" for f in pv.facts(v)] + [""]
    deletion = pv.deletion(v)
    if deletion is not None:
        said, follow, undated = deletion
        lines += [f"## {esc(pv.heading(v, 'deletion_heading'))}", ""] + [line for p in said for line in (esc(p), "")]
        for rows in (follow, undated):
            lines += [f"{i}. **{esc(when)}**: {esc(kind)}, {esc(where)}" for i, (when, kind, where) in enumerate(rows, 1)]
            lines += [""] if rows else []
    return lines


def _attachments(v: pv.ProcedureView) -> list[str]:
    lines = []
    for path, meta, rows in pv.attachments(v):
        lines += [f"## {esc(pv.heading(v, 'export_heading'))}: {esc(path)}", "", esc(pv.heading(v, "export_intro")), ""]
        lines += [f"- {esc(k)}: {esc(val)}" for k, val in meta] + [""]
        headers = [pv.heading(v, "export_field"), pv.heading(v, "export_value"), pv.EXPORT_TYPE]
        lines += _table(headers, [list(r) for r in rows]) if rows else [esc(pv.heading(v, "export_empty"))]
        lines += [""]
    return lines


def render(view: sv.SubjectView) -> str:
    lines = [f"# MFA Server log findings for {esc(view.user)}", ""]
    if view.aliases:
        lines += [f"Also searched as: {esc(', '.join(view.aliases))}.", ""]
    lines += [esc(sv.made_by(view)), ""]
    lines += _handover(view)
    lines += ["## Scope", ""]
    lines += [esc(s) for s in sv.scope_sentences(view)] + [""]
    lines += [f"- {verbatim(path)}: {esc(status)}, {esc(fmt or 'no format')}"
              + (f", records {esc(start)} to {esc(end)}" if start else "") + f", {esc(n)}"
              for path, status, fmt, start, end, n in sv.source_rows(view)] + [""]
    lines += [f"- {esc(w)}" for w in sv.warnings(view)]
    lines += ["", "## Summary", ""]
    nothing = sv.nothing_found(view)
    if nothing:
        first, rest = nothing.split(". ", 1)
        lines += [f"**{esc(first)}.** {esc(rest)}", ""]
    else:
        lines += [f"- {esc(p)}" for p in sv.summary_points(view)] + [""]
        lines += _table(["category", "kind", "findings"], sv.kind_rows(view)) + [""]
        lines += _table(["role", "findings"], [[role, n] for role, n in view.summary.by_role.items()]) + [""]
    lines += _stores(view.procedure)
    for _category, title, blurb, rows in view.sections:
        lines += [f"## {title} ({len(rows)})", "", f"{blurb} In time order.", ""]
        lines += _records(rows) if rows else ["None.", ""]
    lines += _attachments(view.procedure)
    lines += ["## Sources in detail", "", f"Parameters: {esc(sv.parameter_text(view.parameters))}.", ""]
    for path, pairs in sv.source_details(view):
        lines += [f"### {esc(path)}", ""] + [f"- {esc(k)}: {esc(v)}" for k, v in pairs] + [""]
    lines += ["## Sign-off", ""]
    lines += [line for label in handover.SIGNATURE_LINES for line in (f"{esc(label)}: ______________________________", "")]
    return "\n".join(lines).rstrip() + "\n"


def write(report, out) -> None:
    for i, view in enumerate(sv.subject_views(report)):  # one person's findings in memory at a time
        out.write(("\n\n" if i else "") + render(view))
