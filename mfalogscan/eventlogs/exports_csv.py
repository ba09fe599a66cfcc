"""Event Viewer's "Save All Events As... CSV" and "Text (Tab delimited)" exports -> EventRecords.

The header is `Level,Date and Time,Source,Event ID,Task Category` (or the
same names between tabs); each row has a sixth, unnamed column, the
message, quoted when it holds the delimiter, quotes (doubled) or line ends.
A row's fields are Source -> provider, Event ID, Level, and `Task Category`
as its one field; Event Viewer writes no channel, computer or user here.

The date is the exporting machine's local time in its locale's form. Only
exact forms are read (`2026-01-02 15:04:05`, `1/2/2026 3:04:05 PM`,
`02.01.2026 15:04:05`), into `local_time`; `time` stays None (no zone is
written). Whether `1/2/2026` is 1 February or 2 January must be proven by the
export's own rows (one whose first field is over 12 proves day-first, one
whose second is, month-first): until it is, rows wait (up to
`PENDING_ROWS`); rows read when no proof came have no time, and say why.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterable, Iterator

from .exports_base import LOCAL_NOTE, MAX_EVENT_BYTES, Encoding, Line, decode_line, micro, physical_lines
from .record import EventRecord, ReadProblem

HEADER = ("level", "date and time", "source", "event id", "task category")
#: Rows that wait for the export to prove its order of day and month, at most.
PENDING_ROWS = 20000

_TIME = r"(?P<H>\d{1,2}):(?P<M>\d\d):(?P<S>\d\d)(?:[.,](?P<F>\d{1,7}))?(?:\s?(?P<ampm>[AaPp])\.?[Mm]\.?)?"
_YMD = re.compile(rf"(?P<y>\d{{4}})(?P<s>[-/.])(?P<a>\d{{1,2}})(?P=s)(?P<b>\d{{1,2}})\.?[ T]{_TIME}", re.ASCII)
_NNY = re.compile(rf"(?P<a>\d{{1,2}})(?P<s>[-/.])(?P<b>\d{{1,2}})(?P=s)(?P<y>\d{{4}})\.?,? {_TIME}", re.ASCII)


def header_delimiter(text: str) -> str | None:
    """The delimiter of an Event Viewer header line (`,` or a tab), or None when the line is not one."""
    for delim in (",", "\t"):
        names = [n.strip().strip('"').lower() for n in text.lstrip("\ufeff").split(delim)]
        if tuple(names[:5]) == HEADER and all(not n for n in names[5:]) and len(names) <= 6:
            return delim
    return None


class _Row:
    """One CSV row's fields, fed a physical line at a time (a quoted field may hold line ends, read as `\\n`)."""

    def __init__(self, delim: str):
        self.delim = delim
        self.fields: list[str] = []
        self.cur: list[str] = []
        self.quoted = False  # inside a quoted field
        self.at_start = True  # at the start of a field (where a quote opens one)
        self.size = 0

    def feed(self, s: str) -> bool:
        """Take a line (without its line end); True when the row is complete."""
        self.size += len(s) + 1
        i, d = 0, self.delim
        while True:
            if self.quoted:
                k = s.find('"', i)
                if k < 0:
                    self.cur += (s[i:], "\n")
                    return False
                self.cur.append(s[i:k])
                if s.startswith('"', k + 1):
                    self.cur.append('"')
                    i = k + 2
                    continue
                self.quoted, i = False, k + 1  # text after the closing quote is kept as written, up to the delimiter
            elif self.at_start and s.startswith('"', i):
                self.quoted, self.at_start, i = True, False, i + 1
                continue
            k = s.find(d, i)
            if k < 0:
                self.cur.append(s[i:])
                self.fields.append("".join(self.cur))
                return True
            self.cur.append(s[i:k])
            self.fields.append("".join(self.cur))
            self.cur, self.at_start, i = [], True, k + 1


@dataclass(frozen=True)
class _Stamp:
    """A date cell read exactly: the year, the two other numeric fields (a, b), their order if known, the time."""

    raw: str
    year: int
    a: int
    b: int
    order: str | None  # "ymd" (a is the month), or None: "dmy"/"mdy" to be learnt
    clock: tuple[int, int, int, int]


def read_stamp(raw: str) -> _Stamp | None:
    """An Event Viewer date cell in an exact form, or None."""
    t = raw.strip()
    for form, order in ((_YMD, "ymd"), (_NNY, None)):
        m = form.fullmatch(t)
        if m is None:
            continue
        hour, ampm = int(m["H"]), (m["ampm"] or "").lower()
        if ampm:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if ampm == "p" else 0)
        return _Stamp(raw, int(m["y"]), int(m["a"]), int(m["b"]), order, (hour, int(m["M"]), int(m["S"]), micro(m["F"])))
    return None


def _starts_row(text: str, delim: str) -> bool:
    """Whether a line begins an Event Viewer row (a level, an exact date, a source, a numeric Event ID): no line
    of a message does, so one met inside a quoted field means its quote was never closed."""
    cells = text.split(delim, 4)
    return (len(cells) == 5 and cells[0].isalpha() and cells[3].strip().isdigit()
            and read_stamp(cells[1].strip('"')) is not None)


def _fits(s: _Stamp, order: str) -> bool:
    month, day = (s.b, s.a) if order == "dmy" else (s.a, s.b)
    return 1 <= month <= 12 and 1 <= day <= 31


def _wall(s: _Stamp, order: str) -> tuple[datetime | None, str | None]:
    month, day = (s.b, s.a) if order == "dmy" else (s.a, s.b)
    try:
        return datetime(s.year, month, day, *s.clock), None
    except ValueError:
        return None, f"{s.raw.strip()!r} is not a date and time when read as {order}"


class CsvReader:
    """The rows of one export, with the day/month order learnt from them (see the module's docstring)."""

    def __init__(self, enc: Encoding, start: int, date_order: str | None = None):
        self.enc, self.start = enc, start
        self.date_order = date_order if date_order in ("dmy", "mdy") else None  # --date-order, when rows prove none
        self.orders = {"dmy", "mdy"}  # the orders every numeric date so far fits
        self.waiting: deque[tuple[EventRecord, _Stamp | None] | ReadProblem] = deque()
        self.gave_up = False
        self.holding = False  # a row waits for the order to be proven

    def read(self, chunks: Iterable[bytes]) -> Iterator[EventRecord | ReadProblem]:
        lines = physical_lines(chunks, self.enc, self.start)
        delim = None
        pushback: deque[Line] = deque()
        while True:
            line = pushback.popleft() if pushback else next(lines, None)
            if line is None:
                break
            text, bad = decode_line(line, self.enc)
            if bad:
                yield from self._out(ReadProblem(line.offset, len(line.raw),
                                                 f"bytes that are not {self.enc.codec}, read as U+FFFD", severity="warning"))
            if not text.strip():
                continue
            if delim is None:
                delim = header_delimiter(text)
                if delim is None:
                    delim = ","
                    yield from self._out(ReadProblem(line.offset, len(line.raw),
                                                     "the first line is not Event Viewer's header (Level,Date and "
                                                     "Time,Source,Event ID,Task Category)"))
                continue
            row, taken = _Row(delim), [line]
            done = row.feed(text)
            while not done and row.size <= MAX_EVENT_BYTES:
                more = pushback.popleft() if pushback else next(lines, None)
                if more is None:
                    break
                taken.append(more)
                more_text = decode_line(more, self.enc)[0]
                if _starts_row(more_text, delim):
                    break  # a quote left open swallows the rows after it: a line that begins one ends that
                done = row.feed(more_text)
            if not done:
                # An unterminated quote: the first line is lost, and the lines it swallowed are read again.
                why = "ends" if row.size <= MAX_EVENT_BYTES else f"runs on for more than {MAX_EVENT_BYTES} bytes"
                yield from self._out(ReadProblem(line.offset, len(line.raw),
                                                 f"a row whose quoted field never closes (the export {why})"))
                pushback.extendleft(reversed(taken[1:]))  # the line that begins a row included
                continue
            end = taken[-1].offset + len(taken[-1].raw)
            yield from self._out(self._record(line, end - line.offset, row.fields, delim))
        yield from self._flush(final=True)

    def _record(self, first: Line, length: int, f: list[str], delim: str):
        """The row's EventRecord with its date still to be resolved, or a ReadProblem."""
        if len(f) < 5:
            return ReadProblem(first.offset, length, f"a row of {len(f)} fields is no event (Event Viewer writes 6)")
        try:
            event_id = int(f[3].strip())
        except ValueError:
            return ReadProblem(first.offset, length, f"a row whose Event ID {f[3]!r} is not a number is no event")
        record = EventRecord(offset=first.offset, line=first.number, record_id=None, time=None, time_raw=f[1],
                             time_note=None, channel=None, provider=f[2], event_id=event_id, computer=None,
                             user_id=None, level=f[0], fields=(("Task Category", f[4]),),
                             message=delim.join(f[5:]) if len(f) > 5 else None)
        stamp = read_stamp(f[1])
        if stamp is not None and stamp.order is None:
            self._learn(stamp)
            self.holding = self.holding or (len(self.orders) == 2 and not self.gave_up)
        return record, stamp

    def _learn(self, s: _Stamp) -> None:
        fits = {o for o in ("dmy", "mdy") if _fits(s, o)}
        if fits:  # a date that fits no order (00/00/2026) proves nothing
            self.orders &= fits

    def _out(self, item) -> Iterator[EventRecord | ReadProblem]:
        """Queue the item behind any rows waiting for the date order, and give what is resolved."""
        self.waiting.append(item)
        yield from self._flush(final=False)

    def _flush(self, final: bool) -> Iterator[EventRecord | ReadProblem]:
        if self.holding and len(self.orders) == 2 and not final:
            if len(self.waiting) <= PENDING_ROWS:
                return
            self.gave_up = True  # no proof in time: these rows go without a time, later ones as they come
        self.holding = False
        while self.waiting:
            item = self.waiting.popleft()
            yield item if isinstance(item, ReadProblem) else self._resolve(*item)

    def _resolve(self, record: EventRecord, s: _Stamp | None) -> EventRecord:
        if s is None:
            return replace(record, time_note=f"{record.time_raw!r} is in no date and time form read exactly")
        if s.order == "ymd":
            local, why = _wall(s, "ymd")
        elif len(self.orders) == 1:
            local, why = _wall(s, next(iter(self.orders)))
        elif not self.orders:
            local, why = None, "no single order of day and month fits every date of the export"
        elif self.date_order is not None:
            local, why = _wall(s, self.date_order)
        else:
            seen = "the export's rows" if not self.gave_up else f"the first {PENDING_ROWS} rows"
            local, why = None, (f"{s.raw.strip()!r} could be day/month or month/day, and none of {seen} proves "
                                "which; give --date-order dmy or mdy if you know the exporting machine's locale")
        return replace(record, local_time=local, time_note=why if local is None else LOCAL_NOTE)


def read_csv(chunks: Iterable[bytes], enc: Encoding, start: int, date_order: str | None = None
             ) -> Iterator[EventRecord | ReadProblem]:
    """The events of an Event Viewer CSV or tab-delimited export (see the module's docstring); `date_order` is
    used only where the export's own rows prove no order of day and month."""
    return CsvReader(enc, start, date_order).read(chunks)
