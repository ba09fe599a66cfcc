"""The evidence report as one self-contained HTML file per subject.

No network, no scripts, no external fonts: a Content-Security-Policy that
forbids scripts and remote content, inline CSS, and a timeline of findings
per day by category drawn as inline SVG. Every value from a log, a path or
a name goes through `html.escape`, so log text is only ever text (a log line
holding `<script>` or `"><img onerror=...>` renders as those characters).
Readable when printed to PDF.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from html import escape

from ..timeline.policy import instant
from . import subject_view as sv
from .subject_view import SubjectView, subject_views

COLOURS = {"user-change": "#b3261e", "operational": "#1f5fa8", "unclassified": "#6b6b6b"}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2em auto;max-width:72em;color:#1b1b1b;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #ccc;padding:.25em .45em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.text{font-family:ui-monospace,Consolas,monospace;font-size:.86em;word-break:break-all;white-space:pre-wrap}
td.log{min-width:30em}td.path{word-break:break-all;min-width:11em;max-width:16em}
.meta{color:#555}.none{font-weight:600;border-left:4px solid #1f5fa8;padding:.4em .8em;background:#f4f8fc}
.warn{border-left:4px solid #b3261e;padding:.3em .8em;background:#fcf4f4}
svg{max-width:100%;height:auto}.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:-.1em}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def e(value) -> str:
    return escape(sv.visible("" if value is None else str(value)), quote=True)


def _table(headers, rows, classes=None) -> str:
    """A table; `classes` maps a column index to the CSS class of its cells."""
    classes = classes or {}
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f'<td class="{classes[i]}">{e(c)}</td>' if i in classes else f"<td>{e(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def timeline(view: SubjectView) -> str:
    """Findings per day (per month beyond 400 days) by category, as stacked bars in inline SVG."""
    dated = [(instant(f.timestamp).date(), f.category) for _, _, _, rows in view.sections for f, _ in rows
             if f.timestamp and instant(f.timestamp).year < 9999]  # the last year has no "next day" to draw to
    if not dated:
        return "<p>No dated findings to draw.</p>"
    first, last = min(d for d, _ in dated), max(d for d, _ in dated)
    monthly = (last - first).days > 400
    bucket = (lambda d: date(d.year, d.month, 1)) if monthly else (lambda d: d)
    counts = Counter((bucket(d), c) for d, c in dated)
    buckets, b = [], bucket(first)
    while b <= bucket(last):
        buckets.append(b)
        b = date(b.year + (b.month == 12), b.month % 12 + 1, 1) if monthly else b + timedelta(days=1)
    peak = max(sum(counts[(k, c)] for c in COLOURS) for k in buckets)
    width, height, left, bottom = 900, 220, 40, 30
    bar = (width - left - 10) / len(buckets)
    scale = (height - bottom - 10) / peak
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="findings per {"month" if monthly else "day"} by category">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" stroke="#999"/>',
             f'<text x="{left - 6}" y="14" text-anchor="end" font-size="11">{peak}</text>',
             f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" font-size="11">0</text>']
    for i, k in enumerate(buckets):
        y = height - bottom
        for category, colour in COLOURS.items():
            n = counts[(k, category)]
            if not n:
                continue
            h = n * scale
            y -= h
            label = f"{k.isoformat()[:7] if monthly else k.isoformat()}: {n} {category}"
            parts.append(f'<rect x="{left + i * bar + 1:.1f}" y="{y:.1f}" width="{max(bar - 2, 1):.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{e(label)}</title></rect>')
    for k, anchor, x in ((buckets[0], "start", left), (buckets[-1], "end", width - 5)):
        parts.append(f'<text x="{x}" y="{height - 10}" text-anchor="{anchor}" font-size="11">{e(k.isoformat()[:7] if monthly else k.isoformat())}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span style="background:{c}"></span>{e(cat)}' for cat, c in COLOURS.items())
    return "".join(parts) + f'<p class="legend">{legend}</p>'


def render(view: SubjectView) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>MFA Server log findings for {e(view.user)}</title><style>{CSS}</style></head><body>",
        f"<h1>MFA Server log findings for {e(view.user)}</h1>",
    ]
    if view.aliases:
        out.append(f"<p>Also searched as: {e(', '.join(view.aliases))}.</p>")
    out.append(f'<p class="meta">{e(sv.made_by(view))}</p><h2>Scope</h2>')
    out += [f"<p>{e(s)}</p>" for s in sv.scope_sentences(view)]
    out.append(_table(sv.SOURCE_HEADERS, sv.source_rows(view), classes={0: "path", 6: "text"}))
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
    for _category, title, blurb, rows in view.sections:
        out.append(f"<h2>{e(title)} ({len(rows)})</h2><p>{e(blurb)}</p>")
        out.append(_table(sv.FINDING_HEADERS, sv.finding_rows(rows), classes={1: "path", 6: "text log"}) if rows else "<p>None.</p>")
    out.append(f"<h2>Sources in detail</h2><p>Parameters: {e(sv.parameter_text(view.parameters))}.</p>")
    out.append(_table(sv.DETAIL_HEADERS, sv.detail_rows(view), classes={0: "path", 5: "text"}))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write(report, out) -> None:
    """One subject's report (the CLI asks for --output-dir when there are several)."""
    if len(report.config.subjects) != 1:
        raise ValueError("an HTML report is one file per subject")
    out.write(render(next(subject_views(report))))
