"""What the export readers share: the text's encoding as bytes, physical lines with their offsets, times.

An export is text in some encoding (UTF-16LE from Event Viewer, UTF-8 or a
code page from a redirected wevtutil), and every offset a reader gives is a
byte offset in the unit's stream, so lines are found in the raw bytes (a
UTF-16 newline is two bytes at an even position) and decoded one by one.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator

#: An event (a CSV row, a text block, an XML element) longer than this is not read: it is reported, and reading
#: goes on after it. Windows caps an event's data at 64 KiB; a rendered message is seldom longer than a few.
MAX_EVENT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Encoding:
    """A text encoding as the readers need it: the codec, the bytes of a newline, the width of one code unit."""

    codec: str
    newline: bytes
    unit: int

    def encode(self, text: str) -> bytes:
        return text.encode(self.codec)


def encoding_of(name: str) -> Encoding:
    """The Encoding of a Python codec name; a UTF-16 or UTF-32 without its byte order is little-endian (the BOM is
    behind the caller, and Windows writes little-endian)."""
    codec = codecs.lookup(name).name
    codec = {"utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(codec, codec)
    newline = "\n".encode(codec)
    return Encoding(codec, newline, len(newline))


def find_aligned(buf: bytes | bytearray, needle: bytes, frm: int, unit: int, end: int | None = None) -> int:
    """The first position at or after `frm` where `needle` starts on a code-unit boundary, or -1."""
    end = len(buf) if end is None else end
    while True:
        p = buf.find(needle, frm, end)
        if p < 0 or p % unit == 0:
            return p
        frm = p + 1


def count_newlines(buf: bytes | bytearray, end: int, enc: Encoding) -> int:
    """How many newlines `buf[:end]` holds (`buf` starting on a code-unit boundary)."""
    if enc.unit == 1:
        return buf.count(enc.newline, 0, end)
    n, p = 0, 0
    while (p := find_aligned(buf, enc.newline, p, enc.unit, end)) >= 0:
        n, p = n + 1, p + enc.unit
    return n


@dataclass(frozen=True)
class Line:
    """One physical line: its stream offset, its 1-based number, its raw bytes with the line end."""

    offset: int
    number: int
    raw: bytes


def physical_lines(chunks: Iterable[bytes], enc: Encoding, start: int) -> Iterator[Line]:
    """The lines of a byte stream, split at newlines on code-unit boundaries; the last may have no line end."""
    pending = bytearray()
    offset, number = start, 1
    for chunk in chunks:
        pending += chunk
        p = 0
        while (q := find_aligned(pending, enc.newline, p, enc.unit)) >= 0:
            end = q + enc.unit
            yield Line(offset, number, bytes(pending[p:end]))
            offset, number, p = offset + end - p, number + 1, end
        del pending[:p]  # what is left starts on a code-unit boundary: p is one
    if pending:
        yield Line(offset, number, bytes(pending))


def decode_line(line: Line, enc: Encoding) -> tuple[str, bool]:
    """The line's text without its line end, and whether some of its bytes were not in the encoding (they are
    read as U+FFFD, so the rest of the line is still searched)."""
    try:
        text, bad = line.raw.decode(enc.codec), False
    except UnicodeDecodeError:
        text, bad = line.raw.decode(enc.codec, errors="replace"), True
    return text.rstrip("\r\n"), bad


# ----- times -----

_UTC_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)?", re.ASCII)


def micro(digits: str | None) -> int:
    """Microseconds of a decimal fraction, cut (never rounded: .9999999 stays in its second)."""
    return int((digits or "0")[:6].ljust(6, "0"))


def read_iso(raw: str) -> tuple[datetime | None, str | None, bool]:
    """An ISO 8601 date and time: (the datetime, None, zoned) or (None, why, False). A zoned time is aware and in
    UTC; one without a zone is naive (a wall clock)."""
    m = _UTC_ISO.fullmatch(raw.strip())
    if m is None:
        return None, f"{raw!r} is not an ISO 8601 date and time", False
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        t = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro(frac))
    except ValueError:
        return None, f"{raw!r} is no date and time (a month, day, hour or second out of range)", False
    if zone is None:
        return t, None, False
    shift = 0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 60 + int(zone[4:6]))
    if abs(shift) >= 24 * 60:
        return None, f"{raw!r} has a zone offset of a day or more, which is no zone", False
    try:
        return (t - timedelta(minutes=shift)).replace(tzinfo=timezone.utc), None, True
    except OverflowError:
        return None, f"{raw!r} is out of the range of dates", False


#: Why an export's time is a wall clock only (the scanner makes it UTC under the zone the user gives).
LOCAL_NOTE = "the export writes the exporting machine's local time, without its zone"
