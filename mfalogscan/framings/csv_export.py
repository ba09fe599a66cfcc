"""CSV exports from log collectors and SIEMs: a header line, then one record per line.

```
ReceivedTime,Host,Message
2021-03-04T10:11:12-05:00,MFASRV01,"pfsvc: User ""jdoe"" changed user ""jdoe"" value Phone from ""1"" to ""2""."
```

The first line is the header; the delimiter is `,`, `;` or a tab, and the
columns come in any order. The time column is found by its name (time,
timestamp, date, datetime, _time, @timestamp, EventTime, ReceivedTime,
"Date and Time", anything ending in "time" or "date", ...) or, failing
that, by its content; separate `Date` and `Time` columns are read together.
The message column is found by its name (message, msg, _raw, raw, text,
description, "Raw Log", event, ...) or else is the longest text column.
Host, level (severity, priority) and component (program, app name)
columns are used when present.

Each physical line is read on its own with the csv module, so CSV quoting
is undone (`""jdoe""` becomes `"jdoe"`); quoted fields spanning lines are
not joined, but the export is then `multiline`, so their later lines belong
to the row above. When the message column holds a whole native, RFC 5424 or
RFC 3164 line, that line gives the host, component, pid, ... (`unwrap`); a
message opening with a program tag (`pfsvc: ...`, `pfsvc[2960]: ...`) gives
the component and loses the tag. The stamp always comes from the time
columns (`csv_time`: exact forms only), with an offset only when one was
written; a row whose time is in no such form is still a record, with no
stamp and `stamp_note` saying why. A row that lacks a column this framing
reads, or whose first time cell starts unlike the sample's, does not parse;
nor does the header.

`FRAMING` knows no columns (its `parse` returns None); `for_sample` returns
a new instance bound to one export's header.
"""

from __future__ import annotations

import csv
import re
from typing import Sequence

from . import native, rfc5424, syslog
from .base import BaseFraming, Record
from .csv_time import TimeColumns, is_placeholder, learn_columns, read_date, read_epoch, read_full, read_time

_DELIMITERS = (",", ";", "\t")
_CELL = re.compile(r"(?:[^\W\d]|[_@#$%])[\w .\-/()#@$%&\[\]+']{0,63}")
_SAMPLE_ROWS = 50

_TIME_NAMES = (
    "timestamp", "time", "datetime", "dateandtime", "eventtime", "receivedtime", "eventreceivedtime",
    "timegenerated", "generatedtime", "timecreated", "createdtime", "devicetime", "logtime", "receivetime",
    "timereceived", "timewritten", "utctime", "localtime", "systemtime", "starttime", "ts", "date",
)
_MESSAGE_NAMES = (
    "message", "msg", "raw", "rawlog", "rawmessage", "rawevent", "rawdata", "logmessage", "syslogmessage",
    "messagetext", "text", "description", "event", "eventdata", "eventmessage", "payload", "content", "log",
    "logline", "line", "data", "details",
)
_HOST_NAMES = (
    "host", "hostname", "computer", "computername", "device", "devicename", "devicehostname", "sourcehost",
    "sourcehostname", "fromhost", "reportingdevice", "machine", "machinename", "server", "servername",
    "source", "sourceip", "sourceaddress", "hostip", "ip",
)
_LEVEL_NAMES = ("level", "severity", "loglevel", "priority", "sev", "syslogseverity", "eventlevel")
_COMPONENT_NAMES = (
    "appname", "app", "application", "program", "programname", "processname", "process", "syslogtag", "tag",
    "component",
)


def _key(name: str) -> str:
    """A header name as compared: case-folded, letters and digits only (`Date and Time` -> `dateandtime`)."""
    return re.sub(r"[\W_]", "", name.casefold())


def _row(line: str, delimiter: str) -> list[str] | None:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # a field over csv.field_size_limit(), ...
        return None


def _header_cells(line: str, delimiter: str) -> list[str] | None:
    """The header's cells when `line` reads as a header with this delimiter, else None."""
    cells = _row(line, delimiter)
    if cells is None or len(cells) < 2:
        return None
    cells = [c.strip() for c in cells]
    cells[0] = cells[0].lstrip("\ufeff")
    named = [c for c in cells if c]
    if len(named) < 2:
        return None
    for c in named:
        if not _CELL.fullmatch(c) or _is_time(c):
            return None
    return cells


def _is_time(value: str) -> bool:
    """The cell holds a time, a date or both in a form csv_time reads."""
    return any(read(value) is not None for read in (read_full, read_epoch, read_date, read_time))


def _mostly(rows: list[list[str]], index: int, test) -> bool:
    values = [r[index] for r in rows if index < len(r)]
    return not values or sum(1 for v in values if test(v)) * 2 >= len(values)


def _by_name(keys: list[str], names: Sequence[str], taken: set[int]) -> list[int]:
    """Column indexes whose names are in `names`, in the order of `names`."""
    out = []
    for name in names:
        out += [i for i, k in enumerate(keys) if k == name and i not in taken and i not in out]
    return out


def _start_class(ch: str) -> str:
    if ch.isascii() and ch.isdigit():
        return "0-9"
    if ch.isascii() and ch.isalpha():
        return "A-Za-z"
    if not ch.isascii():
        return "\\x80-\\xff"
    return re.escape(ch)


class CsvExport(BaseFraming):
    name = "csv"

    def __init__(self, delimiter: str | None = None, header: Sequence[str] = (), header_line: str = "",
                 clock: TimeColumns | None = None, message: int | None = None, host: int | None = None,
                 level: int | None = None, component: int | None = None, starts: frozenset = frozenset(),
                 multiline: bool = False):
        self.delimiter = delimiter
        self.header = list(header)
        self.header_line = header_line
        self.clock = clock
        self.time = time = clock.used if clock is not None else ()
        # A quoted field spanning lines (an Event Viewer description): its later lines belong to the row above.
        self.multiline = multiline
        self.message = message
        self.host = host
        self.level = level
        self.component = component
        self.starts = starts  # classes (see _start_class) of the time values' first characters
        used = [i for i in (*time, message, host, level, component) if i is not None]
        self.need = max(used) + 1 if used else 0
        self.head = self._head() if delimiter is not None and time else None
        self.header_lines = 1 if self.head is not None else 0  # the header row is no unparsed line

    # ----- learning the columns -----

    @classmethod
    def learn(cls, lines: Sequence[str], date_order: str | None = None) -> "CsvExport | None":
        body = [l.rstrip("\r\n") for l in lines if l.strip()]
        if not body:
            return None
        best = None
        for d in _DELIMITERS:
            cells = _header_cells(body[0], d)
            if cells is None:
                continue
            rows = [r for r in (_row(l, d) for l in body[1 : 1 + _SAMPLE_ROWS]) if r is not None]
            fit = sum(1 for r in rows if len(r) >= len(cells)) / len(rows) if rows else 1.0
            if fit >= 0.5 and (best is None or (fit, len(cells)) > best[0]):
                best = ((fit, len(cells)), d, cells, [r for r in rows if len(r) >= len(cells)])
        if best is None:
            return None
        _, d, cells, rows = best
        named_message = any(_key(c) in _MESSAGE_NAMES or "message" in _key(c) for c in cells)
        if not named_message and rows and sum(1 for r in rows if len(r) == len(cells) + 1) * 2 > len(rows):
            cells = cells + [""]  # Event Viewer's CSV: five names, then the description as an unnamed sixth field
            rows = [r for r in rows if len(r) >= len(cells)]
        keys = [_key(c) for c in cells]
        clock = learn_columns(keys, rows, _TIME_NAMES, date_order)
        if clock is None:
            return None
        time = clock.used
        taken = set(time)
        named = _by_name(keys, _MESSAGE_NAMES, taken)
        named += [i for i, k in enumerate(keys) if "message" in k and i not in taken and i not in named]
        message = next((i for i in named if _mostly(rows, i, lambda v: not _is_time(v))), None)
        host = next(iter(_by_name(keys, _HOST_NAMES, taken | {message})), None)
        level = next(iter(_by_name(keys, _LEVEL_NAMES, taken | {message, host})), None)
        component = next(iter(_by_name(keys, _COMPONENT_NAMES, taken | {message, host, level})), None)
        if message is None:  # the longest text column
            others = [i for i in range(len(cells)) if i not in taken | {host, level, component}]
            if not others or not rows:
                return None
            message = max(others, key=lambda i: (sum(len(r[i]) for r in rows), i))
        first = min(time)
        starts = frozenset(_start_class(r[first][0]) for r in rows
                           if r[first][:1] and (_is_time(r[first]) or clock.stamp(r)[0] is not None))
        spans = any(line.count('"') % 2 for line in body[1:])
        return cls(d, cells, body[0], clock, message, host, level, component, starts or frozenset({"0-9"}), spans)

    def _head(self) -> re.Pattern:
        d = re.escape(self.delimiter)
        field = f'(?:"(?:[^"\\n]|"")*"(?!")[^{d}\\n]*|[^"{d}\\n][^{d}\\n]*|){d}'
        # The first time cell starts like the sample's times (after spaces), or is a placeholder (csv_time).
        no_time = '"?(?i:-|n/?a|null|none|unknown)?"?(?:' + d + r'|(?=\r?\n|\Z))'
        pattern = field * min(self.time) + '(?:"? *[' + "".join(sorted(self.starts)) + "]|" + no_time + ")"
        head = re.compile(pattern.encode("ascii"))
        header = self.header_line.encode("utf-8")
        if head.match(header):
            head = re.compile(b"(?!" + re.escape(header) + rb"\r?(?:\n|\Z))" + head.pattern)
        return head

    # ----- the framing -----

    def continues(self, head_line: str) -> bool:
        """A later line belongs to the row `head_line` starts only while a quoted field of it is open."""
        return head_line.count('"') % 2 == 1

    def for_sample(self, lines: Sequence[str], date_order: str | None = None) -> "CsvExport":
        return self.learn(lines, date_order) or self

    def sniff(self, lines: Sequence[str]) -> float:
        bound = self.learn(lines)
        if bound is None:
            return 0.0
        rows = [l for l in lines if l.strip()][1:]
        if not rows:
            return 0.5  # a header alone
        if not any(bound.parse(l) is not None for l in rows[:5]):
            return 0.0
        return sum(1 for l in rows if bound.parse(l) is not None) / len(rows)

    def parse(self, line: str) -> Record | None:
        if self.delimiter is None:
            return None
        line = line.rstrip("\r\n")
        if not line.strip() or line == self.header_line:
            return None
        fields = _row(line, self.delimiter)
        if fields is None or len(fields) < self.need or [f.strip() for f in fields] == self.header:
            return None
        first = fields[min(self.time)].lstrip(" ")
        if not is_placeholder(first) and _start_class(first[0]) not in self.starts:
            return None
        if not self.head.match(line.encode("utf-8", "surrogatepass")):
            return None  # a record is what the head pattern (the unparsed-line count, multi-line rows) sees as one
        stamp, note = self.clock.stamp(fields)
        if self.message == len(self.header) - 1:  # an unquoted delimiter inside the last column
            message = self.delimiter.join(fields[self.message :])
        else:
            message = fields[self.message]

        def column(i):
            return fields[i].strip() or None if i is not None else None

        host, level, component = column(self.host), column(self.level), column(self.component)
        pid = tid = request_id = None
        inner = unwrap(message)
        if inner is not None:
            message = inner.message
            host = inner.host or host
            component = inner.component or component
            level = level or inner.level
            pid, tid, request_id = inner.pid, inner.tid, inner.request_id
        return Record(self.name, message, stamp, level, pid, tid, component, request_id, host, note)


def unwrap(message: str) -> Record | None:
    """The record inside a message that holds a whole native, RFC 5424 or RFC 3164 line, or opens with a program tag.

    Collectors store what they received; the wrapped line's own fields
    (host, component, pid, ...) are what the MFA server wrote. None when
    the message wraps nothing.
    """
    for framing in (native.FRAMING, rfc5424.FRAMING, syslog.FRAMING):
        record = framing.parse(message)
        if record is not None:
            return record
    tagged = syslog.program_tag(message)
    if tagged is not None:
        tag, pid, rest = tagged
        return Record("tag", rest, None, None, pid, None, tag)
    return None


FRAMING = CsvExport()
