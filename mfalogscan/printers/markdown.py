"""The evidence report in Markdown: one section per subject, scope first.

Every value from a log or a path is escaped, so log text can never become
markup (a `|` cannot break a table, a `<script>` stays text). The wording
comes from `subject_view`, shared with the HTML report.
"""

from __future__ import annotations

import re

from . import subject_view as sv

# What could become markup: emphasis, code, links (no [ or ], no link), HTML, tables, headings, entities.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")


def esc(value) -> str:
    text = sv.visible("" if value is None else str(value))
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def verbatim(value) -> str:
    """Log text as a code span: shown as written (spaces kept), never a link or markup; `|` escaped for tables."""
    text = sv.visible("" if value is None else str(value)).replace("\t", "\\t")
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text.replace('|', chr(92) + '|')} {fence}"


def _table(headers: list[str], rows: list[list], verbatim_column: int | None = None) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(verbatim(c) if i == verbatim_column else esc(c) for i, c in enumerate(row)) + " |" for row in rows]
    return out


def render(view: sv.SubjectView) -> str:
    lines = [f"# MFA Server log findings for {esc(view.user)}", ""]
    if view.aliases:
        lines += [f"Also searched as: {esc(', '.join(view.aliases))}.", ""]
    lines += [esc(sv.made_by(view)), "", "## Scope", ""]
    lines += [esc(s) for s in sv.scope_sentences(view)] + [""]
    lines += _table(sv.SOURCE_HEADERS, sv.source_rows(view)) + [""]
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
    for _category, title, blurb, rows in view.sections:
        lines += [f"## {title} ({len(rows)})", "", blurb, ""]
        lines += (_table(sv.FINDING_HEADERS, sv.finding_rows(rows), verbatim_column=6) if rows else ["None."]) + [""]
    lines += ["## Sources in detail", "", f"Parameters: {esc(sv.parameter_text(view.parameters))}.", ""]
    lines += _table(sv.DETAIL_HEADERS, sv.detail_rows(view))
    return "\n".join(lines).rstrip() + "\n"


def write(report, out) -> None:
    for i, view in enumerate(sv.subject_views(report)):  # one person's findings in memory at a time
        out.write(("\n\n" if i else "") + render(view))
