"""One source end to end: open it, expand its containers, and scan each unit in named steps.

`scan_found(found, ctx)` opens a discovered file (or standard input),
walks what it holds (`sources.openers.expand`: compressed layers, archive
members), scans each text unit, and yields the findings and statuses, the
file's own status last with its stored hash and what changed while it was
read. `scan_unit` is the sequence for one unit:

    sniff (sources: encoding, binary, line ending; framings: the framing)
    -> search (search: candidate lines from raw bytes, read ahead)
    -> findings (scanning: exact check, record, rules)
    -> times (timeline: years, zones, the window, the span; findings dated at
       once go out at once, year-less ones wait on disk for the unit's end)
    -> status (scanning.status, with the wording of issues from errors)
"""

from __future__ import annotations

import json
import re
import os
import stat
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Iterator

from ..sources.meter import METER
from ..sources.winfile import open_log
from ..errors import (WARNING, SourceIssue, code_page_issue, false_bom_issue, line_ends_issue,
                      nul_issue, out_of_order_issue, out_of_step_issue, read_error, undecodable_issue)
from ..eventlogs.evtx_layout import FILE_MAGIC
from ..eventlogs.exports import sniff_export
from ..framings import detect, reads_yearless
from ..framings.base import after_nuls
from ..model import FINDING_FIELDS, STATUS_PARTIAL, STATUS_SCANNED, STATUS_UNREADABLE, Finding, SourceStatus
from ..search.codepage import CodePageSearch
from ..search.linescan import LineScanner
from ..sources.budget import Budget
from ..sources.codepage import CODE_PAGE
from ..sources.decode import SAMPLE, Layout, UndecodableWatch, sniff_layout
from ..sources.discover import Found
from ..sources.lineends import merged
from ..sources.openers import Unit, expand
from ..sources.snapshot import Snapshot
from ..sources.peek import PeekReader
from ..timeline.clock import SourceClock
from ..timeline.policy import iso_utc
from .binary import WIDE, RawQuoted, count_binary
from .context import Context
from .eventscan import scan_evtx, scan_export
from .findings import FindingBuilder, Settler
from .spill import Spill
from .reading import Counts, TextChunks, raw_chunks
from .status import source_status

_SNIFF_LINES = 200
_STEPS_LISTED = 20  # UTF-16 realignments listed one by one (a file of many crashes gets one more issue for the rest)
_YEARLESS_LINES = 50


ZERO_SIZE = ("the file system gives this file a size of 0 but it holds bytes (a /proc or /sys file): read as a "
             "stream to its end, so its size and content are what was read, not a snapshot")


def _holds_bytes(raw) -> bool:
    """A file whose size is 0 that gives bytes all the same (and is back at its start)."""
    try:
        data = raw.read(1)
        raw.seek(0)
    except OSError:
        return False
    return bool(data)


def scan_found(found: Found, ctx: Context) -> Iterator[Finding | SourceStatus]:
    """Scan one file (or standard input); its own status, with its stored hash and time, comes last."""
    modified, snap, zero_size = None, None, False
    if found.fs_path is None:
        raw, size, times, close = sys.stdin.buffer, None, [], False
    else:
        try:
            raw = open_log(found.fs_path)  # on Windows with delete sharing: MFA Server may rotate it meanwhile
        except OSError as e:
            yield SourceStatus(found.path, STATUS_UNREADABLE, f"cannot open: {e.strerror or e}")
            return
        close = True
        try:
            st = os.fstat(raw.fileno())
            times = [("the file's modification time", st.st_mtime)]
            modified = iso_utc(datetime.fromtimestamp(st.st_mtime, timezone.utc), True)
            size = st.st_size if stat.S_ISREG(st.st_mode) else None  # a FIFO's 0 is no size
            if size == 0 and _holds_bytes(raw):
                size, zero_size = None, True  # /proc and /sys: a size of 0 that is no size; read as a stream
            if size is not None:
                snap = Snapshot(raw, size)  # the file as it is now, however it changes while read
        except OSError:
            size, times = None, []
    current, listed = found.path, 0  # the unit being scanned, and how many of its findings went out already
    own: list[SourceStatus] = []  # statuses of the file itself (not of members inside it)
    try:
        reader = PeekReader(snap or raw)
        METER.start(found.path, lambda: reader.pos)
        ratio = ctx.config.max_expansion
        budget = Budget(size, ratio, read_so_far=lambda: reader.pos) if ratio else None
        unit = Unit(found.path, reader, stored_bytes=size, times=times, budget=budget)
        for item in expand(unit):
            if isinstance(item, SourceStatus):
                if item.container is None:
                    own.append(item)
                else:
                    yield item
            else:
                current, listed = item.path, 0
                for event in (ctx.unit_scanner or scan_unit)(item, ctx):
                    if isinstance(event, SourceStatus) and event.container is None:
                        own.append(event)
                    else:
                        listed += isinstance(event, Finding)
                        yield event
    except OSError as e:
        yield SourceStatus(current, STATUS_UNREADABLE, read_error(e) + _before(listed), findings=listed)
    except Exception as e:  # noqa: BLE001 - one bad source must never end the whole scan
        if ctx.config.debug:
            raise
        yield SourceStatus(
            current, STATUS_UNREADABLE,
            f"internal error while reading ({type(e).__name__}: {e}); the rest of this source was not scanned"
            f"{_before(listed)}. Please report it; run with --debug for the traceback.",
            findings=listed,
        )
    finally:
        METER.finish(size)
        own = [_as_stored(status, snap, found, modified) for status in own]  # before the file is closed
        if zero_size:
            own = [replace(s, issues=tuple(s.issues) + (SourceIssue(ZERO_SIZE, None, WARNING),)) for s in own]
        if close:
            raw.close()
    yield from own


def _before(listed: int) -> str:
    """Findings of a unit stream out as they are made: those made before it failed are listed, and said to be."""
    return f" (the {listed} finding(s) found before that are listed)" if listed else ""


def _as_stored(status: SourceStatus, snap: Snapshot | None, found: Found, modified: str | None) -> SourceStatus:
    """A file's own status with its stored hash and time, and what changed in it while it was read."""
    # Standard input (no snapshot) cannot be read twice for the hash of a compressed stream as stored.
    stored = status.sha256 if status.compression is None else snap.sha256() if snap is not None else None
    status = replace(status, stored_sha256=stored, modified=modified)
    if snap is None:
        return status
    plain = status.compression is None and status.status == STATUS_SCANNED  # a read error says so itself
    changes = snap.changes(found.fs_path, status.bytes if plain else None)
    if not changes:
        return status
    issues = status.issues + tuple(changes)
    lost = [i for i in issues if i.fatal]
    if status.status == STATUS_SCANNED and lost:
        return replace(status, issues=issues, status=STATUS_PARTIAL, reason="; ".join(i.message for i in lost))
    return replace(status, issues=issues)


def scan_unit(unit: Unit, ctx: Context) -> Iterator[Finding | SourceStatus]:
    """One text unit's findings in line order, then its status (a binary unit: its status with raw counts)."""
    cfg = ctx.config
    try:
        sample = unit.stream.peek(SAMPLE)
    except OSError as e:
        yield source_status(unit, STATUS_UNREADABLE, read_error(e), Counts())
        return
    own = own_output(sample)
    if own is not None:  # not parsed, but its size, hash and raw quoted matches are on record, as for a binary
        yield count_binary(unit, ctx, f"an output of mfalogscan ({own}); not read as input")
        return
    if sample.startswith(FILE_MAGIC):  # a Windows event log, whatever its name: records, not lines
        yield from scan_evtx(unit, ctx)
        return
    layout = sniff_layout(sample, cfg.encoding)
    if layout.binary:
        yield count_binary(unit, ctx, layout.why + "; not parsed (raw quoted matches counted)")
        return
    lines = layout.sample_lines(sample, _SNIFF_LINES)
    export = sniff_export("\n".join(lines))
    if export is not None:  # Event Viewer's or wevtutil's export of an event log: events, not lines
        yield from scan_export(unit, ctx, layout, export)
        return
    framing = detect(lines, cfg.framing, cfg.time.date_order)
    # Year-less stamps wait on disk for the unit's end; years counted forward from --year stop at --as-of (or now).
    limit = (cfg.as_of or ctx.now) + timedelta(days=1) if cfg.time.year is not None else None
    clock = SourceClock(cfg.time, Spill(), limit)
    counts = Counts()
    counts.feed(unit.stream.read(layout.bom))
    undecodable = UndecodableWatch()
    settler = Settler(clock, ctx)
    waiting = Spill()  # findings that cannot be dated before the unit's end (year-less stamps), in order
    listed = 0
    # UTF-16 stretches in a source read as UTF-8 or a code page: their quoted names are its raw matches.
    wide = None if layout.transcoded else RawQuoted(ctx, WIDE, only_with_nul=True)
    scanner, raw, chunks = _search(unit, ctx, layout, framing, counts, reads_yearless(framing, lines[:_YEARLESS_LINES]),
                                   wide)
    try:
        # Findings whose time is known at once go out as they are found: memory does not grow with them.
        builder = FindingBuilder(unit.path, ctx, framing, layout, clock)
        for pending in builder.findings(scanner.run(chunks, layout.bom)):
            if not waiting.holds and not settler.needs_base(pending):
                if (finding := settler.take(pending)) is not None:
                    listed += 1
                    yield finding
            else:
                waiting.append(pending)
        raw.close()  # reading is over before the time evidence of the file is asked for
        bad = undecodable.count
        issues = counts.issues + _text_issues(layout, counts, bad, undecodable.first, chunks, builder,
                                              merged(chunks.ends.first, scanner.counter.first))
        issues += _order_issues(clock)
        issues += [SourceIssue(m, None, WARNING) for m in builder.rule_budget.messages()]
        settler.base, year_from = clock.base_year(unit.file_times(), ctx.now)
        for pending in waiting:
            if (finding := settler.take(pending)) is not None:
                listed += 1
                yield finding
        first, last = clock.span(settler.base)
    finally:
        raw.close()  # idempotent; on an error, or when the consumer stops early, reading is abandoned
        waiting.close()
        clock.waiting.close()
    status = source_status(unit, STATUS_SCANNED, None, counts, scanner.lines, layout, framing.name, issues, bad)
    yield replace(
        status,
        encoding=_encoding(status.encoding, builder),
        findings=listed,
        mentions=ctx.by_name(settler.mentions),
        outside_window=ctx.by_name(settler.outside),
        raw_matches=ctx.by_name(wide.per_subject) if wide is not None and wide.found else {},
        unparsed_lines=max(0, scanner.not_starts - framing.header_lines) if framing.head is not None else None,
        first_timestamp=iso_utc(first, False),
        last_timestamp=iso_utc(last, False),
        timezone=f"{cfg.time.zone_label} (assumed for stamps written without a zone)" if clock.used_zone else None,
        year_from=year_from,
    )


def _search(unit: Unit, ctx: Context, layout: Layout, framing, counts: Counts, yearless: bool, wide=None):
    """The search over the unit's bytes: the line scanner, the raw chunks (close them to stop reading) and the
    chunks in the search encoding (`TextChunks`); the name finder runs ahead on a thread where that pays."""
    cfg = ctx.config
    finder = ctx.matcher.finder(layout.search_encoding, cfg.fast, cfg.accelerate)
    # Sources searched as stored may be searched on the reading thread; transcoded ones after transcoding.
    ahead_finder = finder if cfg.fast and not layout.transcoded else None
    raw, searcher = raw_chunks(unit, cfg, counts, ahead_finder, ctx.matcher.max_bytes())
    text = TextChunks(raw, layout, cfg.chunk_size, counts, wide)
    searcher = searcher or finder
    # A UTF-8 source may hold code-page lines past its first 64 KiB: names over ASCII are then searched in the
    # code page's bytes too, from the first chunk that does not decode on.
    late = ctx.matcher.code_page_finder(CODE_PAGE, cfg.fast, cfg.accelerate) if layout.code_page_lines else None
    if late is not None:
        searcher = text.watch = CodePageSearch(searcher, late)
    scanner = LineScanner(
        searcher,
        b"\n",  # lone CRs arrive as LF (sources.lineends)
        after_nuls(framing.head) if framing.multiline else None,
        layout.unit_width,
        cfg.max_line,
        # Year-less stamps (RFC 3164) need their order read closely to place new years; others only a span.
        sample_every=cfg.yearless_sample_every if yearless else cfg.sample_every,
        starts=after_nuls(framing.head),
        starts_fixed_digits=framing.head_fixed_digits,
        accelerate=cfg.accelerate and cfg.fast,
        shifts=text.shifts,
    )
    scanner.counter.made_lf = text.ends.made  # lone CRs made LF are no LF line ends to the counter
    return scanner, raw, text


# A JSON Lines output's first record, and the fields it always has.
_OWN_RECORDS = {"finding": {"user", "matched", "source", "line", "offset", "timestamp"}, "event": {"event", "original"},
                "source": {"path", "status", "sha256"}, "summary": {"sources", "findings", "users"},
                # the data map's (mfalogscan inventory)
                "identity": {"identity", "key", "findings", "mentions"}, "rotation_set": {"name", "files"}}
_OWN_STARTS = (
    (b'{\n  "tool": "mfalogscan",', "a JSON report"),
    (b"# MFA Server log findings for ", "a Markdown report"),
    (("user," + ",".join(FINDING_FIELDS[1:])).encode(), "CSV"),
    (b'{\n  "format": "mfalogscan-signature/1"', "a report's signature (.sig)"),
    (b"# Data map: who the MFA logs hold", "a Markdown data map"),
    (b"identity,aliases,key,", "a data map's CSV"),
)
# A report's manifest (evidence.seal): one line as sha256sum writes it, naming the report file.
_MANIFEST = re.compile(rb"[0-9a-f]{64}  [^\r\n]{1,1024}\n\Z")


def own_output(sample: bytes) -> str | None:
    """Which output of mfalogscan a source is, by its first bytes (an old report left in a scanned folder), or None.
    Read as input, an old JSON Lines file would give every finding it lists again."""
    head = sample[3:] if sample.startswith(b"\xef\xbb\xbf") else sample
    if head.startswith(b'{"type":"'):
        first = head.split(b"\n", 1)[0]
        try:
            record = json.loads(first)
        except ValueError:
            return None
        fields = _OWN_RECORDS.get(record.get("type")) if isinstance(record, dict) else None
        return "JSON Lines" if fields and fields <= record.keys() else None
    for start, kind in _OWN_STARTS:
        if head.startswith(start):
            return kind
    if head.startswith(b"<!DOCTYPE html>") and b"<title>MFA Server log findings" in head[:2048]:
        return "an HTML report"
    if head.startswith(b"<!DOCTYPE html>") and b"<title>Data map: who the MFA logs hold" in head[:2048]:
        return "an HTML data map"
    if _MANIFEST.match(sample):
        return "a report's SHA-256 manifest (.sha256)"
    return None


def _encoding(described: str, builder: FindingBuilder) -> str:
    """The source's encoding, and the code page of the lines that were not UTF-8 when some were read so."""
    cp = builder.code_page
    return f"{described}, then {CODE_PAGE} (guessed) for lines that are not UTF-8, from byte {cp.first}" if cp.lines \
        else described


def _order_issues(clock: SourceClock) -> list:
    steps, first = clock.order_breaks()
    if not steps or first is None:
        return []
    return [out_of_order_issue(steps, *first, clock.needs_year)]


def _text_issues(layout: Layout, counts: Counts, undecodable: int, first_undecodable: int | None,
                 text: TextChunks, builder: FindingBuilder, line_ends: dict[str, int]) -> list:
    """What reading the text noticed: undecodable bytes (lines read as a code page), a BOM that did not fit, NUL
    runs (UTF-16 out of step in them), line ends of more than one kind."""
    issues = []
    if undecodable:
        issues.append(undecodable_issue(undecodable, first_undecodable, layout.encoding, builder.code_page.lines))
    if builder.code_page.lines:
        issues.append(code_page_issue(builder.code_page.lines, builder.code_page.first, CODE_PAGE))
    if layout.how == "false bom":
        issues.append(false_bom_issue(layout.bom))
    if counts.nuls:
        issues.append(nul_issue(counts.nuls, counts.first_nul))
    if text.transcoder is not None:
        steps = text.transcoder.steps
        issues += [out_of_step_issue(step) for step in steps[:_STEPS_LISTED]]
        if len(steps) > _STEPS_LISTED:
            issues.append(SourceIssue(f"UTF-16 text went out of step and back in {len(steps) - _STEPS_LISTED} more NUL "
                                      "run(s), each kept in step the same way", steps[_STEPS_LISTED].run, WARNING))
    if len(line_ends) > 1:
        issues.append(line_ends_issue(line_ends))
    return issues
