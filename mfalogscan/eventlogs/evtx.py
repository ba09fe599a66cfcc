"""Binary EVTX files -> EventRecords, chunk by chunk, reading past damage.

The structure (header, chunks, record headers) is walked here
(`evtx_layout`); the BinXML of records is rendered by the `evtx` package
(Rust, wheels for Windows, Linux and macOS), given one chunk at a time as
a file of its own (`one_chunk_file`). So damage in one chunk never loses
another: a chunk whose header is broken is given a header that fits its
walked records (`repaired`), and a record the renderer fails on is lost
alone, each said with its offset.

Only chunks where a subject's name may be (`rawnames.RawNames`) are
rendered, and of those only the records that hold a hit are decoded into
EventRecords; the rest are counted from their headers. Bytes that are no
chunk (zeros after the last chunk are the file's unused space; anything
else) are searched raw, so a name in them is said, never missed silently.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Callable, Iterator

from .evtx_layout import (CHUNK_SIZE, HEADER_BLOCK, Chunk, file_header, filetime, one_chunk_file, read_chunk,
                          repaired)
from .rawnames import RawNames
from .record import EventRecord, ReadProblem

MISSING = ("the `evtx` package, one of mfalogscan's dependencies, is not installed or does not load here (pip "
           "install evtx); the records' BinXML could not be rendered")
_LEVELS = {0: None, 1: "critical", 2: "error", 3: "warning", 4: "information", 5: "verbose"}


def renderer():
    """The BinXML renderer (`evtx.PyEvtxParser`), or None when the package is missing."""
    try:
        from evtx import PyEvtxParser
    except ImportError:
        return None
    return PyEvtxParser


class EvtxReader:
    """One EVTX stream read block by block: `events()` gives EventRecords of candidate records and ReadProblems;
    afterwards `records` (walked), `rendered`, `first_written`/`last_written` and `raw_outside` (name hits in
    bytes that are no chunk) say what was read."""

    def __init__(self, read: Callable[[int], bytes], names: RawNames, every_record: bool = False):
        self._read = read
        self._names = names
        self._every = every_record
        self.records = 0
        self.rendered = 0
        self.chunks = 0
        self._first: int | None = None  # FILETIMEs of the earliest and latest record written
        self._last: int | None = None
        self.raw_outside = 0
        self.dirty = False
        self._parser = renderer()
        #: The channel of the first record of a chunk that was not rendered (no name in it), read once: what
        #: says which log this is when no record names anyone (the stores checklist needs it).
        self.channel: str | None = None

    def _block(self, size: int) -> bytes:
        parts, got = [], 0
        while got < size:
            data = self._read(size - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    def events(self) -> Iterator[EventRecord | ReadProblem]:
        head = self._block(HEADER_BLOCK)
        header = file_header(head)
        self.dirty = header.dirty
        if not header.crc_ok:
            yield ReadProblem(0, len(head), "the file header's checksum does not match (its counts were not used)",
                              "damaged")
        if len(head) < HEADER_BLOCK:
            yield ReadProblem(len(head), 0, f"the file ends inside its header, at byte {len(head)}: no chunks")
            return
        if self._parser is None:
            yield ReadProblem(HEADER_BLOCK, 0, MISSING)
            return
        index, offset, gap = 0, HEADER_BLOCK, None  # gap: a run of blocks that are no chunk, not yet said
        while data := self._block(CHUNK_SIZE):
            chunk = read_chunk(index, offset, data)
            if chunk.magic_ok or chunk.walk().records:  # a block with no signature may still hold records
                if gap is not None:
                    yield self._no_chunks(*gap, last=False)
                    gap = None
                yield from self._chunk(chunk)
            else:
                found = len(self._names.hits(data))
                self.raw_outside += found
                gap = (gap[0], gap[1] + len(data), gap[2] and chunk.zeros, gap[3] + found) if gap else \
                    (offset, len(data), chunk.zeros, found)
            index, offset = index + 1, offset + len(data)
        if gap is not None:
            problem = self._no_chunks(*gap, last=True)
            if problem is not None:
                yield problem
        if header.dirty and header.chunks < self.chunks:
            yield ReadProblem(0, HEADER_BLOCK, f"the log was not closed (dirty: copied while in use); its header "
                              f"counts {header.chunks} chunk(s), {self.chunks} were found and read", "warning")

    def _no_chunks(self, start: int, length: int, zeros: bool, found: int, last: bool) -> ReadProblem | None:
        """Blocks with no chunk in them: zeros at the end are unused space; anything else, or zeros between chunks
        (a chunk wiped), is said, with this stretch's raw name hits when there were any."""
        if zeros and last:
            return None
        what = "zero-filled (a chunk wiped or never written)" if zeros else "no chunk signature and no records"
        hits = f"; {found} raw match(es) of a searched name in them" if found else ""
        # Zeros between chunks: in a log copied while in use, chunks not yet flushed; else a chunk wiped.
        severity = "lost" if not zeros or hits else "warning" if self.dirty else "damaged"
        return ReadProblem(start, length, f"{length} bytes from offset {start} are not event records ({what}); "
                           f"not read as events{hits}", severity)

    def _written(self, first: int, last: int) -> None:
        self._first = first if self._first is None or first < self._first else self._first
        self._last = last if self._last is None or last > self._last else self._last

    @property
    def first_written(self) -> datetime | None:
        return filetime(self._first) if self._first else None

    @property
    def last_written(self) -> datetime | None:
        return filetime(self._last) if self._last else None

    def _chunk(self, chunk: Chunk) -> Iterator[EventRecord | ReadProblem]:
        self.chunks += 1
        hits = None if self._every or self._names.everywhere else self._names.hits(chunk.data)
        if hits == [] and (counted := chunk.counted()) is not None:
            # A sound chunk with no name in its bytes: counted from its header, not walked nor rendered.
            self.records += counted[0]
            self._written(counted[1], counted[2])
            if self.channel is None:
                self._probe(chunk)
            return
        where = f"chunk {chunk.index} (offset {chunk.offset})"
        records = chunk.walk().records
        self.records += len(records)
        if records:
            stamps = [r.written for r in records if r.written]
            if stamps:
                self._written(min(stamps), max(stamps))
        intact = chunk.magic_ok and chunk.header_crc_ok and not chunk.cut
        if not chunk.magic_ok:
            yield ReadProblem(chunk.offset, 8, f"{where}: no chunk signature; its {len(records)} record(s) were read "
                              "from their own headers", "damaged")
        elif not chunk.header_crc_ok:
            yield ReadProblem(chunk.offset, 512, f"{where}: the chunk header's checksum does not match; its "
                              f"{len(records)} record(s) were read from their own headers", "damaged")
        elif not chunk.records_crc_ok and not chunk.cut:
            # A log copied while open has its last chunks' checksums not yet final.
            severity = "warning" if self.dirty else "damaged"
            yield ReadProblem(chunk.offset + 512, chunk.free - 512, f"{where}: the records' checksum does not match "
                              f"({'a chunk of a log copied while in use' if self.dirty else 'they may have been altered'});"
                              " the records were read", severity)
        if chunk.cut:
            yield ReadProblem(chunk.offset + chunk.records_end, len(chunk.data) - chunk.records_end,
                              f"{where}: the file ends {len(chunk.data)} bytes into this chunk; the {len(records)} "
                              "whole record(s) before the cut were read, the rest of the chunk is lost")
        for at, length in chunk.skipped:
            if chunk.cut and at + length == len(chunk.data):
                continue  # the record the cut goes through: said just above
            yield ReadProblem(chunk.offset + at, length, f"{where}: {length} bytes at chunk offset {at} are no whole "
                              "record (a record's size is 0 or does not fit); not read", "lost")
        if not records:
            return
        if hits is None:
            wanted = [True] * len(records)
        else:
            wanted, outside = self._names.marked(hits, [r.offset for r in records], [r.offset + r.size for r in records])
            if outside:
                # Past the last record (the chunk's slack: old records overwritten in part) or in bytes that are no
                # record: a name there is data the file holds, though no event of the log.
                # Only a prefilter's hit (not confirmed as the whole name): a warning that says where to look.
                self.raw_outside += outside
                yield ReadProblem(chunk.offset, len(chunk.data), f"{where}: {outside} possible raw match(es) of a "
                                  "searched name in bytes of this chunk that are no record of the log (its slack after "
                                  "the last record: old records overwritten in part, or a damaged stretch): not read "
                                  "as events; look at the file", "warning")
        if not any(wanted):
            return
        body = chunk.data if intact and not chunk.skipped else repaired(chunk)
        yield from self._render(chunk, body, {r.record_id: (r, w) for r, w in zip(records, wanted)})

    def _probe(self, chunk: Chunk) -> None:
        """The channel of a sound chunk's first record, rendered alone; nothing else of it is kept or said."""
        records = chunk.walk().records
        if not records:
            return
        rendered = self.rendered
        for item in self._render(chunk, chunk.data, {records[0].record_id: (records[0], True)}):
            if isinstance(item, EventRecord):
                self.channel = item.channel or None
                break  # the package renders record by record: the rest of the chunk is not rendered
        self.rendered = rendered

    def _render(self, chunk: Chunk, body: bytes, by_id: dict) -> Iterator[EventRecord | ReadProblem]:
        """The wanted records of one chunk, rendered by the `evtx` package from a file of this chunk alone."""
        first, last = chunk.records[0].record_id, chunk.records[-1].record_id
        seen: set[int] = set()
        failures: list[str] = []
        try:
            it = iter(self._parser(io.BytesIO(one_chunk_file(body, first, last)), 1).records())
        except (RuntimeError, OSError, ValueError) as e:
            failures.append(str(e))
            it = iter(())
        while True:
            try:
                item = next(it)
            except StopIteration:
                break
            except (RuntimeError, OSError, ValueError) as e:  # one record failed; the iterator goes on
                failures.append(str(e))
                if len(failures) > len(by_id):
                    break
                continue
            rid = item.get("event_record_id")
            got = by_id.get(rid)
            if got is None or rid in seen:
                continue
            seen.add(rid)
            self.rendered += 1
            header, wanted = got
            if wanted:
                event = from_xml(item["data"], chunk.offset + header.offset, rid)
                if isinstance(event, ReadProblem):  # a record that names a subject and cannot be read: said alone
                    yield ReadProblem(chunk.offset + header.offset, header.size, f"chunk {chunk.index} (offset "
                                      f"{chunk.offset}): {event.message}; not scanned")
                else:
                    yield event
        # Only records whose bytes hold a searched name matter: another record that did not render named nobody.
        lost = [r for rid, (r, wanted) in by_id.items() if wanted and rid not in seen]
        if lost:
            why = f" ({failures[0][:200]})" if failures else ""
            ids = ", ".join(str(r.record_id) for r in lost[:10]) + (" ..." if len(lost) > 10 else "")
            yield ReadProblem(chunk.offset + lost[0].offset, lost[0].size,
                              f"chunk {chunk.index} (offset {chunk.offset}): {len(lost)} record(s) could not be "
                              f"rendered (EventRecordID {ids}){why}; not scanned")


_NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
_NS_LEN = len(_NS)
#: System elements whose value is an attribute: the rest give their text.
_SYSTEM_ATTRIBUTE = {"Provider": "Name", "TimeCreated": "SystemTime", "Security": "UserID"}
# XML 1.0 has no control characters, lone surrogates or U+FFFE/U+FFFF; the renderer writes them as they are (a
# `<Data>` holding 0x03). Moved to the private-use plane for the parse and back after, so the values are what the
# record holds.
_CONTROLS = {c: 0xF0000 + c for c in range(32) if c not in (9, 10, 13)}
_CONTROLS.update({c: 0xF0000 + c for c in (*range(0xD800, 0xE000), 0xFFFE, 0xFFFF)})  # lone surrogates, non-characters
_BACK = {v: k for k, v in _CONTROLS.items()}


def _parse(xml: str):
    try:
        return ET.fromstring(xml), False
    except ET.ParseError:
        return ET.fromstring(xml.translate(_CONTROLS)), True


def from_xml(xml: str, offset: int, record_id: int) -> EventRecord | ReadProblem:
    """An EventRecord from the `evtx` package's XML of one record. (Its JSON drops an unnamed `<Data>` beside
    named ones and keeps one of two fields of the same name: a name there would be missed.)"""
    try:
        root, moved = _parse(xml)
    except ET.ParseError as e:
        return ReadProblem(offset, 0, f"record {record_id}: its rendering is not well-formed XML ({e})")
    # One pass over System's children (a find() per field cost 25 us a record of the 45 this takes).
    values: dict[str, str | None] = {}
    system = root.find(_NS + "System")
    for el in system if system is not None else ():
        name = el.tag[_NS_LEN:] if el.tag.startswith(_NS) else el.tag
        key = _SYSTEM_ATTRIBUTE.get(name)
        value = el.get(key) if key else (el.text.strip() if el.text is not None else None)
        if value is not None and name not in values:
            values[name] = value.translate(_BACK) if moved else value
    raw_time = values.get("TimeCreated")
    when, note = _system_time(raw_time)
    event_id, level, own_id = values.get("EventID"), values.get("Level"), values.get("EventRecordID")
    fields = tuple(fields_of(root))
    return EventRecord(
        offset=offset,
        line=None,
        # The EventRecordID Event Viewer shows is the System element's; the record header's number is the same in
        # a log Windows wrote, but not in a file of selected records, which are numbered anew.
        record_id=int(own_id) if own_id and own_id.isdigit() else record_id,
        header_id=None if own_id == str(record_id) or not (own_id and own_id.isdigit()) else record_id,
        time=when,
        time_raw=raw_time,
        time_note=note,
        channel=values.get("Channel"),
        provider=values.get("Provider"),
        event_id=int(event_id) if event_id and event_id.isdigit() else None,
        computer=values.get("Computer"),
        user_id=values.get("Security"),
        level=_LEVELS.get(int(level), level) if level and level.isdigit() else level,
        fields=tuple((name, value.translate(_BACK)) for name, value in fields) if moved else fields,
    )


def _system_time(raw: str | None) -> tuple[datetime | None, str | None]:
    if raw is None:
        return None, "the event has no TimeCreated"
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None, f"TimeCreated {raw!r} is not a time"
    if when.tzinfo is None:
        return None, f"TimeCreated {raw!r} has no zone"
    return when, None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def fields_of(root) -> Iterator[tuple[str, str]]:
    """EventData and UserData values as (name, value), in document order. A `<Data Name="X">` is `X`, an unnamed
    `<Data>` is `Data` (then `Data[2]`...); a UserData value is named by its element (`listenerName`), an attribute
    by `element@name`; elements inside elements give their leaves."""
    seen: dict[str, int] = {}

    def named(name: str) -> str:
        n = seen[name] = seen.get(name, 0) + 1
        return name if n == 1 else f"{name}[{n}]"

    def leaves(el) -> Iterator[tuple[str, str]]:
        name = _local(el.tag)
        for key, value in el.attrib.items():
            if not (name == "Data" and key == "Name"):
                yield named(f"{name}@{_local(key)}"), value
        kids = list(el)
        if kids:
            for kid in kids:
                yield from leaves(kid)
        elif name == "Data":
            yield named(el.get("Name") or "Data"), (el.text or "").strip()
        elif el.text is not None and el.text.strip():
            yield named(name), el.text.strip()

    for part in ("EventData", "UserData"):
        body = root.find(_NS + part)
        if body is None:
            continue
        for el in body:
            if part == "UserData":  # the wrapper element (EventXML, ...) is no field
                for key, value in el.attrib.items():
                    if _local(key) != "xmlns":
                        yield named(f"{_local(el.tag)}@{_local(key)}"), value
                for kid in el:
                    yield from leaves(kid)
            else:
                yield from leaves(el)
