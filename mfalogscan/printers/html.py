"""The evidence report as one self-contained HTML file per subject, made to be read on screen and printed.

No network, no scripts, no external fonts: a Content-Security-Policy that
forbids scripts and remote content, inline CSS, and a timeline of findings
per day by category drawn as inline SVG. Every value from a log, a path or
a name goes through `html.escape`, so log text is only ever text (a log line
holding `<script>` or `"><img onerror=...>` renders as those characters).

Printed (A4 or Letter, portrait) nothing is cut: tables have a fixed layout
within the page, every cell wraps anywhere it must, each record's log text
has a full-width row of its own, records and sources are never split across
pages, table headers repeat on each page, and `@page` sets the margins and
numbers the pages.
"""

from __future__ import annotations

from . import handover
from . import procedure_view as pv
from . import subject_view as sv
from .html_timeline import e, timeline
from .subject_view import SubjectView, subject_views

CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2em auto;max-width:72em;color:#1b1b1b;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.6em 0;table-layout:fixed}
th,td{border:1px solid #ccc;padding:.25em .45em;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}
td.word{overflow-wrap:normal;word-break:normal;hyphens:none}
th{background:#f2f2f2}thead{display:table-header-group}
.mono,td.log{font-family:ui-monospace,Consolas,"DejaVu Sans Mono",monospace;font-size:.85em}
td.log{white-space:pre-wrap;background:#fafafa}
tbody.rec,tbody.src{break-inside:avoid}
col.time{width:27%}col.kind{width:17%}col.role{width:11%}col.event{width:9%}td.time{font-size:.8em}
col.path{width:36%}col.status{width:12%}col.format{width:10%}col.when{width:16%}col.lines{width:10%}
table.sources{font-size:.9em}
dl.src{display:grid;grid-template-columns:12em 1fr;margin:.2em 0 1em;gap:0 .8em;break-inside:avoid}
dl.src dt{color:#555}dl.src dd{margin:0;overflow-wrap:anywhere}
h3.src{font-size:1em;margin:1.2em 0 .2em;overflow-wrap:anywhere;font-family:ui-monospace,Consolas,monospace;break-after:avoid}
.meta{color:#555}.none{font-weight:600;border-left:4px solid #1f5fa8;padding:.4em .8em;background:#f4f8fc}
.warn{border-left:4px solid #b3261e;padding:.3em .8em;background:#fcf4f4;overflow-wrap:anywhere}
ol.stores>li{margin:.35em 0;break-inside:avoid}ol.stores ul{margin:.1em 0;padding-left:1.2em;overflow-wrap:anywhere}
.state{font-style:italic}col.export{width:54%}
.case th{width:14em}.explain p{margin:.3em 0}
.sign td{height:3.2em;vertical-align:bottom}.sign th{width:24em}
svg{max-width:100%;height:auto}.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:-.1em}
@page{margin:14mm 12mm 16mm 12mm;@bottom-right{content:"page " counter(page) " of " counter(pages);font:9pt system-ui,sans-serif;color:#555}
@bottom-left{content:FOOTER;font:9pt system-ui,sans-serif;color:#555}}
@media print{body{margin:0;max-width:none;padding:0;font-size:10.5pt}h2,h2+p{break-after:avoid}tr{break-inside:avoid}
svg{max-height:60mm}}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def css_string(text: str) -> str:
    """Any text as a CSS string: every character but letters, digits and a few safe marks as a hex escape, so
    nothing in it can end the string, the rule or the <style> element."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_@()")
    return '"' + "".join(c if c in safe else f"\\{ord(c):x} " for c in sv.visible(text)) + '"'


def _footer(view: SubjectView) -> str:
    """What each printed page says at its foot: whose report it is and for which request, so loose pages match."""
    reference = view.case.get("request_reference")
    return css_string(f"MFA Server log findings for {view.user}" + (f", request {reference}" if reference else ""))


def _table(headers, rows, classes=None, cols=None, name=None) -> str:
    """A table; `classes` maps a column index to the CSS class of its cells, `cols` names each column's width."""
    classes = classes or {}
    colgroup = "<colgroup>" + "".join(f'<col class="{c}">' for c in cols) + "</colgroup>" if cols else ""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f'<td class="{classes[i]}">{e(c)}</td>' if i in classes else f"<td>{e(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table{f' class={name}' if name else ''}>{colgroup}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _records(rows) -> str:
    """Each record as its own block: what and where on one row, the log text on a full-width row below."""
    cols = "".join(f'<col class="{c}">' for c in ("time", "kind", "role", "event", "path"))
    head = "".join(f"<th>{e(h)}</th>" for h in sv.RECORD_HEADERS)
    blocks = []
    for meta, text in sv.records(rows):
        cells = "".join(f'<td class="mono{" time" * (i == 0)}">{e(v)}</td>' if i in (0, 4) else
                        f'<td class="word">{e(v)}</td>' if i == 2 else f"<td>{e(v)}</td>" for i, v in enumerate(meta))
        blocks.append(f'<tbody class="rec"><tr>{cells}</tr><tr><td class="log" colspan="5">{e(text)}</td></tr></tbody>')
    return f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>{''.join(blocks)}</table>"


def _handover(view: SubjectView) -> list[str]:
    rows = handover.case_rows(view.case)
    out = ["<h2>Hand-over</h2>"]
    if rows:
        out.append('<table class="case"><tbody>' + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
                   + f"<tr><th>Report made</th><td>{e(view.generated_at)} (UTC)</td></tr></tbody></table>")
    else:
        out.append(f'<p class="meta">{e(handover.NO_CASE)}</p>')
    explain = list(handover.EXPLANATION) + ([handover.MASK_NOTE] if view.masked else [])
    out.append('<div class="explain"><h3>What this report shows</h3>' + "".join(f"<p>{e(p)}</p>" for p in explain) + "</div>")
    return out


def _signature(view: SubjectView) -> str:
    rows = "".join(f"<tr><th>{e(label)}</th><td></td></tr>" for label in handover.SIGNATURE_LINES)
    return f'<h2>Sign-off</h2><table class="sign"><tbody>{rows}</tbody></table>'


def _sources_in_detail(view: SubjectView) -> list[str]:
    out = []
    for path, pairs in sv.source_details(view):
        items = "".join(f"<dt>{e(k)}</dt><dd{' class=mono' if k.startswith('SHA') else ''}>{e(v)}</dd>" for k, v in pairs)
        out.append(f'<h3 class="src">{e(path)}</h3><dl class="src">{items}</dl>')
    return out


def _stores(v: pv.ProcedureView) -> list[str]:
    out = [f"<h2>{e(pv.heading(v, 'heading'))}</h2><p>{e(pv.intro(v))}</p>", '<ol class="stores">']
    for name, state, where, said in pv.store_rows(v):
        items = "".join(f'<li class="mono">{e(w)}</li>' for w in where) + "".join(f"<li>{e(t)}</li>" for t in said)
        out.append(f'<li><strong>{e(name)}</strong>: <span class="state">{e(state)}</span><ul>{items}</ul></li>')
    out.append("</ol>")
    out.append(f"<h2>{e(pv.heading(v, 'facts_heading'))}</h2><ul>" + "".join(f"<li>{e(f)}</li>" for f in pv.facts(v))
               + "</ul>")
    deletion = pv.deletion(v)
    if deletion is not None:
        said, follow, undated = deletion
        out.append(f"<h2>{e(pv.heading(v, 'deletion_heading'))}</h2>" + "".join(f"<p>{e(p)}</p>" for p in said))
        out += [_table(pv.REF_HEADERS, rows, classes={0: "mono", 2: "mono"}, cols=("when", "status", "path"))
                for rows in (follow, undated) if rows]
    return out


def _attachments(v: pv.ProcedureView) -> list[str]:
    out = []
    for path, meta, rows in pv.attachments(v):
        items = "".join(f"<dt>{e(k)}</dt><dd{' class=mono' if k.startswith('SHA') else ''}>{e(val)}</dd>" for k, val in meta)
        out.append(f"<h2>{e(pv.heading(v, 'export_heading'))}: <span class=mono>{e(path)}</span></h2>"
                   f"<p>{e(pv.heading(v, 'export_intro'))}</p><dl class=src>{items}</dl>")
        headers = [pv.heading(v, "export_field"), pv.heading(v, "export_value"), pv.EXPORT_TYPE]
        out.append(_table(headers, rows, classes={0: "mono", 1: "log"}, cols=("path", "export", "format"))
                   if rows else f"<p>{e(pv.heading(v, 'export_empty'))}</p>")
    return out


def render(view: SubjectView) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>MFA Server log findings for {e(view.user)}</title><style>{CSS.replace('FOOTER', _footer(view))}</style>"
        "</head><body>",
        f"<h1>MFA Server log findings for {e(view.user)}</h1>",
    ]
    if view.aliases:
        out.append(f"<p>Also searched as: {e(', '.join(view.aliases))}.</p>")
    out.append(f'<p class="meta">{e(sv.made_by(view))}</p>')
    out += _handover(view)
    out.append("<h2>Scope</h2>")
    out += [f"<p>{e(s)}</p>" for s in sv.scope_sentences(view)]
    out.append(_table(sv.SOURCE_HEADERS, sv.source_rows(view), classes={0: "mono"},
                      cols=("path", "status", "format", "when", "when", "lines"), name="sources"))
    out += [f'<p class="warn">{e(w)}</p>' for w in sv.warnings(view)]
    out.append("<h2>Summary</h2>")
    nothing = sv.nothing_found(view)
    if nothing:
        out.append(f'<p class="none">{e(nothing)}</p>')
    else:
        out.append("<ul>" + "".join(f"<li>{e(p)}</li>" for p in sv.summary_points(view)) + "</ul>")
        out.append(timeline(view))
        out.append(_table(["category", "kind", "findings"], sv.kind_rows(view)))
        out.append(_table(["role", "findings"], [[role, n] for role, n in view.summary.by_role.items()]))
    out += _stores(view.procedure)
    for _category, title, blurb, rows in view.sections:
        out.append(f"<h2>{e(title)} ({len(rows)})</h2><p>{e(blurb)} In time order.</p>")
        out.append(_records(rows) if rows else "<p>None.</p>")
    out += _attachments(view.procedure)
    out.append(f"<h2>Sources in detail</h2><p>Parameters: {e(sv.parameter_text(view.parameters))}.</p>")
    out += _sources_in_detail(view)
    out.append(_signature(view))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write(report, out) -> None:
    """One subject's report (the CLI asks for --output-dir when there are several)."""
    if len(report.config.subjects) != 1:
        raise ValueError("an HTML report is one file per subject")
    out.write(render(next(subject_views(report))))
