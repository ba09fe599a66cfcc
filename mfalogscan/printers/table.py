"""The console view: what was searched, a summary per user, then the findings, in 100 columns."""

from __future__ import annotations

import os
from itertools import groupby

from tabulate import tabulate

from .subject_view import visible


WIDTH = 100  # readable at 100 columns; a wider terminal gets wider messages


def _short(text: str, width: int) -> str:
    text = " ".join(visible(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _time(stamp: str | None) -> str:
    return stamp[:19].replace("T", " ") if stamp else "-"


def _scope(report) -> list[str]:
    s = report.summary
    lines = [
        f"Searched {s.sources} source(s): {s.sources_scanned} scanned, {s.sources_partial} partly, "
        f"{s.sources_skipped} skipped, {s.sources_unreadable} unreadable; {s.lines:,} lines, {s.bytes:,} bytes."
    ]
    outside = sum(sum(src.outside_window.values()) for src in report.sources)
    if report.config.time.since or report.config.time.until:
        undated = sum(u.undated for u in s.users)
        lines.append(
            f"Time window: {outside} finding(s) outside --since/--until not shown; "
            f"{undated} finding(s) with no known time shown (never filtered out)."
        )
    for src in report.sources:
        if src.copy_of:
            lines.append(f"  copy: {src.path} has the same content as {src.copy_of}")
        if src.gap_before:
            lines.append(f"  gap: {src.path} starts {src.gap_before}")
        if src.status != "scanned" or src.issues or src.raw_matches:
            why = "; ".join([src.reason] * bool(src.reason) + [i.message for i in src.issues])
            if src.raw_matches:
                why += " [raw quoted matches: " + ", ".join(f"{u} {n}" for u, n in src.raw_matches.items()) + "]"
            lines.append(f"  {src.status}: {src.path}: {why}")
    return [visible(line) for line in lines]  # paths and issues name files, and file names can hold escapes


def _width(out) -> int:
    try:
        if out.isatty():
            return max(WIDTH, os.get_terminal_size(out.fileno()).columns)
    except (OSError, ValueError, AttributeError):
        pass
    return WIDTH


def write(report, out) -> None:
    s = report.summary
    out.write("\n".join(_scope(report)) + "\n\n")
    rows = []
    for u in s.users:
        name = _short(u.user + (f" (+{len(u.aliases)} alias)" if u.aliases else ""), 30)
        rows.append([
            name, u.by_category.get("user-change", 0), u.by_category.get("operational", 0),
            u.by_category.get("unclassified", 0), u.events, u.mentions, _time(u.first_seen)[:16], _time(u.last_seen)[:16],
        ])
    out.write(tabulate(rows, ["user", "changes", "oper.", "unclass.", "events", "mentions", "first seen", "last seen"],
                       tablefmt="simple", disable_numparse=True) + "\n")
    if report.findings:
        width = _width(out)
        several = len(s.users) > 1
        # The kind names its category (the summary above counts categories), so rows show the kind only.
        headers = ["time (UTC)", "line"] + (["user"] if several else []) + ["kind", "role", "message"]
        rows = [
            [_time(f.timestamp), str(f.line)] + ([_short(f.user, 12)] if several else [])
            + [_short(f.kind, 17 - 4 * (not f.quoted) - 4 * bool(f.duplicate_of))
               + ("" if f.quoted else " (m)") + (" (d)" if f.duplicate_of else ""), f.role]
            for f in report.findings
        ]
        # One column width for all sources, so the tables line up. tabulate's "simple" format pads
        # headers by 2 and puts two spaces between columns.
        used = sum(max(len(h) + 2, *(len(r[i]) for r in rows)) + 2 for i, h in enumerate(headers[:-1]))
        text_width = max(20, width - used)
        for r, f in zip(rows, report.findings):
            r.append(_short(f.message or f.text, text_width))
        for source, group in groupby(zip(report.findings, rows), key=lambda pair: pair[0].source):
            out.write("\n" + _short(source, width) if len(source) <= width else "\n…" + source[-(width - 1):])
            out.write("\n" + tabulate([r for _, r in group], headers, tablefmt="simple", disable_numparse=True) + "\n")
        if any(f.duplicate_of for f in report.findings):
            out.write("(d) = the same event as an earlier finding in another source (see duplicate_of in json)\n")
        if any(not f.quoted for f in report.findings):
            out.write("(m) = unquoted mention\n")
        elif any(u.mentions for u in s.users) and not report.config.list_mentions:
            out.write(f"{sum(u.mentions for u in s.users)} unquoted mention(s) not listed; list them with --mentions.\n")
    else:
        names = ", ".join(repr(n) for u in s.users for n in (u.user,) + tuple(u.aliases))
        out.write(f"\nNo quoted occurrence of {names} in {s.sources} source(s), {s.lines:,} lines searched.")
        mentions = sum(u.mentions for u in s.users)
        if mentions:
            out.write(f" {mentions} unquoted mention(s) found; list them with --mentions.")
        out.write("\n")
    raw = sum(u.raw_matches_in_skipped for u in s.users)
    if raw:
        out.write(f"Note: {raw} raw quoted match(es) in skipped binary files (listed with the sources above).\n")
