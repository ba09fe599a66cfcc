"""Timestamps as written (`Stamp`), and the parsers the framings share.

A Stamp keeps what the log wrote and nothing more: the year and the zone
may be missing (RFC 3164 has neither). Turning a Stamp into an instant is
the source clock's job (`timeline.clock`), which supplies the zone and the year
and says where they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_number(word: str) -> int | None:
    """0 (Monday) to 6 of a weekday's name or its start (`Tue`, `Tues`, `thursday`), None when it is none."""
    word = word.lower()
    return next((i for i, d in enumerate(_DAY_NAMES) if len(word) >= 3 and d.lower().startswith(word)), None)


@dataclass(frozen=True)
class Stamp:
    """A time as written: every field the text gave; `year` and `offset` (seconds east of UTC) may be None."""

    raw: str
    year: int | None
    month: int
    day: int
    hour: int
    minute: int
    second: int
    microsecond: int = 0
    offset: int | None = None
    fraction: bool = False  # fractional seconds were written
    year_in_text: bool = False  # `year` is not in the stamp but from a full date in its record's message
    weekday: int | None = None  # the day of the week written (0: Monday), which the date must agree with

    def valid(self, year: int) -> bool:
        try:
            datetime(year, self.month, self.day)
            return True
        except ValueError:
            return False

    def weekday_wrong(self, year: int) -> str | None:
        """Why the weekday written contradicts the date in `year` (None: it agrees, or none is written)."""
        if self.weekday is None or not self.valid(year):
            return None
        actual = datetime(year, self.month, self.day).weekday()
        if actual == self.weekday:
            return None
        date = f"{self.day} {MONTH_NAMES[self.month - 1]} {year}"
        return (f"{self.raw!r} says {_DAY_NAMES[self.weekday]}, but {date} was a {_DAY_NAMES[actual]}: "
                "the weekday contradicts the date, so neither is trusted")

    def key(self) -> tuple:
        """Month, day and time, for ordering stamps that have no year."""
        return (self.month, self.day, self.hour, self.minute, self.second, self.microsecond)

    def to_datetime(self, year: int | None = None, zone=None) -> datetime | None:
        """An aware datetime; the written year and offset win over `year` and `zone`."""
        y = self.year if self.year is not None else year
        if y is None:
            return None
        try:
            tz = timezone(timedelta(seconds=self.offset)) if self.offset is not None else zone
        except ValueError:
            return None  # an offset of a day or more is no zone
        if tz is None:
            return None
        try:
            return datetime(y, self.month, self.day, self.hour, self.minute, self.second, self.microsecond, tzinfo=tz)
        except ValueError:
            return None


def _frac(text: str | None) -> int:
    return int((text or "0")[:6].ljust(6, "0"))


def _offset(text: str | None) -> int | None:
    if not text:
        return None
    if text in ("Z", "z"):
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)


_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)[T ](?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)(?:[.,](?P<f>\d{1,9}))?"
    # A space is part of the stamp only before a zone, and a zone is not the first letter of a word (`zrh-mfa01`).
    r"(?:\s?(?P<z>[Zz](?![\w.-])|[+-]\d\d:?\d\d(?!\d)))?"
)
_BSD = re.compile(r"(?P<mon>[A-Za-z]{3}) {1,2}(?P<d>\d{1,2}) (?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)(?:\.(?P<f>\d{1,6}))?")


def parse_iso(text: str) -> Stamp | None:
    """`2024-03-07T18:20:20.006280Z`, `2021-03-04 10:11:12-05:00`, ... at the start of `text`."""
    m = _ISO.match(text)
    if m is None:
        return None
    offset = _offset(m["z"])
    if offset is not None and abs(offset) >= 86400:
        return None  # `+25:00` is no zone (and datetime refuses it)
    return Stamp(m.group(0), int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"]),
                 _frac(m["f"]), offset, m["f"] is not None)


def parse_bsd(text: str) -> Stamp | None:
    """RFC 3164's `Mar  7 18:20:20` (no year, no zone) at the start of `text`."""
    m = _BSD.match(text)
    if m is None or m["mon"].lower() not in MONTHS:
        return None
    return Stamp(m.group(0), None, MONTHS[m["mon"].lower()], int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"]),
                 _frac(m["f"]), None, m["f"] is not None)


# The two places a record carries its own full date: a wrapped native line (the message starts with its stamp),
# and Snare's tab-separated event, whose date has a weekday that must agree with it. A date elsewhere in a
# message ("valid until 2025-03-07T18:20:20") says nothing about the record's year.
_EMBEDDED = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)T(?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)(?:\.\d{1,9})?Z\|"
    r"|\t(?P<wd>Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<mon>[A-Z][a-z]{2}) {1,2}(?P<d2>\d{1,2}) "
    r"(?P<h2>\d\d):(?P<mi2>\d\d):(?P<s2>\d\d) (?P<y2>\d{4})\t",
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_NEAR = timedelta(days=2)  # the stamp's zone and the message's may differ by up to 26 hours


def with_year_from_text(stamp: Stamp, text: str) -> Stamp:
    """A year-less stamp with the year of the full date its record carries (a tab-separated Snare date whose
    weekday agrees, `\tMon Mar 01 12:00:00 2021\t`, or the stamp of a wrapped native line at the message's start),
    when that date is the stamp's own within two days; else the stamp unchanged.

    Of the years around the written one, the one that puts the stamp nearest the written moment wins, so a
    stamp of `Jan  1 00:00:05` beside `Dec 31 23:59:59 2020` is in 2021.
    """
    if stamp.year is not None:
        return stamp
    for m in _EMBEDDED.finditer(text):
        try:
            if m["y"] is not None:
                written = datetime(int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"]))
            else:
                month = MONTHS.get(m["mon"].lower())
                if month is None:
                    continue
                written = datetime(int(m["y2"]), month, int(m["d2"]), int(m["h2"]), int(m["mi2"]), int(m["s2"]))
                if _WEEKDAYS[written.weekday()] != m["wd"]:
                    continue  # a weekday that contradicts the date: not a date to trust
        except ValueError:
            continue
        best = None
        for year in (written.year - 1, written.year, written.year + 1):
            try:
                own = datetime(year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
            except ValueError:
                continue
            if abs(own - written) <= _NEAR and (best is None or abs(own - written) < abs(best - written)):
                best = own
        if best is not None:
            return replace(stamp, year=best.year, year_in_text=True)
    return stamp


def parse_loose(text: str, dayfirst: bool = False) -> Stamp | None:
    """Any date and time python-dateutil reads (collector exports), telling whether a year was written."""
    from dateutil import parser

    text = text.strip()
    if not text or not any(ch.isdigit() for ch in text):
        return None
    stamp = parse_iso(text)
    if stamp is not None and stamp.raw == text:
        return stamp
    try:
        a = parser.parse(text, default=datetime(1904, 1, 1), dayfirst=dayfirst)
        b = parser.parse(text, default=datetime(1908, 1, 1), dayfirst=dayfirst)
    except (ValueError, OverflowError, ArithmeticError, TypeError):
        # dateutil raises decimal.InvalidOperation on absurd numbers ("18:2999...9:20", found by atheris).
        return None
    year = a.year if a.year == b.year else None
    offset = None
    if a.tzinfo is not None:
        try:
            delta = a.utcoffset()
        except ValueError:
            return None  # a zone offset of a day or more (found by atheris): no time
        offset = int(delta.total_seconds()) if delta is not None else None
    return Stamp(text, year, a.month, a.day, a.hour, a.minute, a.second, a.microsecond, offset, a.microsecond != 0)
