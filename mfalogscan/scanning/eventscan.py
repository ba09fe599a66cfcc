"""Event-log units end to end: EVTX files and Event Viewer's exports -> findings, then the unit's status.

The readers (`eventlogs`) give EventRecords; here each is matched
(`FieldMatcher`: a whole field value is as strong as a quoted name, a name
inside a text a mention), classified by the rules for events (its channel,
provider and EventID with its message or fields), and made a finding whose
`line` is the EventRecordID (EVTX) or the export's line, `offset` the
record's byte offset, and `timestamp` its TimeCreated, exact, in UTC. What
a reader could not read becomes the unit's issues, with offsets.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Callable, Iterator

from ..errors import SourceIssue, read_error
from ..eventlogs.evtx import MISSING, EvtxReader, renderer
from ..eventlogs.exports import read_export
from ..eventlogs.fieldmatch import SYSTEM_FIELDS, FieldHit
from ..eventlogs.record import EventRecord, ReadProblem
from ..model import STATUS_SCANNED, STATUS_UNREADABLE, Finding, SourceStatus, assemble
from ..rules.classify import RuleBudget, classify
from ..sources.decode import Layout
from ..sources.meter import METER
from ..sources.openers import Unit
from ..timeline.policy import iso_utc, local_instant
from .context import Context
from .findings import ELLIPSIS, message_key
from .reading import Counts
from .status import source_status


def counted_reader(unit: Unit, counts: Counts) -> Callable[[int], bytes]:
    """unit.stream.read, with every byte hashed and counted, and a read error said (then the end of the stream)."""

    def read(size: int) -> bytes:
        try:
            data = unit.stream.read(size)
        except OSError as e:
            counts.issues.append(SourceIssue(read_error(e) + "; the rest was not scanned", counts.bytes))
            return b""
        counts.feed(data)
        METER.tick()
        return data

    return read


class EventFindings:
    """EventRecords -> findings of one unit, with the time window applied and mentions counted per subject."""

    def __init__(self, path: str, ctx: Context, fmt: str):
        self.path, self.ctx, self.format = path, ctx, fmt
        self.fields = ctx.event_names[1]
        self.rule_budget = RuleBudget()
        self.listed = 0
        self.mentions = [0] * len(ctx.subjects)
        self.outside = [0] * len(ctx.subjects)
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.used_zone = False
        self.undated, self.undated_note = 0, None  # events with no time, and why the first has none
        self._is_subject: dict[int, Callable[[str], bool]] = {}
        self.channels: dict[str, None] = {}  # the channels of the events read, in the order met

    def findings(self, event: EventRecord) -> Iterator[Finding]:
        if event.channel:
            self.channels.setdefault(event.channel)
        hits = self.fields.hits(event)
        when, note = self._time(event)
        if when is None:
            self.undated += 1
            self.undated_note = self.undated_note or note
        if when is not None:
            self.first = when if self.first is None or when < self.first else self.first
            self.last = when if self.last is None or when > self.last else self.last
        if not hits:
            return
        cfg = self.ctx.config
        inside = when is None or cfg.time.in_window(when)
        verdicts: dict[int, object] = {}
        for subject in sorted(hits):
            hit = hits[subject]
            if not inside:
                if hit.strong or cfg.list_mentions:
                    self.outside[subject] += 1
                continue
            if not hit.strong:
                self.mentions[subject] += 1
                if not cfg.list_mentions:
                    continue
            if subject not in verdicts:
                verdicts[subject] = self._classify(event, subject)
            self.listed += 1
            yield self._finding(event, hit, verdicts[subject], when, note)

    def _classify(self, event: EventRecord, subject: int):
        is_subject = self._is_subject.get(subject)
        if is_subject is None:
            is_subject = self._is_subject[subject] = self.ctx.is_subject(subject)
        verdict = classify(self.ctx.rules, event.classified_text(), event.provider, is_subject, self.rule_budget.off,
                           (event.channel, event.provider, event.event_id))
        if verdict.details:
            self.rule_budget.note(verdict)
        return verdict

    def _time(self, event: EventRecord) -> tuple[datetime | None, str | None]:
        if event.time is not None or event.local_time is None:
            return event.time, event.time_note
        policy = self.ctx.config.time
        self.used_zone = True
        return local_instant(event.local_time, policy.zone, policy.zone_label)

    def _finding(self, event: EventRecord, hit: FieldHit, verdict, when: datetime | None, note: str | None) -> Finding:
        text = event.text()
        limit = self.ctx.config.text_max
        shown, cut = (text, False) if len(text) <= limit else (_around(text, hit.matched, limit), True)
        if hit.field in SYSTEM_FIELDS:  # a value the text does not show: say what named the person
            shown += f" [{hit.field}={hit.matched}]"
        details = {k: v for k, v in (("computer", event.computer), ("user_id", event.user_id),
                                     ("provider", event.provider)) if v}
        if event.header_id is not None:
            details["record_number_in_file"] = str(event.header_id)
        details.update(verdict.details)
        values = {  # every field of a Finding, in field order
            "user": self.ctx.subjects[hit.subject].name,
            "matched": hit.matched,
            "source": self.path,
            "line": event.record_id if event.line is None else event.line,
            "offset": event.offset,
            "timestamp": iso_utc(when, "." in (event.time_raw or "")),  # as precise as written: seconds in a CSV
            "timestamp_raw": event.time_raw,
            "category": verdict.category,
            "kind": verdict.kind,
            "role": verdict.role,
            "rule": verdict.rule,
            "quoted": hit.strong,
            "format": self.format,
            "component": event.provider,
            "text": shown,
            "text_truncated": cut,
            "message": shown,
            "level": event.level,
            "pid": None,
            "tid": None,
            "request_id": None,
            "call_status": verdict.call_status,
            "field": hit.field,
            "record_line": event.line,
            "details": details,
            "event": None,
            "duplicate_of": None,
            "past_retention": None,
            "timestamp_note": None if when is not None else note or "the event has no time",
            "record_id": event.record_id,
            "channel": event.channel,
            "event_id": event.event_id,
            "message_key": message_key(text),
        }
        return assemble(Finding, values)


def _around(text: str, matched: str, limit: int) -> str:
    """A long event's text cut to its start and the name in context (as text lines are, `findings._shown`)."""
    half = limit // 2
    at = text.casefold().find(matched.casefold())
    if at < 0:
        return text[:limit] + ELLIPSIS.rstrip()
    ctx = max(0, (limit - half - len(matched)) // 2)
    return text[:half] + ELLIPSIS + text[max(0, at - ctx) : at + len(matched) + ctx] + ELLIPSIS.rstrip()


def scan_evtx(unit: Unit, ctx: Context) -> Iterator[Finding | SourceStatus]:
    """A binary EVTX unit: its events' findings, then its status (records counted, damage said with offsets)."""
    counts = Counts()
    read = counted_reader(unit, counts)
    if renderer() is None:
        while read(1 << 20):
            pass
        yield source_status(unit, STATUS_UNREADABLE, "a Windows event log (EVTX); " + MISSING, counts, framing="evtx")
        return
    reader = EvtxReader(read, ctx.event_names[0])
    maker = EventFindings(unit.path, ctx, "evtx")
    issues = []
    for item in reader.events():
        if isinstance(item, ReadProblem):
            issues.append(SourceIssue(item.message, item.offset, item.severity))
        else:
            yield from maker.findings(item)
    while read(1 << 20):  # a reader that stopped early (no header) leaves nothing unread: every byte is hashed
        pass
    issues += [SourceIssue(m, None, "warning") for m in maker.rule_budget.messages()]
    if reader.channel:  # the channel of a log whose records named no one (read from its first record)
        maker.channels.setdefault(reader.channel)
    yield _status(unit, ctx, counts, reader.records, "evtx", issues, maker, reader.first_written, reader.last_written)


def scan_export(unit: Unit, ctx: Context, layout: Layout, kind: str) -> Iterator[Finding | SourceStatus]:
    """An Event Viewer / wevtutil export (XML, CSV or text) in the unit's encoding: its events' findings, then its
    status (its `lines` are the events read)."""
    counts = Counts()
    read = counted_reader(unit, counts)
    read(layout.bom)

    def chunks() -> Iterator[bytes]:
        while data := read(ctx.config.chunk_size):
            yield data

    maker = EventFindings(unit.path, ctx, f"event-{kind}")
    issues, events = [], 0
    for item in read_export(kind, chunks(), layout.encoding, layout.bom, ctx.config.time.date_order):
        if isinstance(item, ReadProblem):
            issues.append(SourceIssue(item.message, item.offset, item.severity))
        else:
            events += 1
            yield from maker.findings(item)
    issues += [SourceIssue(m, None, "warning") for m in maker.rule_budget.messages()]
    status = _status(unit, ctx, counts, events, f"event-{kind}", issues, maker, maker.first, maker.last)
    yield replace(status, encoding=layout.describe())


def _status(unit: Unit, ctx: Context, counts: Counts, records: int, fmt: str, issues: list, maker: EventFindings,
            first: datetime | None, last: datetime | None) -> SourceStatus:
    if maker.undated:  # said on the source, not only on each finding: a table shows such a time as "-"
        issues = issues + [SourceIssue(f"{maker.undated} event(s) have no time; the first: {maker.undated_note}",
                                       None, "warning")]
    status = source_status(unit, STATUS_SCANNED, None, counts, records, None, fmt, counts.issues + issues)
    return replace(
        status,
        findings=maker.listed,
        mentions=ctx.by_name(maker.mentions),
        outside_window=ctx.by_name(maker.outside),
        first_timestamp=iso_utc(first, True),
        last_timestamp=iso_utc(last, True),
        channels=tuple(maker.channels),
        timezone=f"{ctx.config.time.zone_label} (assumed for times written without a zone)" if maker.used_zone else None,
    )
