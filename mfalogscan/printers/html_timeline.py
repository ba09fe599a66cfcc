"""The evidence report's timeline: findings per day (per month beyond 400 days) by category, as inline SVG."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from html import escape

from ..timeline.policy import instant
from . import subject_view as sv
from .subject_view import SubjectView

COLOURS = {"user-change": "#b3261e", "operational": "#1f5fa8", "unclassified": "#6b6b6b"}


def e(value) -> str:
    """Any value as HTML text: control characters made visible, then escaped (quotes too)."""
    return escape(sv.visible("" if value is None else str(value)), quote=True)


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
