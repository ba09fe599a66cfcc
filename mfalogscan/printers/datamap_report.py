"""The data map as a report to read or circulate: Markdown or HTML, per source and per identity, no log text.

With `pseudonyms`, each identity is `person 1`, `person 2`, ... (in the
order of their keys), so the report can go to people who may know what the
logs hold but not whom: the record of processing (GDPR Article 30) needs
the categories and the retention, not the names.
"""

from __future__ import annotations

import html

from ..errors import visible
from ..model import TOOL, VERSION
from .html import CSP, CSS
from .markdown import _table as md_table
from .markdown import esc

TITLE = "Data map: who the MFA logs hold"


def _identities(n: int) -> str:
    return f"{n:,} identit{'y' if n == 1 else 'ies'}"


def _before(cutoff: str) -> str:
    """The cut-off as a person reads it: a day's end (--as-of gives one) is that day, else the moment itself."""
    if cutoff.endswith("T23:59:59.999999Z"):
        return f"on or before {cutoff[:10]}"
    return f"before {cutoff[:19]}Z" if cutoff.endswith("Z") else f"before {cutoff}"


def summary_line(m) -> str:
    """The sentence a controller acts on."""
    s = m.summary()
    if not s["identities"]:
        return f"No identity found in {s['sources']} source(s)."
    line = f"{_identities(s['identities'])} in {s['sources']} source(s)"
    if s["sources_past_retention"]:
        line += (f"; {s['sources_past_retention']} source(s) hold records older than {s['retention_days']} days"
                 f" ({_before(s['retention_cutoff'])}), naming {_identities(s['identities_past_retention'])}")
    else:
        line += f"; none has findings older than {s['retention_days']} days"
    if s["oldest_record"]:
        line += f"; the oldest record is from {s['oldest_record'][:10]}"
    return line + "."


#: What the identity table's counts are (docs/output.md, "The data map").
COUNTS_NOTE = ("The user-change, operational and unclassified columns count findings: lines where the identity is "
               "written in double quotes, as mfalogscan scan finds them for that name. Mentions count the lines "
               "whose record names the identity without double quotes (an authentication record's 'user'); a scan "
               "for the name counts every unquoted occurrence, so it may count more. Sources are the files holding "
               "either.")


def _names(m, pseudonyms: bool) -> dict[str, str]:
    return {e.identity: (f"person {i}" if pseudonyms else e.identity) for i, e in enumerate(m.identities, 1)}


def _identity_rows(m, names: dict) -> tuple[list[str], list[list]]:
    head = ["identity", "user-change", "operational", "unclassified", "mentions", "first seen", "last seen",
            "past retention", "sources"]
    rows = [[names[e.identity], *(e.by_category.get(k, 0) for k in ("user-change", "operational", "unclassified")),
             e.mentions, e.first_seen or "", e.last_seen or "", e.past_retention, len(e.sources)] for e in m.identities]
    return head, rows


def _source_rows(m) -> tuple[list[str], list[list]]:
    head = ["source", "status", "records from", "records to", "identities", "with data past retention",
            "lines past retention", "bytes past retention"]
    rows = [[s.path, s.status, s.first_timestamp or "", s.last_timestamp or "", s.identities,
             s.identities_past_retention, "" if s.lines_past_retention is None else s.lines_past_retention,
             "" if s.bytes_past_retention is None else s.bytes_past_retention] for s in m.sources]
    return head, rows


def _set_rows(m) -> tuple[list[str], list[list]]:
    head = ["rotation set", "files", "from", "to", "bytes", "lines past retention"]
    return head, [[r.name, r.files, r.first_timestamp or "", r.last_timestamp or "", r.bytes, r.lines_past_retention]
                  for r in m.rotation_sets]


def render_markdown(m, pseudonyms: bool = False) -> str:
    names = _names(m, pseudonyms)
    out = [f"# {TITLE}", "", esc(f"Made by {TOOL} {VERSION}. Retention: {m.retention_days} days, cut-off "
                                  f"{m.retention_cutoff or 'none'}."), "", esc(summary_line(m)), ""]
    if pseudonyms:
        out += ["Identities are shown as pseudonyms (person 1, person 2, ...).", ""]
    for title, (head, rows) in (("Identities", _identity_rows(m, names)), ("Sources", _source_rows(m)),
                                ("Rotation sets", _set_rows(m))):
        note = [esc(COUNTS_NOTE), ""] if title == "Identities" and rows else []
        out += [f"## {title}", ""] + note + (md_table(head, rows) if rows else ["None."]) + [""]
    return "\n".join(out)


def _html_table(head: list[str], rows: list[list]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(visible(str(v)))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def render_html(m, pseudonyms: bool = False) -> str:
    names = _names(m, pseudonyms)
    # Nine columns of counts: a smaller type, headings broken between words only ("mentions", not "mention s"),
    # and the names (the first column, of each table) the room the counts do not need.
    css = CSS.replace("content:FOOTER;", 'content:"data map";') + ("table{font-size:.85em}th{overflow-wrap:normal;word-break:normal}"
                                                                 "th:first-child{width:26%}")
    parts = [f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
             f'content="{CSP}"><title>{html.escape(TITLE)}</title><style>{css}</style></head><body>',
             f"<h1>{html.escape(TITLE)}</h1>",
             f'<p class="meta">Made by {TOOL} {VERSION}. Retention: {m.retention_days} days, cut-off '
             f"{html.escape(m.retention_cutoff or 'none')}.</p>",
             f'<p class="none">{html.escape(summary_line(m))}</p>']
    if pseudonyms:
        parts.append("<p>Identities are shown as pseudonyms (person 1, person 2, ...).</p>")
    for title, (head, rows) in (("Identities", _identity_rows(m, names)), ("Sources", _source_rows(m)),
                                ("Rotation sets", _set_rows(m))):
        note = f"<p>{html.escape(COUNTS_NOTE)}</p>" if title == "Identities" and rows else ""
        parts.append(f"<h2>{title}</h2>" + note + (_html_table(head, rows) if rows else "<p>None.</p>"))
    parts.append("</body></html>\n")
    return "\n".join(parts)
