"""The console view: what was searched, a summary per user, then the findings, in 100 columns."""

from __future__ import annotations

import os

from tabulate import tabulate

from . import collect

WIDTH = 100  # readable at 100 columns; a wider terminal gets wider messages
_KIND = {"user-change": "change", "operational": "oper", "unclassified": "unclass"}


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _where(path: str, line: int, width: int = 30) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1] if "!" not in path else path.rsplit("!", 1)[-1]
    where = f"{name}:{line}"
    return where if len(where) <= width else "…" + where[-(width - 1):]


def _scope(report) -> list[str]:
    s = report.summary
    lines = [
        f"Searched {s.sources} source(s): {s.sources_scanned} scanned, {s.sources_partial} partly, "
        f"{s.sources_skipped} skipped, {s.sources_unreadable} unreadable; {s.lines:,} lines, {s.bytes:,} bytes."
    ]
    for src in report.sources:
        if src.status != "scanned" or src.issues:
            why = src.reason or "; ".join(i.message for i in src.issues)
            lines.append(f"  {src.status}: {src.path}: {why}")
    return lines


def _width(out) -> int:
    try:
        if out.isatty():
            return max(WIDTH, os.get_terminal_size(out.fileno()).columns)
    except (OSError, ValueError, AttributeError):
        pass
    return WIDTH


def write(events, report, out) -> None:
    collect(events, report)
    s = report.summary
    out.write("\n".join(_scope(report)) + "\n\n")
    rows = []
    for u in s.users:
        name = u.user + (f" (+{len(u.aliases)} alias)" if u.aliases else "")
        rows.append([
            name, u.by_category.get("user-change", 0), u.by_category.get("operational", 0),
            u.by_category.get("unclassified", 0), u.mentions, (u.first_seen or "-")[:19], (u.last_seen or "-")[:19],
        ])
    out.write(tabulate(rows, ["user", "changes", "operational", "unclassified", "mentions", "first seen", "last seen"],
                       tablefmt="simple") + "\n")
    if report.findings:
        rows = []
        for f in report.findings:
            mark = "" if f.quoted else " (m)"
            rows.append([
                (f.timestamp or "-")[:19].replace("T", " "),
                _where(f.source, f.line),
                f"{_KIND.get(f.category, f.category)}/{f.kind}{mark}"[:26],
                f.role[:7],
            ])
        used = max(len(r[0]) for r in rows) + max(len(r[1]) for r in rows) + max(len(r[2]) for r in rows) + 7 + 8
        text_width = max(20, _width(out) - used)
        for r, f in zip(rows, report.findings):
            r.append(_short(f.message or f.text, text_width))
        out.write("\n" + tabulate(rows, ["time (UTC)", "where", "category/kind", "role", "message"], tablefmt="simple",
                                  disable_numparse=True) + "\n")
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
        out.write(f"Note: {raw} raw quoted match(es) in skipped binary files (see the sources above).\n")
