"""The console view: what was searched, a summary per user, then the findings, fitted to the terminal.

Laid out by `rich`: on a terminal the table takes the terminal's width
and folds long text onto further lines inside its cell, so a changed value
or a kind is never cut; below 100 columns each finding is one line (time,
line, kind, role) with its message indented below it. Written to a pipe or a
file it is 100 columns wide, so the same input gives the same bytes. Colour only
on a terminal, and never when NO_COLOR is set. Findings are laid out a few
hundred at a time with the same column widths, so memory does not grow with
their number.
"""

from __future__ import annotations

import os
from itertools import groupby, islice

from ..model import EVENT_FORMATS
from .subject_view import visible

WIDTH = 100  # when the output is not a terminal
NARROWEST = 40
STACKED_BELOW = 100  # columns: narrower terminals get one finding per line and its message below
_COLOURS = {"user-change": "red", "operational": "cyan", "unclassified": "yellow"}
_SHORT = {"user-change": "change", "operational": "oper.", "unclassified": "uncl."}  # the category, in 6 columns
CHUNK = 500  # findings per rich Table
ROLE_WIDTH = 7  # "subject"
TIME_WIDTH = 19  # "2024-03-04 07:29:22"


def _time(stamp: str | None) -> str:
    return stamp[:19].replace("T", " ") if stamp else "-"


def _counted(sources) -> str:
    """What was read, in words: `323 lines`, or `323 lines and 60 events` when event logs were read (their
    records are no lines)."""
    events = sum(src.lines for src in sources if src.format in EVENT_FORMATS)
    lines = sum(src.lines for src in sources) - events
    return f"{lines:,} lines" + (f" and {events:,} events" if events else "")


def _scope(report) -> list[str]:
    s = report.summary
    lines = [
        f"Searched {s.sources} source(s): {s.sources_scanned} scanned, {s.sources_partial} partly, "
        f"{s.sources_skipped} skipped, {s.sources_unreadable} unreadable; {_counted(report.sources)}, {s.bytes:,} bytes."
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


class _Trimmed:
    """The output without the spaces rich pads each line with to the table's width."""

    def __init__(self, out):
        self._out, self._partial = out, ""

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        if lines:
            self._out.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self._out.write(self._partial.rstrip(" "))
            self._partial = ""
        self._out.flush()

    def isatty(self) -> bool:
        return self._out.isatty()

    def fileno(self) -> int:
        return self._out.fileno()


def _console(out):
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich exits with 1; the CLI ends a closed pipe as grep does (141)
            self.quiet = True
            raise BrokenPipeError()

    tty = False
    try:
        tty = out.isatty()
    except (AttributeError, ValueError):
        pass
    width = WIDTH
    if tty:
        try:
            width = max(NARROWEST, os.get_terminal_size(out.fileno()).columns)
        except (OSError, ValueError, AttributeError):
            pass
    plain = not tty or "NO_COLOR" in os.environ
    return _Console(file=_Trimmed(out), width=width, force_terminal=tty, color_system=None if plain else "auto", no_color=plain,
                   highlight=False, markup=False, emoji=False, soft_wrap=False, legacy_windows=False), plain


def _text(console, text: str, style: str = "") -> None:
    from rich.text import Text

    console.print(Text(text, style=style), overflow="fold")


def _summary_table(report, plain: bool):
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, header_style="" if plain else "bold", pad_edge=False, show_edge=False)
    table.add_column("user", overflow="fold", ratio=1)
    for header in ("changes", "oper.", "unclass.", "events", "mentions", "first seen", "last seen"):
        table.add_column(header, no_wrap=True)
    for u in report.summary.users:
        name = visible(u.user + (f" (+{len(u.aliases)} alias)" if u.aliases else ""))
        table.add_row(name, *(str(n) for n in (u.by_category.get("user-change", 0), u.by_category.get("operational", 0),
                                              u.by_category.get("unclassified", 0), u.events, u.mentions)),
                      _time(u.first_seen)[:16], _time(u.last_seen)[:16])
    return table


def _stacked(console, report, plain: bool) -> None:
    """A narrow terminal: each finding's time, line, kind and role on one line, its message indented below."""
    from rich.padding import Padding
    from rich.text import Text

    several = len(report.summary.users) > 1
    for source, group in groupby(report.findings, key=lambda f: f.source):
        console.print()
        _text(console, visible(source), "" if plain else "bold")
        for f in group:
            kind = f.kind + ("" if f.quoted else " (m)") + (" (d)" if f.duplicate_of else "")
            head = ([_time(f.timestamp), f.place] + ([visible(f.user)] if several else [])
                    + [f.category, kind, f.role])
            _text(console, "  ".join(head), "" if plain else _COLOURS.get(f.category, ""))
            console.print(Padding(Text(" ".join(visible(f.message or f.text).split())), (0, 0, 0, 4)), overflow="fold")


def _findings(console, report, plain: bool) -> None:
    from rich import box
    from rich.table import Table

    several = len(report.summary.users) > 1
    kinds = [k for u in report.summary.users for k in u.by_kind] or ["kind"]
    markers = 4 * (any(not f.quoted for f in report.findings) + any(f.duplicate_of for f in report.findings))
    kind_width = min(max(len(k) for k in kinds) + markers, 20)  # longer kinds fold
    line_width = max(4, len(str(max((s.lines for s in report.sources), default=1))),
                     max((len(str(f.line)) + 1 for f in report.findings if f.is_event), default=0))  # #EventRecordID
    user_width = min(max(len(u.user) for u in report.summary.users), 14) if several else 0

    def new_table():
        table = Table(box=box.SIMPLE_HEAD, header_style="" if plain else "bold", pad_edge=False, show_edge=False,
                      expand=True)
        table.add_column("time (UTC)", width=TIME_WIDTH, no_wrap=True)
        table.add_column("line", width=line_width, justify="right", no_wrap=True)
        if several:
            table.add_column("user", width=user_width, overflow="fold")
        table.add_column("cat.", width=6, no_wrap=True)
        table.add_column("kind", width=kind_width, overflow="fold")
        table.add_column("role", width=ROLE_WIDTH, overflow="fold")
        table.add_column("message", overflow="fold", ratio=1)
        return table

    for source, group in groupby(report.findings, key=lambda f: f.source):
        console.print()
        _text(console, visible(source), "" if plain else "bold")
        group = iter(group)
        while True:
            chunk = list(islice(group, CHUNK))
            if not chunk:
                break
            table = new_table()
            for f in chunk:
                kind = f.kind + ("" if f.quoted else " (m)") + (" (d)" if f.duplicate_of else "")
                row = [_time(f.timestamp), f"#{f.line}" if f.is_event else str(f.line)] + ([visible(f.user)] if several else [])
                table.add_row(*row, _SHORT.get(f.category, f.category[:6]), kind, f.role, " ".join(visible(f.message or f.text).split()),
                              style=None if plain else _COLOURS.get(f.category))
            console.print(table)


def write(report, out) -> None:
    console, plain = _console(out)
    try:
        _write(console, plain, report)
    finally:
        console.file.flush()


def _write(console, plain: bool, report) -> None:
    s = report.summary
    for line in _scope(report):
        _text(console, line)
    console.print()
    narrow = console.width < STACKED_BELOW
    if narrow:
        for u in report.summary.users:
            c = u.by_category
            _text(console, visible(f"{u.user}{f' (+{len(u.aliases)} alias)' if u.aliases else ''}: "
                                   f"{c.get('user-change', 0)} user-change, {c.get('operational', 0)} operational, "
                                   f"{c.get('unclassified', 0)} unclassified; {u.events} events; {u.mentions} mentions; "
                                   f"seen {_time(u.first_seen)[:10]} to {_time(u.last_seen)[:10]}"), "" if plain else "bold")
    else:
        console.print(_summary_table(report, plain))
    if report.findings:
        (_stacked if narrow else _findings)(console, report, plain)
        if any(f.duplicate_of for f in report.findings):
            _text(console, "(d) = the same event as an earlier finding in another source (see duplicate_of in json)")
        if any(not f.quoted for f in report.findings):
            _text(console, "(m) = unquoted mention")
        elif any(u.mentions for u in s.users) and not report.config.list_mentions:
            _text(console, f"{sum(u.mentions for u in s.users)} unquoted mention(s) not listed; list them with --mentions.")
    else:
        names = ", ".join(repr(n) for u in s.users for n in (u.user,) + tuple(u.aliases))
        line = f"No quoted occurrence of {names} in {s.sources} source(s), {_counted(report.sources)} searched."
        mentions = sum(u.mentions for u in s.users)
        if mentions:
            line += f" {mentions} unquoted mention(s) found; list them with --mentions."
        console.print()
        _text(console, visible(line))
    raw = sum(u.raw_matches_in_skipped for u in s.users)
    if raw:
        _text(console, f"Note: {raw} raw quoted match(es) in skipped binary files (listed with the sources above).")
