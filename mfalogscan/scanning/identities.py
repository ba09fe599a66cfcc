"""A unit's identities, with no names given: the inventory's first pass (issue 16).

An identity is an account a record names in a role: the actor and target
of a user-change record, the user of an authentication record (the rules'
`actor`, `target` and `subject` groups), and in event logs the values of
fields that hold accounts (`TargetUserName`, `User-Name`, ...) and the
record's user SID. Each unit gives one `Sighting` with the names as
written, then its status. The second pass (`inventory.datamap`) is a scan
with every identity as a subject, so the map counts what a scan finds.

Every line holding a quote is read here (the names of the shipped rules'
groups are always between quotes), through the framing and the rules: the
slow, exact path, the reference a faster one must agree with
(docs/inventory-design.md). A unit's times are the second pass's business.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
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
from ..sources.decode import SAMPLE, sniff_layout
from ..sources.openers import Unit
from .context import Context
from .eventscan import counted_reader
from .reading import Counts
from .status import source_status

#: Event-log fields whose value is an account (compared without case).
ACCOUNT_FIELD = re.compile(r"(?:^|\.)(?:\w*UserName|User-Name|UserPrincipalName|SamAccountName|AccountName|UserId|"
                           r"UserSid|\w*UserSid|Security\.UserID|UPN)$", re.IGNORECASE)
_EMPTY = frozenset(("", "-", "n/a", "none", "null"))


@dataclass(frozen=True)
class Sighting:
    """The identities one unit holds, as written (distinct, in the order met)."""

    source: str
    names: tuple[str, ...]


class _Quotes:
    """The searcher of the discovery pass: every quote is a candidate, so every line holding one is read."""

    _QUOTE = re.compile(rb"[\"']")

    def __call__(self, buf: bytes, base: int = 0):
        search = self._QUOTE.search

        def find(pos: int):
            m = search(buf, pos)
            return None if m is None else m.span()

        return find

    def finder(self, encoding: str, fast: bool = True, accelerate: bool = True) -> "_Quotes":
        return self

    def code_page_finder(self, encoding: str, fast: bool = True, accelerate: bool = True) -> None:
        return None

    @staticmethod
    def max_bytes(encoding_width: int = 4) -> int:
        return 1


def _account(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value.lower() in _EMPTY or '"' in value or any(ord(c) < 32 for c in value) else value


def identities_of_unit(unit: Unit, ctx: Context) -> Iterator[Sighting | SourceStatus]:
    """One unit's Sighting, then its status."""
    try:
        sample = unit.stream.peek(SAMPLE)
    except OSError as e:
        yield source_status(unit, STATUS_UNREADABLE, read_error(e), Counts())
        return
    names: dict[str, None] = {}
    if sample.startswith(FILE_MAGIC):
        status = _events_of_evtx(unit, ctx, names)
    else:
        layout = sniff_layout(sample, ctx.config.encoding)
        if layout.binary:
            yield source_status(unit, STATUS_SKIPPED, layout.why + "; not parsed", Counts())
            return
        export = sniff_export("\n".join(layout.sample_lines(sample, 200)))
        if export is not None:
            status = _events_of_export(unit, ctx, layout, export, names)
        else:
            status = _records_of_text(unit, ctx, layout, sample, names)
    yield Sighting(unit.path, tuple(names))
    yield status


def _from_event(event: EventRecord, ctx: Context, names: dict) -> None:
    for field, value in [("Security.UserID", event.user_id)] + list(event.fields):
        if ACCOUNT_FIELD.search(field) and (name := _account(value)) is not None:
            names.setdefault(name)
    verdict = classify(ctx.rules, event.classified_text(), event.provider, lambda v: False, (),
                       (event.channel, event.provider, event.event_id))
    for name in verdict.accounts:
        if (name := _account(name)) is not None:
            names.setdefault(name)


def _events_of_evtx(unit: Unit, ctx: Context, names: dict) -> SourceStatus:
    counts = Counts()
    read = counted_reader(unit, counts)
    if renderer() is None:
        while read(1 << 20):
            pass
        return source_status(unit, STATUS_UNREADABLE, "a Windows event log (EVTX); the evtx package is missing",
                             counts, framing="evtx")
    reader = EvtxReader(read, RawNames([]), every_record=True)
    issues = []
    for item in reader.events():
        if isinstance(item, ReadProblem):
            issues.append(SourceIssue(item.message, item.offset, item.severity))
        else:
            _from_event(item, ctx, names)
    while read(1 << 20):
        pass
    return source_status(unit, STATUS_SCANNED, None, counts, reader.records, None, "evtx", counts.issues + issues)


def _events_of_export(unit: Unit, ctx: Context, layout, kind: str, names: dict) -> SourceStatus:
    counts = Counts()
    read = counted_reader(unit, counts)
    read(layout.bom)

    def chunks():
        while data := read(ctx.config.chunk_size):
            yield data

    issues, events = [], 0
    for item in read_export(kind, chunks(), layout.encoding, layout.bom, ctx.config.time.date_order):
        if isinstance(item, ReadProblem):
            issues.append(SourceIssue(item.message, item.offset, item.severity))
        else:
            events += 1
            _from_event(item, ctx, names)
    return source_status(unit, STATUS_SCANNED, None, counts, events, layout, f"event-{kind}", counts.issues + issues)


def _records_of_text(unit: Unit, ctx: Context, layout, sample: bytes, names: dict) -> SourceStatus:
    from .source import _search  # the scan's own reading, with every quote a candidate

    cfg = ctx.config
    lines = layout.sample_lines(sample, 200)
    framing = detect(lines, cfg.framing, cfg.time.date_order)
    counts = Counts()
    counts.feed(unit.stream.read(layout.bom))
    quotes = copy.copy(ctx)
    quotes.matcher = _Quotes()
    scanner, raw, chunks = _search(unit, quotes, layout, framing, counts, False)
    enc = layout.search_encoding
    try:
        for cand in scanner.run(chunks, layout.bom):
            if not hasattr(cand, "line"):  # a Sample (a line's stamp): no names
                continue
            record = _record(cand, framing, enc)
            verdict = classify(ctx.rules, record.message, record.component, lambda v: False)
            for name in verdict.accounts:
                if (name := _account(name)) is not None:
                    names.setdefault(name)
    finally:
        raw.close()
    return source_status(unit, STATUS_SCANNED, None, counts, scanner.lines, layout, framing.name, counts.issues)


def _record(cand, framing, enc: str) -> Record:
    def text(data: bytes) -> str:
        return without_nuls(data.rstrip(b"\r").decode(enc, "replace"))

    if cand.head is not None:
        head = text(cand.head.data)
        if framing.continues(head) and (rec := framing.parse(head)) is not None:
            return rec
    line = text(cand.line_head if cand.long else cand.data)
    return framing.parse(line) or Record("plain", line)
