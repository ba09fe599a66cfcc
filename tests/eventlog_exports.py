"""Exports written the way Windows writes them, from EventRecords: XML (UTF-16LE with BOM, as Event Viewer saves
it, or wevtutil's root-less stream), Event Viewer's CSV / tab-delimited text (CRLF), wevtutil's text blocks.

Each writer gives an `Export`: the bytes, the BOM's length, and where each event's first byte and line are,
so a test can compare what a reader gives with what was written."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from mfalogscan.eventlogs.record import EventRecord

NS = "http://schemas.microsoft.com/win/2004/08/events/event"
LEVEL_NUMBERS = {"Critical": 1, "Error": 2, "Warning": 3, "Information": 4, "Verbose": 5}
BOMS = {"utf-16-le": b"\xff\xfe", "utf-8": b"\xef\xbb\xbf"}


@dataclass(frozen=True)
class Export:
    data: bytes
    bom: int
    encoding: str
    offsets: list[int]
    lines: list[int]

    def chunks(self, size: int = 1 << 16) -> list[bytes]:
        body = self.data[self.bom:]
        return [body[i:i + size] for i in range(0, len(body), size)]


def event(**kw) -> EventRecord:
    """An EventRecord with defaults for what a test does not care about."""
    base = dict(offset=0, line=None, record_id=None, time=None, time_raw=None, time_note=None, channel=None,
                provider=None, event_id=None, computer=None, user_id=None, level=None, fields=())
    base.update(kw)
    return EventRecord(**base)


def _assemble(parts: list[str], heads: list[bool], encoding: str, bom: bool) -> Export:
    """Join text parts, noting the byte offset and line of each part flagged as an event's start."""
    prefix = BOMS.get(encoding, b"") if bom else b""
    data, offsets, lines, line = bytearray(prefix), [], [], 1
    for part, head in zip(parts, heads):
        if head:
            offsets.append(len(data))
            lines.append(line)
        data += part.encode(encoding)
        line += part.count("\n")
    return Export(bytes(data), len(prefix), encoding, offsets, lines)


# ----- XML -----

def system_time(t: datetime, seventh: str = "5") -> str:
    """TimeCreated as Windows writes it: UTC, seven fractional digits (the seventh beyond a microsecond)."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}{seventh}Z"


def xml_event(e: EventRecord, rendering: bool = True, user_data: bool = False) -> str:
    """One `<Event>` element, on one line as wevtutil writes it."""
    s = [f'<Event xmlns="{NS}"><System>']
    if e.provider is not None:
        s.append(f"<Provider Name={quoteattr(e.provider)}/>")
    if e.event_id is not None:
        s.append(f'<EventID Qualifiers="0">{e.event_id}</EventID>')
    if e.level is not None:
        s.append(f"<Level>{LEVEL_NUMBERS.get(e.level, 0)}</Level>")
    if e.time_raw is not None:
        s.append(f"<TimeCreated SystemTime={quoteattr(e.time_raw)}/>")
    if e.record_id is not None:
        s.append(f"<EventRecordID>{e.record_id}</EventRecordID>")
    for tag, value in (("Channel", e.channel), ("Computer", e.computer)):
        if value is not None:
            s.append(f"<{tag}>{escape(value)}</{tag}>")
    if e.user_id is not None:
        s.append(f"<Security UserID={quoteattr(e.user_id)}/>")
    s.append("</System>")
    if user_data:
        s.append('<UserData><EventXML xmlns="Event_NS">')
        tags = [k.split("[")[0] for k, _ in e.fields]  # `Item[2]` is the second <Item>
        s += [f"<{t}>{escape(v)}</{t}>" for t, (_, v) in zip(tags, e.fields)]
        s.append("</EventXML></UserData>")
    else:
        s.append("<EventData>")
        for k, v in e.fields:
            unnamed = k == "Data" or (k.startswith("Data[") and k.endswith("]"))
            s.append(f"<Data>{escape(v)}</Data>" if unnamed else f"<Data Name={quoteattr(k)}>{escape(v)}</Data>")
        s.append("</EventData>")
    if rendering and (e.message is not None or e.level is not None):
        s.append('<RenderingInfo Culture="en-US">')
        if e.message is not None:
            s.append(f"<Message>{escape(e.message)}</Message>")
        if e.level is not None:
            s.append(f"<Level>{escape(e.level)}</Level>")
        s.append("</RenderingInfo>")
    s.append("</Event>")
    return "".join(s)


def write_xml(events: list[EventRecord], *, viewer: bool = True, encoding: str | None = None,
              rendering: bool = True, user_data: bool = False, prologue: str = "") -> Export:
    """Event Viewer's "Save All Events As... XML" (viewer: declaration, `<Events>`, UTF-16LE with BOM, one line),
    or wevtutil's `/f:xml` (viewer=False: events one per line, no root, UTF-8 without BOM)."""
    encoding = encoding or ("utf-16-le" if viewer else "utf-8")
    parts, heads = [], []
    if viewer:
        parts.append('<?xml version="1.0" encoding="UTF-16"?>\r\n' + prologue + "<Events>")
        heads.append(False)
    for e in events:
        parts.append(xml_event(e, rendering, user_data) + ("" if viewer else "\r\n"))
        heads.append(True)
    if viewer:
        parts.append("</Events>")
        heads.append(False)
    return _assemble(parts, heads, encoding, bom=viewer)


# ----- CSV and tab-delimited text -----

def wall(t: datetime, style: str) -> str:
    """A local time as Event Viewer writes it in a locale: us (1/2/2026 3:04:05 PM), de (02.01.2026 15:04:05),
    gb (02/01/2026 15:04:05), iso (2026-01-02 15:04:05)."""
    if style == "us":
        return f"{t.month}/{t.day}/{t.year} {(t.hour % 12) or 12}:{t:%M:%S} {'PM' if t.hour >= 12 else 'AM'}"
    return t.strftime({"de": "%d.%m.%Y %H:%M:%S", "gb": "%d/%m/%Y %H:%M:%S", "iso": "%Y-%m-%d %H:%M:%S"}[style])


def _cell(value: str, delim: str) -> str:
    if any(c in value for c in (delim, '"', "\r", "\n")) or value.startswith(" "):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv(events: list[EventRecord], *, style: str = "us", delim: str = ",", encoding: str = "utf-8",
              bom: bool = True) -> Export:
    """Event Viewer's "Save All Events As... CSV" (delim ",") or "Text (Tab delimited)" (delim "\\t"), CRLF; a
    message's own line ends are CRLF too. Each event's `local_time` is the Date and Time written."""
    header = delim.join(["Level", "Date and Time", "Source", "Event ID", "Task Category"]) + "\r\n"
    parts, heads = [header], [False]
    for e in events:
        task = dict(e.fields).get("Task Category", "None")
        message = (e.message or "").replace("\n", "\r\n")
        cells = [e.level or "", wall(e.local_time, style), e.provider or "", str(e.event_id), task]
        parts.append(delim.join(_cell(c, delim) for c in cells) + delim + _cell(message, delim) + "\r\n")
        heads.append(True)
    return _assemble(parts, heads, encoding, bom)


# ----- wevtutil text -----

def write_text(events: list[EventRecord], *, encoding: str = "utf-8") -> Export:
    """`wevtutil qe LOG /f:text`: a block per event, CRLF, a blank line between events."""
    parts, heads = [], []
    for i, e in enumerate(events):
        f = dict(e.fields)
        date = e.local_time.strftime("%Y-%m-%dT%H:%M:%S.") + f"{e.local_time.microsecond // 1000:03d}"
        block = [f"Event[{i}]:", f"  Log Name: {e.channel}", f"  Source: {e.provider}", f"  Date: {date}",
                 f"  Event ID: {e.event_id}", f"  Task: {f.get('Task', 'N/A')}", f"  Level: {e.level}",
                 f"  Opcode: {f.get('Opcode', 'Info')}", f"  Keyword: {f.get('Keyword', 'N/A')}",
                 f"  User: {e.user_id or 'N/A'}", f"  User Name: {f.get('User Name', 'N/A')}",
                 f"  Computer: {e.computer}", "  Description: ", *(e.message or "").split("\n")]
        parts.append(("\r\n" if i else "") + "\r\n".join(block) + "\r\n")
        heads.append(True)
    # The blank line before a block belongs to the event above it: the block itself starts after it.
    fixed, fixed_heads = [], []
    for part, head in zip(parts, heads):
        if part.startswith("\r\n"):
            fixed.append("\r\n")
            fixed_heads.append(False)
            part = part[2:]
        fixed.append(part)
        fixed_heads.append(head)
    return _assemble(fixed, fixed_heads, encoding, bom=False)


def as_read(e: EventRecord, kind: str, offset: int, line: int | None) -> EventRecord:
    """What a reader should give for an event written by these writers (its offset and line, its time forms)."""
    return replace(e, offset=offset, line=line)
