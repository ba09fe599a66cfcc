"""A unit's identities, with no names given: the inventory's first pass (issue 16).

An identity is an account a record names in a role: the actor and target
of a user-change record, the user of an authentication record (the rules'
`actor`, `target` and `subject` groups), and in event logs the values of
fields that hold accounts (`TargetUserName`, `User-Name`, ...) and the
record's user SID. Each unit gives one `Sighting` with the names as
written, then its status. The second pass (`inventory.datamap`) is a scan
with every identity as a subject, so the map counts what a scan finds.

Every line is read here, through the framing and the rules (a rule may
name its user without quotes: `validate_oath_code: user alice ...`): the
slow, exact path, the reference the census (`inventory.census`) agrees
with. A unit's times are the second pass's business.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Iterator

from ..eventlogs.evtx import EvtxReader, renderer
from ..eventlogs.evtx_layout import FILE_MAGIC
from ..eventlogs.exports import read_export, sniff_export
from ..eventlogs.rawnames import RawNames
from ..eventlogs.record import EventRecord, ReadProblem
from ..errors import SourceIssue, read_error
from ..framings import Record, detect
from ..framings.base import without_nuls
from ..model import STATUS_SCANNED, STATUS_SKIPPED, STATUS_UNREADABLE, SourceStatus
from ..rules.classify import classify
from ..sources.codepage import line_decoder
from ..sources.decode import SAMPLE, sniff_layout
from ..sources.openers import Unit
from .context import Context
from ..timeline.clock import SourceClock
from ..timeline.policy import local_instant
from .eventscan import counted_reader
from .spill import Spill
from .reading import Counts
from .status import source_status

#: Event-log fields whose value is an account (compared without case).
ACCOUNT_FIELD = re.compile(r"(?:^|\.)(?:\w*UserName|User-Name|UserPrincipalName|SamAccountName|AccountName|UserId|"
                           r"UserSid|\w*UserSid|Security\.UserID|UPN)$", re.IGNORECASE)
_EMPTY = frozenset(("", "-", "n/a", "none", "null"))


@dataclass(frozen=True)
class Sighting:
    """The identities one unit holds, as written (distinct, in the order met), and what of it is older than the
    retention cut-off: lines (records) and their bytes, and the lines whose time is not known."""

    source: str
    names: tuple[str, ...]
    lines_past_retention: int | None = None
    bytes_past_retention: int | None = None
    lines_undated: int | None = None


class Aging:
    """Each line's time against the retention cut-off, as the source's clock resolves it at the unit's end (year-
    less stamps need the whole unit): the lines wait on disk (`Spill`), so memory does not grow with them."""

    def __init__(self, clock: SourceClock, cutoff: datetime):
        self.clock, self.cutoff = clock, cutoff
        self.waiting = Spill()
        self._last: tuple | None = None  # (stamp, epoch, at) of the line whose length is not yet known

    def line(self, stamp, at: int) -> None:
        self._flush(at)
        epoch = self.clock.observe(stamp, sample=True, at=at) if stamp is not None else -1
        self._last = (stamp, epoch, at)

    def _flush(self, end: int) -> None:
        if self._last is not None:
            stamp, epoch, at = self._last
            self.waiting.append((stamp, epoch, end - at))
            self._last = None

    def finish(self, end: int, base: int | None) -> tuple[int, int, int]:
        self._flush(end)
        old = old_bytes = undated = 0
        try:
            for stamp, epoch, size in self.waiting:
                when = self.clock.resolve(stamp, epoch, base)
                if when is None:
                    undated += 1
                elif when < self.cutoff:
                    old, old_bytes = old + 1, old_bytes + size
        finally:
            self.waiting.close()
        return old, old_bytes, undated


class EveryLine:
    """A searcher for the line scanner when no names are given: every line with a character is a candidate (the
    discovery pass), or with `none`, no line is (the census, which reads the chunks itself)."""

    def __init__(self, none: bool = False):
        self._pattern = None if none else re.compile(rb"[^\r\n]")

    def __call__(self, buf: bytes, base: int = 0):
        if self._pattern is None:
            return lambda pos: None
        search = self._pattern.search

        def find(pos: int):
            m = search(buf, pos)
            return None if m is None else m.span()

        return find

    def spans(self, buf: bytes, pos: int = 0):
        return iter(()) if self._pattern is None else (m.span() for m in self._pattern.finditer(buf, pos))

    def finder(self, encoding: str, fast: bool = True, accelerate: bool = True) -> "EveryLine":
        return self

    def code_page_finder(self, encoding: str, fast: bool = True, accelerate: bool = True) -> None:
        return None

    @staticmethod
    def max_bytes(encoding_width: int = 4) -> int:
        return 1


_CONTROL = re.compile(r"[\x00-\x1f]")


def account(value: str | None) -> str | None:
    """A value that holds an account (a rule's actor, target or subject, an event's account field) as an
    identity, or None: empty, a placeholder (`-`, `n/a`), or holding a quote or a control character."""
    value = (value or "").strip()
    return None if value.lower() in _EMPTY or '"' in value or _CONTROL.search(value) else value


def identities_of_unit(unit: Unit, ctx: Context, text=None) -> Iterator:
    """One unit's Sighting, then its status. `text(unit, ctx, layout, framing)`, if given, may read a text unit
    in its place (the data map's census): what it gives is yielded instead, unless it gives None."""
    try:
        sample = unit.stream.peek(SAMPLE)
    except OSError as e:
        yield source_status(unit, STATUS_UNREADABLE, read_error(e), Counts())
        return
    names: dict[str, None] = {}
    aged = (None, None, None)
    if sample.startswith(FILE_MAGIC):
        status, aged = _events_of_evtx(unit, ctx, names)
    else:
        layout = sniff_layout(sample, ctx.config.encoding)
        if layout.binary:
            yield source_status(unit, STATUS_SKIPPED, layout.why + "; not parsed", Counts())
            return
        lines = layout.sample_lines(sample, 200)
        export = sniff_export("\n".join(lines))
        if export is not None:
            status, aged = _events_of_export(unit, ctx, layout, export, names)
        else:
            framing = detect(lines, ctx.config.framing, ctx.config.time.date_order)
            instead = text(unit, ctx, layout, framing) if text is not None else None
            if instead is not None:
                yield from instead
                return
            status, aged = _records_of_text(unit, ctx, layout, framing, names)
    yield Sighting(unit.path, tuple(names), *aged)
    yield status


def cutoff_of(ctx: Context) -> datetime:
    """The retention cut-off, as the Report has it: --as-of (or now) less --retention-days."""
    return (ctx.config.as_of or ctx.now) - timedelta(days=ctx.config.retention_days)


class EventAging:
    """Events against the retention cut-off by their TimeCreated; an event's bytes run to the next one's offset."""

    def __init__(self, cutoff: datetime):
        self.cutoff = cutoff
        self.old = self.old_bytes = self.undated = 0
        self._last: tuple | None = None  # (time, offset) of the event whose length is not yet known

    def event(self, when: datetime | None, offset: int) -> None:
        self._count(offset)
        self._last = (when, offset)

    def _count(self, end: int) -> None:
        if self._last is not None:
            when, at = self._last
            if when is None:
                self.undated += 1
            elif when < self.cutoff:
                self.old, self.old_bytes = self.old + 1, self.old_bytes + max(0, end - at)

    def finish(self, end: int) -> tuple[int, int, int]:
        self._count(end)
        self._last = None
        return self.old, self.old_bytes, self.undated


def _from_event(event: EventRecord, ctx: Context, names: dict) -> None:
    for field, value in [("Security.UserID", event.user_id)] + list(event.fields):
        if ACCOUNT_FIELD.search(field) and (name := account(value)) is not None:
            names.setdefault(name)
    verdict = classify(ctx.rules, event.classified_text(), event.provider, lambda v: False, (),
                       (event.channel, event.provider, event.event_id))
    for name in verdict.accounts:
        if (name := account(name)) is not None:
            names.setdefault(name)


def _events_of_evtx(unit: Unit, ctx: Context, names: dict) -> tuple[SourceStatus, tuple]:
    counts = Counts()
    read = counted_reader(unit, counts)
    if renderer() is None:
        while read(1 << 20):
            pass
        return source_status(unit, STATUS_UNREADABLE, "a Windows event log (EVTX); the evtx package is missing",
                             counts, framing="evtx"), (None, None, None)
    reader = EvtxReader(read, RawNames([]), every_record=True)
    issues, aging = [], EventAging(cutoff_of(ctx))
    for item in reader.events():
        if isinstance(item, ReadProblem):
            issues.append(SourceIssue(item.message, item.offset, item.severity))
        else:
            aging.event(item.time, item.offset)
            _from_event(item, ctx, names)
    while read(1 << 20):
        pass
    status = source_status(unit, STATUS_SCANNED, None, counts, reader.records, None, "evtx", counts.issues + issues)
    return status, aging.finish(counts.bytes)


def _events_of_export(unit: Unit, ctx: Context, layout, kind: str, names: dict) -> tuple[SourceStatus, tuple]:
    counts = Counts()
    read = counted_reader(unit, counts)
    read(layout.bom)

    def chunks():
        while data := read(ctx.config.chunk_size):
            yield data

    issues, events, aging = [], 0, EventAging(cutoff_of(ctx))
    for item in read_export(kind, chunks(), layout.encoding, layout.bom, ctx.config.time.date_order):
        if isinstance(item, ReadProblem):
            issues.append(SourceIssue(item.message, item.offset, item.severity))
        else:
            events += 1
            # A local time without its zone is read under --timezone, as the scan reads it.
            when = item.time
            if when is None and item.local_time is not None:
                when, _ = local_instant(item.local_time, ctx.config.time.zone, ctx.config.time.zone_label)
            aging.event(when, item.offset)
            _from_event(item, ctx, names)
    status = source_status(unit, STATUS_SCANNED, None, counts, events, layout, f"event-{kind}", counts.issues + issues)
    return status, aging.finish(counts.bytes)


def _records_of_text(unit: Unit, ctx: Context, layout, framing, names: dict):
    """A text unit's identities (every line, through the framing and the rules) and its lines' age (every line
    sampled for its time): (status, (lines, bytes past retention, lines undated))."""
    from .source import _search  # the scan's own reading, with every line a candidate

    cfg = ctx.config
    counts = Counts()
    counts.feed(unit.stream.read(layout.bom))
    quotes = copy.copy(ctx)
    quotes.matcher = EveryLine()
    quotes.config = replace(cfg, sample_every=1, yearless_sample_every=1)  # every line's time: its age
    limit = (cfg.as_of or ctx.now) + timedelta(days=1) if cfg.time.year is not None else None
    clock = SourceClock(cfg.time, Spill(), limit)
    aging = Aging(clock, cutoff_of(ctx))
    scanner, raw, chunks = _search(unit, quotes, layout, framing, counts, True)
    decode, stamp = line_decoder(layout.search_encoding, layout.code_page_lines), None
    try:
        for cand in scanner.run(chunks, layout.bom):
            if not hasattr(cand, "line"):  # a Sample: a line's first bytes, for its time
                rec = framing.parse(without_nuls(decode(cand.data.split(b"\n", 1)[0].rstrip(b"\r"))))
                if rec is not None and rec.stamp is not None:
                    stamp = rec.stamp
                elif not (framing.multiline and stamp is not None):  # a continuation line is as old as its record
                    stamp = None
                aging.line(stamp, cand.at)
                continue
            record = _record(cand, framing, decode)
            verdict = classify(ctx.rules, record.message, record.component, lambda v: False)
            for name in verdict.accounts:
                if (name := account(name)) is not None:
                    names.setdefault(name)
    finally:
        raw.close()
    base, _ = clock.base_year(unit.file_times(), ctx.now)
    aged = aging.finish(counts.bytes - layout.bom, base)  # line starts are counted after the BOM
    clock.waiting.close()
    status = source_status(unit, STATUS_SCANNED, None, counts, scanner.lines, layout, framing.name, counts.issues)
    return status, aged


def _record(cand, framing, decode) -> Record:
    def text(data: bytes) -> str:
        return without_nuls(decode(data.rstrip(b"\r")))

    if cand.head is not None:
        head = text(cand.head.data)
        if framing.continues(head) and (rec := framing.parse(head)) is not None:
            return rec
    line = text(cand.line_head if cand.long else cand.data)
    return framing.parse(line) or Record("plain", line)

