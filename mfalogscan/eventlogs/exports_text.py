"""`wevtutil qe LOG /f:text` exports -> EventRecords.

A block per event::

    Event[0]:
      Log Name: Microsoft-AzureMfa-AuthN/AuthNOptCh
      Source: Microsoft-AzureMfa-AuthN
      Date: 2026-01-02T15:04:05.123
      Event ID: 1
      Task: N/A
      Level: Information
      Opcode: Info
      Keyword: N/A
      User: S-1-5-18
      User Name: NT AUTHORITY\\SYSTEM
      Computer: NPS01.contoso.com
      Description:
    <the message, its lines as written, up to the next block>

A block starts at an `Event[N]:` line whose next line is `  Log Name:` (so a
message line that merely reads `Event[3]:` does not split its event). The
message is its lines joined by `\\n`, blank lines at its end dropped (wevtutil
puts one between events). `Date` is the exporting machine's local time with
no zone: it becomes `local_time`, `time` stays None. `User` (a SID, or N/A)
is `user_id`; Task, Opcode, Keyword and User Name are the record's fields,
as written (`N/A` included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from .exports_base import LOCAL_NOTE, MAX_EVENT_BYTES, Encoding, Line, decode_line, physical_lines, read_iso
from .record import EventRecord, ReadProblem

HEAD = re.compile(r"Event\[\d+\]:\s*")
FIRST_KEY = "  Log Name:"
_KEY = re.compile(r"  ([A-Za-z][A-Za-z ]*?):(?: (.*))?")
_FIELD_KEYS = ("Task", "Opcode", "Keyword", "User Name")


@dataclass
class _Block:
    """One event's lines as they come: the header's keys, then the description's lines."""

    first: Line
    end: int  # the stream offset after its last line
    keys: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    message: list[str] | None = None  # None until `Description:`
    bad: str | None = None

    def add(self, line: Line, text: str) -> None:
        self.end = line.offset + len(line.raw)
        if self.end - self.first.offset > MAX_EVENT_BYTES:
            return  # reported by result(); memory stays bounded
        if self.message is not None:
            self.message.append(text)
            return
        m = _KEY.fullmatch(text)
        if m is None:
            self.bad = self.bad or f"line {line.number} is not a `  Key: value` line of the event's header"
            return
        key, value = m.group(1), m.group(2) or ""
        if key == "Description":
            self.message = [value] if value.strip() else []
        else:
            self.keys[key] = value
            self.order.append(key)

    def result(self) -> EventRecord | ReadProblem:
        length = self.end - self.first.offset
        if self.end - self.first.offset > MAX_EVENT_BYTES:
            return ReadProblem(self.first.offset, length, f"an event longer than {MAX_EVENT_BYTES} bytes is not read")
        if self.bad or self.message is None:
            why = self.bad or "the block has no `Description:` line (cut short?)"
            return ReadProblem(self.first.offset, length, f"a wevtutil text block that is no event: {why}")
        k = self.keys
        try:
            event_id = int(k["Event ID"].strip()) if "Event ID" in k else None
        except ValueError:
            return ReadProblem(self.first.offset, length, f"Event ID {k['Event ID']!r} is not a number")
        raw = k.get("Date")
        local, time, note = None, None, "the event has no Date" if raw is None else None
        if raw is not None:
            t, why, zoned = read_iso(raw)
            if t is None:
                note = why
            elif zoned:
                time = t
            else:
                local, note = t, LOCAL_NOTE
        lines = list(self.message)
        while lines and not lines[-1].strip():
            lines.pop()
        user = k.get("User")
        return EventRecord(offset=self.first.offset, line=self.first.number, record_id=None, time=time,
                           time_raw=raw, time_note=note, channel=k.get("Log Name"), provider=k.get("Source"),
                           event_id=event_id, computer=k.get("Computer"),
                           user_id=None if user is None or user.strip() == "N/A" else user,
                           level=k.get("Level"), fields=tuple((n, k[n]) for n in _FIELD_KEYS if n in k),
                           message="\n".join(lines), local_time=local)


def read_text(chunks: Iterable[bytes], enc: Encoding, start: int) -> Iterator[EventRecord | ReadProblem]:
    """The events of a wevtutil text export (see the module's docstring); lines before the first block that are
    not blank are reported, as are blocks that are not events."""
    lines = physical_lines(chunks, enc, start)
    block: _Block | None = None
    junk: tuple[Line, int] | None = None  # a stretch of lines outside any block: its first line, its end
    current = next(lines, None)
    while current is not None:
        following = next(lines, None)
        text, bad = decode_line(current, enc)
        if bad:
            yield ReadProblem(current.offset, len(current.raw), f"bytes that are not {enc.codec}, read as U+FFFD",
                              severity="warning")
        if HEAD.fullmatch(text) and following is not None and decode_line(following, enc)[0].startswith(FIRST_KEY):
            if block is not None:
                yield block.result()
            if junk is not None:
                yield _junk(*junk)
                junk = None
            block = _Block(current, current.offset + len(current.raw))
        elif block is not None:
            block.add(current, text)
        elif text.strip():
            junk = (junk[0] if junk else current, current.offset + len(current.raw))
        current = following
    if block is not None:
        yield block.result()
    if junk is not None:
        yield _junk(*junk)


def _junk(first: Line, end: int) -> ReadProblem:
    return ReadProblem(first.offset, end - first.offset, f"lines from line {first.number} that are in no event block")
