"""The evidence report in Markdown: one section per subject, scope first.

Every value from a log or a path is escaped, so log text can never become
markup (a `|` cannot break a table, a `<script>` stays text).
"""

from __future__ import annotations

import re

from .. import __version__
from .subject_view import DETAIL_HEADERS, SubjectView, detail_rows, parameter_text, subject_views

# What could become markup: emphasis, code, links (no [ or ], no link), HTML, tables, headings, entities.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")


def esc(value) -> str:
    text = "" if value is None else str(value)
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _table(headers: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return out


def render(view: SubjectView) -> str:
    s = view.summary
    names = [view.user, *view.aliases]
    lines = [f"# MFA Server log findings for {esc(view.user)}", ""]
    if view.aliases:
        lines += [f"Also searched as: {', '.join(esc(a) for a in view.aliases)}.", ""]
    lines += [
        f"Made by mfalogscan {esc(__version__)} at {esc(view.generated_at)} (UTC). "
        f"Rules in force: SHA-256 {esc(view.rules_sha256)}.", "",
        "## Scope", "",
        f"Searched: {', '.join(esc(p) for p in view.parameters['paths'])}, for the names "
        f"{', '.join(esc(n) for n in names)} (case-insensitive).",
    ]
    if view.span[0]:
        lines.append(f"The sources hold records from {esc(view.span[0])} to {esc(view.span[1])}.")
    if view.parameters.get("since") or view.parameters.get("until"):
        lines.append(f"Time window: {esc(view.parameters.get('since') or 'the beginning')} to "
                     f"{esc(view.parameters.get('until') or 'the end')}; {s.outside_window} finding(s) outside it are not shown.")
    lines += [""]
    lines += _table(
        ["source", "status", "format", "records from", "records to", "lines", "SHA-256 of content"],
        [[src.path, src.status, src.format or "", src.first_timestamp or "", src.last_timestamp or "", src.lines, src.sha256 or ""]
         for src in view.sources],
    )
    lines.append("")
    for path, status, why in view.problems:
        lines.append(f"- Not scanned in full: {esc(path)} ({esc(status)}): {esc(why)}")
    for path, gap in view.gaps:
        lines.append(f"- Gap: {esc(path)} starts {esc(gap)}; records may have been rotated away or deleted.")
    lines += ["", "## Summary", ""]
    if not s.findings:
        lines += [
            f"**No occurrences found.** No quoted occurrence of {', '.join(esc(n) for n in names)} was found in the "
            f"{len(view.sources)} source(s) listed above"
            + (f", which hold records from {esc(view.span[0])} to {esc(view.span[1])}" if view.span[0] else "")
            + f". Unquoted mentions found: {s.mentions}.", "",
        ]
    else:
        lines += [
            f"- Findings: {s.findings} ({s.quoted} quoted occurrences), in {s.events} distinct event(s); "
            f"the same event found in several sources is counted once as an event.",
            f"- Unquoted mentions: {s.mentions}.",
            f"- First seen: {esc(s.first_seen)}; last seen: {esc(s.last_seen)}; without a known time: {s.undated}.",
            f"- Kept past retention ({view.retention_days} days before {esc(view.as_of)}): {s.past_retention} finding(s).",
            "",
        ]
        category_of = {f.kind: f.category for _, _, _, rows in view.sections for f, _ in rows}
        lines += _table(["category", "kind", "findings"], [[category_of[k], k, n] for k, n in s.by_kind.items()])
        lines.append("")
        lines += _table(["role", "findings"], [[role, n] for role, n in s.by_role.items()])
        lines.append("")
    for category, title, blurb, rows in view.sections:
        lines += [f"## {title} ({len(rows)})", "", blurb, ""]
        if not rows:
            lines += ["None.", ""]
            continue
        lines += _table(
            ["time (UTC)", "source", "line", "role", "kind", "event", "log text"],
            [[f.timestamp or "unknown", f.source, f.line, f.role, f.kind + ("" if f.quoted else " (mention)"),
              f.event + (f", duplicate of {f.duplicate_of}" if f.duplicate_of else ""), text]
             for f, text in rows],
        )
        lines.append("")
    lines += ["## Sources in detail", "", f"Parameters: {esc(parameter_text(view.parameters))}.", ""]
    lines += _table(DETAIL_HEADERS, detail_rows(view))
    return "\n".join(lines).rstrip() + "\n"


def write(report, out) -> None:
    out.write("\n\n".join(render(v) for v in subject_views(report)))
