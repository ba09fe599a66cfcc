"""Event Viewer's and wevtutil's XML exports -> EventRecords, streamed.

Shapes read: `wevtutil qe LOG /f:xml` (`<Event>` elements one after
another, no root), the same with `/e:Events` (a root `<Events>`), and Event
Viewer's "Save All Events As... XML" (`<?xml ... encoding="UTF-16"?>` and
`<Events>`, usually UTF-16LE); events may carry `<RenderingInfo>` with the
rendered message.

How: the bytes are searched for `<Event` (followed by a space, `>` or `/`,
so `<EventData>` is not one) on code-unit boundaries, and each event is
parsed alone by a fresh expat parser, from its first byte to the end of its
`</Event>`. So memory is one event; a damaged event costs only itself (the
next `<Event` starts afresh); offsets are exact; a file whose events have no
common root reads like one that has. What lies between events must be
whitespace, the XML declaration, comments or the `<Events>` tags; anything
else is reported. A DTD is never read (it lies outside every event, where
no parser sees it), so no entity is expanded and nothing is fetched; an
event that uses an entity of its own is not well-formed and is reported.

Fields (`EventRecord.fields`), in document order:

- `EventData/Data`: named by its `Name` attribute; an unnamed one is `Data`,
  the next `Data[2]`, ... (the same rule for any name met twice).
- `UserData`: its one child is the provider's wrapper (`<EventXML xmlns=...>`);
  every element under the wrapper that has no element children is a field,
  named by the local names from below the wrapper down to it joined by `/`
  (`TargetUser`, `Details/Reason`), with the `[2]` rule for repeats. A wrapper
  with no children is itself one field. Attributes in UserData are not read.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from typing import Iterable, Iterator

from .exports_base import MAX_EVENT_BYTES, Encoding, count_newlines, find_aligned, read_iso
from .record import EventRecord, ReadProblem

EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
#: System/Level numbers as Windows names them (winmeta.xml); Event Viewer's rendered name wins where written.
LEVELS = {"0": "LogAlways", "1": "Critical", "2": "Error", "3": "Warning", "4": "Information", "5": "Verbose"}
_EXPAT_NAMES = {"utf-8": "UTF-8", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE", "ascii": "US-ASCII",
                "latin-1": "ISO-8859-1", "iso8859-1": "ISO-8859-1"}
_FIRST_FEED = 4096  # an event is about 1-2 KiB: feeding more than that to each event's parser only copies bytes
_JUNK_KEEP = 1 << 20  # bytes searched without an `<Event` beyond this are judged, not kept

# What may lie between events without being reported.
_HARMLESS = re.compile(r"\s+|<\?xml[^>]*\?>|<!--.*?-->|</?Events(?:\s[^>]*)?/?>", re.S)
_DOCTYPE = re.compile(r"<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.S | re.I)


class _Ended(Exception):
    """The event's root element ended; `index` is where its end tag starts."""

    def __init__(self, index: int):
        self.index = index


class _Damaged(Exception):
    """The event cannot be read; reading resumes at `index` (an `<Event` inside it) when there is one."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.message, self.index = message, index


class _Event:
    """One `<Event>` as expat reports it: the System values, the fields, the rendered message."""

    def __init__(self, parser):
        self.parser = parser
        self.path: list[str] = []  # local names from the root down
        self.texts: list[list[str]] = []  # character data of each open element
        self.has_child: list[bool] = []
        self.root_ns: str | None = None
        self.system: dict[str, str] = {}
        self.provider = self.time_raw = self.user_id = self.message = self.rendered_level = None
        self.data_name: str | None = None
        self.fields: list[tuple[str, str]] = []
        self.seen: dict[str, int] = {}
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        parser.StartDoctypeDeclHandler = self.doctype

    def doctype(self, *_):
        raise _Damaged("a DOCTYPE inside an event")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        depth = len(self.path)
        if depth == 0:
            self.root_ns = uri
        elif local == "Event" and uri == self.root_ns:
            raise _Damaged("an <Event> begins inside this one, which is cut short", self.parser.CurrentByteIndex)
        if self.has_child:
            self.has_child[-1] = True
        self.path.append(local)
        self.texts.append([])
        self.has_child.append(False)
        if depth == 2 and self.path[1] == "System":
            if local == "Provider":
                self.provider = attrs.get("Name")
            elif local == "TimeCreated":
                self.time_raw = attrs.get("SystemTime")
            elif local == "Security":
                self.user_id = attrs.get("UserID")
        elif depth == 2 and self.path[1] == "EventData" and local == "Data":
            self.data_name = attrs.get("Name")

    def chars(self, text: str) -> None:
        if self.texts:
            self.texts[-1].append(text)

    def end(self, name: str) -> None:
        text = "".join(self.texts.pop())
        leaf = not self.has_child.pop()
        path, depth = self.path, len(self.path) - 1
        section = path[1] if depth >= 1 else None
        if depth == 2 and section == "System":
            self.system[path[2]] = text
        elif depth == 2 and section == "EventData" and path[2] == "Data":
            self._field(self.data_name or "Data", text)
        elif depth >= 2 and section == "UserData" and leaf:
            self._field("/".join(path[3:]) or path[2], text)
        elif depth == 2 and section == "RenderingInfo":
            if path[2] == "Message":
                self.message = text
            elif path[2] == "Level":
                self.rendered_level = text
        path.pop()
        if not path:
            raise _Ended(self.parser.CurrentByteIndex)

    def _field(self, name: str, value: str) -> None:
        n = self.seen[name] = self.seen.get(name, 0) + 1
        self.fields.append((name if n == 1 else f"{name}[{n}]", value))

    def record(self, offset: int, line: int) -> EventRecord:
        time, note = None, None
        if self.time_raw is None:
            note = "the event has no TimeCreated SystemTime"
        else:
            t, why, zoned = read_iso(self.time_raw)
            if t is not None and not zoned:
                why = f"TimeCreated {self.time_raw!r} has no zone (SystemTime is written in UTC with a Z)"
            time, note = (t, None) if why is None else (None, why)
        s = self.system
        level = self.rendered_level or (LEVELS.get(s["Level"].strip(), s["Level"]) if "Level" in s else None)
        return EventRecord(offset=offset, line=line, record_id=_int(s.get("EventRecordID")), time=time,
                           time_raw=self.time_raw, time_note=note, channel=s.get("Channel"), provider=self.provider,
                           event_id=_int(s.get("EventID")), computer=s.get("Computer"), user_id=self.user_id,
                           level=level, fields=tuple(self.fields), message=self.message)


def _int(text: str | None) -> int | None:
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


class XmlReader:
    """The stream's bytes in, EventRecords and ReadProblems out (see the module's docstring)."""

    def __init__(self, enc: Encoding, start: int):
        self.enc, self.start = enc, start
        self.expat_name = _EXPAT_NAMES.get(enc.codec, enc.codec)
        self.token = enc.encode("<Event")
        self.gt = enc.encode(">")
        self.buf = bytearray()
        self.base = start  # the stream offset of buf[0]
        self.line = 1  # the line buf[0] is on
        self.event: _Event | None = None
        self.fed = 0  # bytes of buf given to the event's parser
        self.skip: tuple[int, str] | None = None  # a damaged event being skipped: its offset and what is wrong

    def read(self, chunks: Iterable[bytes]) -> Iterator[EventRecord | ReadProblem]:
        if not self._expat_reads():
            total = sum(len(c) for c in chunks)
            yield ReadProblem(self.start, total, f"XML in {self.enc.codec} is not read (expat reads UTF-8, UTF-16 "
                                                 "and single-byte code pages)")
            return
        for chunk in chunks:
            self.buf += chunk
            yield from self._drain(final=False)
        yield from self._drain(final=True)

    def _expat_reads(self) -> bool:
        try:
            expat.ParserCreate(encoding=self.expat_name).Parse(self.enc.encode("<a/>"), True)
            return True
        except (ValueError, expat.ExpatError, LookupError):
            return False

    # ----- the state machine -----

    def _drain(self, final: bool) -> Iterator[EventRecord | ReadProblem]:
        while True:
            if self.event is None:
                pos, complete = self._find_event(0)
                if pos < 0 or not complete:
                    if final:
                        yield from self._between(len(self.buf), None)
                    elif pos < 0 and len(self.buf) > _JUNK_KEEP:
                        cut = len(self.buf) - len(self.token) - self.enc.unit  # a token may be cut at the end
                        yield from self._between(cut - cut % self.enc.unit, None, partial=True)
                    elif pos > 0:
                        yield from self._between(pos, None, partial=True)
                    return
                yield from self._between(pos, self.base + pos)
                self._begin()
            got = self._feed(final)
            if got is None:
                return
            yield from got

    def _find_event(self, frm: int) -> tuple[int, bool]:
        """Where the next `<Event` start tag begins in buf at or after `frm` (-1: none), and whether the character
        after the name is there to check yet."""
        unit, size = self.enc.unit, len(self.token)
        while (p := find_aligned(self.buf, self.token, frm, unit)) >= 0:
            after = bytes(self.buf[p + size:p + size + unit])
            if len(after) < unit:
                return p, False
            if after.decode(self.enc.codec, errors="replace") in (" ", "\t", "\r", "\n", ">", "/"):
                return p, True
            frm = p + unit
        return -1, True

    def _begin(self) -> None:
        parser = expat.ParserCreate(encoding=self.expat_name, namespace_separator=" ")
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        if hasattr(parser, "SetReparseDeferralEnabled"):
            parser.SetReparseDeferralEnabled(False)  # handlers must run as the bytes come, not later
        self.event, self.fed = _Event(parser), 0

    def _feed(self, final: bool) -> list | None:
        """Give the event's parser more of buf. What the event became (a record, or a problem and the start of
        skipping), or None when it needs more bytes."""
        parser = self.event.parser
        try:
            step = _FIRST_FEED
            while self.fed < len(self.buf):
                piece = bytes(self.buf[self.fed:self.fed + step])
                self.fed += len(piece)
                parser.Parse(piece, False)
                step *= 2
            if self.fed > MAX_EVENT_BYTES:
                raise _Damaged(f"an event longer than {MAX_EVENT_BYTES} bytes is not read")
            if not final:
                return None
            try:
                parser.Parse(b"", True)
            except expat.ExpatError:
                pass  # the parser's own words ("no element found") say less than these
            raise _Damaged("the export ends inside this event (cut short)")
        except _Ended as done:
            end = find_aligned(self.buf, self.gt, done.index, self.enc.unit) + self.enc.unit
            record = self.event.record(self.base, self.line)
            self.event = None
            self._consume(end)
            return [record]
        except _Damaged as bad:
            resume = bad.index
            message = bad.message
        except expat.ExpatError as e:
            resume, message = None, f"not well-formed XML: {expat.ErrorString(e.code)} at byte {self.base + parser.ErrorByteIndex}"
            if e.code == expat.errors.codes.get(expat.errors.XML_ERROR_UNDEFINED_ENTITY):
                message += " (an entity that is not XML's own: DTDs are not read)"
        self.event = None
        self.skip = (self.base, message)
        if resume is None:
            resume = self.enc.unit  # past this event's `<`, so the search finds the next one
        self._consume(resume)
        return []

    def _consume(self, n: int) -> None:
        """Drop buf's first n bytes (n on a code-unit boundary), keeping the offset and line of what follows."""
        self.line += count_newlines(self.buf, n, self.enc)
        self.base += n
        del self.buf[:n]

    def _between(self, n: int, next_event: int | None, partial: bool = False) -> Iterator[ReadProblem]:
        """Judge and drop buf[:n], the bytes before the next event (at stream offset `next_event`; None: none yet).
        A damaged event being skipped takes them; else anything but whitespace, the declaration, comments and
        the `<Events>` tags is reported. `partial`: more of the same stretch may follow."""
        if self.skip is not None:
            if not partial:
                offset, message = self.skip
                end = next_event if next_event is not None else self.base + n
                yield ReadProblem(offset, end - offset, message)
                self.skip = None
            self._consume(n)
            return
        if n:
            yield from self._judge(self.buf[:n].decode(self.enc.codec, errors="replace"))
        self._consume(n)

    def _judge(self, text: str) -> Iterator[ReadProblem]:
        for m in _DOCTYPE.finditer(text):
            yield ReadProblem(self._at(text, m.start()), len(self.enc.encode(m.group())),
                              "a DOCTYPE: not read, so its entities are neither expanded nor fetched", severity="warning")
        rest = _DOCTYPE.sub(lambda m: " " * len(m.group()), text)
        rest = _HARMLESS.sub(lambda m: " " * len(m.group()), rest)
        for m in re.finditer(r"\S(?:.*\S)?", rest, re.S):
            yield ReadProblem(self._at(text, m.start()), len(self.enc.encode(text[m.start():m.end()])),
                              "bytes between events that are not an event")
            break  # one stretch, from its first to its last byte that is not whitespace

    def _at(self, text: str, i: int) -> int:
        return self.base + len(self.enc.encode(text[:i]))


def read_xml(chunks: Iterable[bytes], enc: Encoding, start: int) -> Iterator[EventRecord | ReadProblem]:
    """The events of an XML export (see the module's docstring)."""
    return XmlReader(enc, start).read(chunks)


