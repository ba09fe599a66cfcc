"""The time of a CSV export's row, from the columns that hold it: an exact form, or no time and why.

Exports write time in many ways, and a wrong time is worse than none, so
each cell is read by one of these forms and nothing else (docs/time.md):

- **one column with a date and a time**: ISO 8601 (`2024-03-07T18:20:20.006Z`,
  `2021-03-04 10:11:12-05:00`, `2015-10-18 18:01:47,978`), a numeric date
  and a time (`3/4/2021 10:11:12 AM`, `04.03.2021 10:11`, `17/06/09 20:10:40`,
  year-less `10.30 16:49:06`), month names (`Sun Dec 04 04:47:44 2005`,
  `Dec 4, 2005 4:47:44 PM`, `04-Dec-2005 04:47:44`, year-less `Dec  4 04:47:44`),
  `2005-06-03-15.42.50.363779` and `20171223-22:15:29:606`;
- **epoch seconds or milliseconds** (`1117838570`) in a column named as a
  time, between 2000 and 2100;
- **a date column beside a time column** (`2015-10-18` + `18:01:47,978`,
  `081109` + `203615`, `03-17` + `16:13:38.811`);
- **month, day (and year) columns beside a time column** (`Jun`, `14`, `15:16:01`).

A numeric date's fields are read in the order `--date-order` gives (`ymd`,
`dmy`, `mdy`). Without it a four-digit first field is a year (`ymd`), and
otherwise the order must be proven by the export's own rows (a first field
over 12 proves the day comes first); where it is not, the rows have no time
and say why. Two-digit years are 2000-2069 and 1970-1999 (POSIX `%y`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Sequence

from ..timeline.stamps import MONTH_NAMES, MONTHS, Stamp, weekday_number

ORDERS = ("ymd", "dmy", "mdy")
_MONTH_NAMES = {**MONTHS, **{n.lower(): i for i, n in enumerate(MONTH_NAMES, 1)}, "sept": 9}
# A weekday is read, and must agree with the date (`Mon, 05 Mar 2024` is no time: 5 March 2024 was a Tuesday).
_WEEKDAY = (r"(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs?(?:day)?)?|fri(?:day)?|sat(?:urday)?"
            r"|sun(?:day)?)\.?,?")

_TIME = (r"(?P<H>\d{1,2}):(?P<M>\d\d)(?::(?P<S>\d\d)(?:(?P<fs>[.,:])(?P<F>\d{1,9}))?)?"
         r"(?:\s?(?P<ampm>[ap])\.?m\.?)?")
_ZONE = r"(?:\s?(?P<Z>z|utc|gmt|[+-]\d\d:?\d\d))?"
_TIME_ONLY = re.compile(rf"(?:{_TIME}|(?P<cH>\d\d)(?P<cM>\d\d)(?P<cS>\d\d)){_ZONE}", re.I | re.ASCII)
_EPOCH = re.compile(r"\d{9,10}|\d{12,13}", re.ASCII)

# Dates: `y` a 4-digit year first (always year-month-day), `n` numeric fields in an order to learn, `mon` names.
_DATES = [
    re.compile(r"(?P<y>\d{4})(?P<s>[-/.])(?P<a>\d{1,2})(?P=s)(?P<b>\d{1,2})", re.ASCII),
    re.compile(r"(?P<y>\d{4})(?P<a>\d\d)(?P<b>\d\d)", re.ASCII),
    re.compile(r"(?P<n1>\d{1,2})(?P<s>[-/.])(?P<n2>\d{1,2})(?:(?P=s)(?P<n3>\d{4}|\d\d))?", re.ASCII),
    re.compile(r"(?P<n1>\d\d)(?P<n2>\d\d)(?P<n3>\d\d)", re.ASCII),
    re.compile(rf"(?:{_WEEKDAY}\s+)?(?P<mon>[a-z]{{3,9}})\.?[\s-]+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?",
               re.I | re.ASCII),
    re.compile(rf"(?:{_WEEKDAY}\s+)?(?P<d>\d{{1,2}})[\s-](?P<mon>[a-z]{{3,9}})\.?(?:[\s-](?P<y>\d{{4}}))?", re.I | re.ASCII),
]
_FULL = [re.compile(rf"(?P<date>{d.pattern})(?:T|\s+|,\s*)?{_TIME}{_ZONE}(?:\s+(?P<y2>\d{{4}}))?", d.flags | re.I)
         for d in _DATES]
# Layouts of single exporters, whole.
_BGL = re.compile(r"(?P<y>\d{4})-(?P<a>\d\d)-(?P<b>\d\d)-(?P<H>\d\d)\.(?P<M>\d\d)\.(?P<S>\d\d)(?:\.(?P<F>\d{1,9}))?", re.ASCII)
# HealthApp writes hours, minutes and seconds unpadded (`20171224-0:7:4:439`).
_HEALTHAPP = re.compile(r"(?P<y>\d{4})(?P<a>\d\d)(?P<b>\d\d)-(?P<H>\d{1,2}):(?P<M>\d{1,2}):(?P<S>\d{1,2})"
                        r"(?:(?P<fs>:)(?P<F>\d{1,3}))?", re.ASCII)


@dataclass(frozen=True)
class Parts:
    """What one cell (or a date cell and a time cell) says: a date maybe still in numeric fields of unknown order."""

    raw: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    nums: tuple[str, ...] | None = None  # numeric date fields, order unknown (n1, n2[, n3])
    time: tuple[int, int, int, int, bool] | None = None  # hour, minute, second, microsecond, fraction written
    offset: int | None = None
    weekday: int | None = None  # the day of the week written (0: Monday)


def _zone(text: str | None) -> int | None:
    if not text:
        return None
    if text.lower() in ("z", "utc", "gmt"):
        return 0
    digits = text[1:].replace(":", "")
    return (-1 if text[0] == "-" else 1) * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60)


def _clock(m: re.Match, compact: bool = False) -> tuple[int, int, int, int, bool] | None:
    g = m.groupdict()
    h, mi, s = (g["cH"], g["cM"], g["cS"]) if compact else (g["H"], g["M"], g.get("S"))
    hour, minute, second = int(h), int(mi), int(s or 0)
    ampm = (g.get("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None  # a leap second (:60) included: no datetime holds it
    micro = _fraction(g.get("fs"), g.get("F"))
    return None if micro is None else (hour, minute, second, micro, g.get("F") is not None)


def _fraction(sep: str | None, digits: str | None) -> int | None:
    """Microseconds of the part after the seconds: decimal digits after `.` or `,`; after `:`, a count of
    milliseconds (`22:15:29:606`; `:67` is 67 ms, whoever left it unpadded); None when it cannot be."""
    if digits is None:
        return 0
    if sep == ":":
        return int(digits) * 1000 if len(digits) <= 3 else None
    return int(digits[:6].ljust(6, "0"))


def _date(g: dict) -> dict | None:
    if g.get("mon") is not None:
        month = _MONTH_NAMES.get(g["mon"].lower())
        if month is None:
            return None
        year, wd = g.get("y") or g.get("y2"), g.get("wd")
        return {"year": int(year) if year else None, "month": month, "day": int(g["d"]),
                "weekday": weekday_number(wd) if wd else None}
    if g.get("y") is not None:
        return {"year": int(g["y"]), "month": int(g["a"]), "day": int(g["b"])}
    return {"nums": tuple(x for x in (g["n1"], g["n2"], g.get("n3")) if x is not None)}


def read_full(text: str) -> Parts | None:
    """A cell holding a date and a time, or None."""
    t = text.strip()
    for special in (_BGL, _HEALTHAPP):
        m = special.fullmatch(t)
        if m is not None:
            g = m.groupdict()
            clock = _clock(m)
            if clock is None:
                continue
            return Parts(t, int(g["y"]), int(g["a"]), int(g["b"]), time=clock)
    for form in _FULL:
        m = form.fullmatch(t)
        if m is None:
            continue
        g = m.groupdict()
        if g.get("y2") and g.get("y"):
            continue  # two years
        date = _date(g)
        clock = _clock(m)
        if date is None or clock is None:
            continue
        if g.get("y2") and date.get("nums") is not None:
            continue
        if g.get("y2"):
            date["year"] = int(g["y2"])
        return Parts(t, time=clock, offset=_zone(g.get("Z")), **date)
    return None


def read_date(text: str) -> Parts | None:
    """A cell holding only a date (`2015-10-18`, `081109`, `03-17`, `Dec 10`), or None."""
    t = text.strip()
    for form in _DATES:
        m = form.fullmatch(t)
        if m is not None:
            date = _date(m.groupdict())
            if date is not None:
                return Parts(t, **date)
    return None


def read_time(text: str) -> Parts | None:
    """A cell holding only a time of day (`18:01:47,978`, `4:47:44 PM`, `203615`), or None."""
    t = text.strip()
    m = _TIME_ONLY.fullmatch(t)
    if m is None:
        return None
    clock = _clock(m, compact=m["cH"] is not None)
    return None if clock is None else Parts(t, time=clock, offset=_zone(m["Z"]))


def read_epoch(text: str) -> Stamp | None:
    """Epoch seconds or milliseconds from 2000 to 2100 as an exact UTC stamp, or None."""
    t = text.strip()
    if not _EPOCH.fullmatch(t):
        return None
    millis = int(t) * (1 if len(t) > 10 else 1000)
    if not 946684800_000 <= millis < 4102444800_000:
        return None
    when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=millis)
    return Stamp(t, when.year, when.month, when.day, when.hour, when.minute, when.second, when.microsecond, 0,
                 len(t) > 10)


def _fields(nums: tuple[str, ...], order: str) -> tuple[int | None, int, int]:
    """(year, month, day) of numeric date fields read in `order` (two fields: the order without its y)."""
    letters = order if len(nums) == 3 else order.replace("y", "")
    got = dict(zip(letters, nums))
    year = got.get("y")
    if year is not None and len(year) == 2:
        year = str(2000 + int(year) if int(year) < 70 else 1900 + int(year))
    return (int(year) if year is not None else None), int(got["m"]), int(got["d"])


def _fits(nums: tuple[str, ...], order: str) -> bool:
    if len(nums) == 3 and len(nums[2]) == 4 and order == "ymd":
        return False  # a four-digit last field is the year
    year, month, day = _fields(nums, order)
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def learn_order(samples: Sequence[tuple[str, ...]], given: str | None) -> tuple[str | None, str]:
    """The order of numeric date fields: `given`, else the only one the samples allow; (None, why) when unproven."""
    # A date that fits no order at all (a placeholder such as 00/00/0000) proves nothing: it is left out.
    samples = [n for n in samples if any(_fits(n, o) for o in ORDERS)]
    if not samples:
        return (given, f"--date-order {given}") if given else (None, "no dates to learn the order of their fields from")
    orders = [o for o in ORDERS if all(_fits(n, o) for n in samples)]
    if len(samples[0]) == 2:
        orders = sorted({o.replace("y", "") for o in orders}, key=("md", "dm").index)
        orders = [{"md": "mdy", "dm": "dmy"}[o] for o in orders]
    example = "/".join(samples[0])
    if len(orders) == 1:  # the export proves it: that wins over --date-order, which is for what cannot be proven
        proof = next((n for n in samples if sum(_fits(n, o) for o in ORDERS) < len(ORDERS)), samples[0])
        if given is not None and given != orders[0]:
            return orders[0], f"the export's own dates ({'/'.join(proof)} fits only {orders[0]}, not --date-order {given})"
        return orders[0], f"the order of the export's own dates ({'/'.join(proof)} fits only {orders[0]})"
    if not orders:
        return None, f"no single order of day, month and year fits every date of the export (such as {example})"
    if given is not None:
        if given in orders:
            return given, f"--date-order {given}"
        return None, f"--date-order {given} does not fit dates such as {example} (they fit {' or '.join(orders)})"
    return None, (f"dates such as {example} could be read as {' or '.join(orders)}: give --date-order to say which")


def to_stamp(parts: Parts, order: str | None, why_not: str) -> tuple[Stamp | None, str | None]:
    """A Stamp from what the cells said, or (None, the reason)."""
    if parts.time is None:
        return None, f"{parts.raw!r} has a date but no time of day"
    if parts.offset is not None and abs(parts.offset) >= 86400:
        return None, f"{parts.raw!r} has a zone offset of a day or more, which is no zone"
    year, month, day = parts.year, parts.month, parts.day
    if parts.nums is not None:
        if order is None:
            return None, why_not
        if not _fits(parts.nums, order):
            return None, f"{parts.raw!r} is not a date when read as {order}"
        year, month, day = _fields(parts.nums, order)
    if month is None or day is None:
        return None, f"{parts.raw!r} has no date"
    hour, minute, second, micro, fraction = parts.time
    stamp = Stamp(parts.raw, year, month, day, hour, minute, second, micro, parts.offset, fraction, weekday=parts.weekday)
    if not stamp.valid(year if year is not None else 2000):
        return None, f"{parts.raw!r} is no date of any year" if year is None else f"{parts.raw!r} is not a date"
    if year is not None and (why := stamp.weekday_wrong(year)) is not None:
        return None, why
    return stamp, None  # a weekday without a year is checked when the source's clock gives the year


#: What exporters write where a row has no time: no form, but no other row's time either.
PLACEHOLDERS = ("", "-", "n/a", "na", "null", "none", "unknown")


def is_placeholder(cell: str) -> bool:
    return cell.strip().lower() in PLACEHOLDERS


# ----- which columns hold the time -----

_EPOCH_NAMES = ("epoch", "unixtime", "epochtime", "unixtimestamp", "timestampunix")
_NOT_EVENT_TIME = ("index", "ingest", "insert", "load")


@dataclass(frozen=True)
class TimeColumns:
    """Where an export's rows keep their time, and how it is read.

    `kind`: "full" (one column with date and time), "epoch", "date+time"
    (a date column and a time column), "fields" (month, day, optional year
    and time columns). `cols` are the columns read, in that order (-1: no
    year column). `order` is the order of numeric date fields, or None with
    `why` saying why it is unknown.
    """

    kind: str
    cols: tuple[int, ...]
    order: str | None = None
    why: str = ""

    @property
    def used(self) -> tuple[int, ...]:
        return tuple(i for i in self.cols if i >= 0)

    def stamp(self, fields: Sequence[str]) -> tuple[Stamp | None, str | None]:
        """The row's stamp, or (None, why there is none)."""
        cells = [fields[i] if i >= 0 else "" for i in self.cols]
        if all(is_placeholder(c) for c in cells if c is not None):
            return None, f"the row's time is not written ({cells[0].strip()!r})"
        if self.kind == "epoch":
            got = read_epoch(cells[0])
            return (got, None) if got is not None else (None, f"{cells[0].strip()!r} is not an epoch time")
        if self.kind == "full":
            parts = read_full(cells[0])
            if parts is None:
                return None, f"{cells[0].strip()!r} is in no date and time form this export uses"
        else:
            *date_cells, time_cell = cells
            time = read_time(time_cell)
            date = _date_parts(self.kind, date_cells)
            raw = " ".join(c.strip() for c in cells if c.strip())
            if date is None or time is None:
                return None, f"{raw!r} is in no date and time form this export uses"
            parts = Parts(raw, date.year, date.month, date.day, date.nums, time.time, time.offset, date.weekday)
        return to_stamp(parts, self.order, self.why)


def _date_parts(kind: str, cells: Sequence[str]) -> Parts | None:
    if kind == "date+time":
        return read_date(cells[0])
    month, day, year = (c.strip() for c in cells)
    m = _MONTH_NAMES.get(month.lower()) or (int(month) if month.isdigit() and 1 <= int(month) <= 12 else None)
    if m is None or not day.isdigit() or not (year == "" or (year.isdigit() and len(year) == 4)):
        return None
    return Parts(" ".join((month, day, year)).strip(), int(year) if year else None, m, int(day))


def _mostly(rows: Sequence[Sequence[str]], i: int, test) -> bool:
    values = [r[i] for r in rows if i < len(r) and r[i].strip()]
    return bool(values) and sum(1 for v in values if test(v) is not None) * 2 >= len(values)


def _named(keys: Sequence[str], names: Sequence[str]) -> list[int]:
    return [i for name in names for i, k in enumerate(keys) if k == name]


def learn_columns(keys: Sequence[str], rows: Sequence[Sequence[str]], time_names: Sequence[str],
                  date_order: str | None = None) -> TimeColumns | None:
    """The time columns of an export from its header keys and sample rows, best first:

    a date and time with a zone written, epoch seconds, a date and time in
    one column, a date column and a time column, month/day/year columns and
    a time column. None when no column holds a time.
    """
    named = _named(keys, time_names)
    named += [i for i, k in enumerate(keys) if k.endswith(("time", "timestamp", "date")) and i not in named]
    # When a SIEM indexed or ingested a row is not when it happened: such columns come last.
    named.sort(key=lambda i: _not_event(keys[i]))
    rest = [i for i in range(len(keys)) if i not in named]
    full = [i for i in named if _mostly(rows, i, read_full)]
    full += [i for i in rest if rows and all(i < len(r) and read_full(r[i]) for r in rows)]
    zoned = [i for i in full if any(i < len(r) and (p := read_full(r[i])) and p.offset is not None for r in rows)]
    epoch = [i for i in named + _named(keys, _EPOCH_NAMES) if _mostly(rows, i, read_epoch)]
    # A time of day only in a column named so (a `Duration` of 0:00:35 is no time); bare numbers (`081109`, `3.5`)
    # are a date only in a column named so.
    times = [i for i in named + rest if "time" in keys[i] and _mostly(rows, i, read_time)]
    dates = [i for i in named + rest if i not in times and _mostly(rows, i, read_date)
             and ("date" in keys[i] or _mostly(rows, i, _written_date))]
    if zoned:
        return _numeric(TimeColumns("full", (zoned[0],)), rows, date_order)
    if epoch and not (full and _not_event(keys[epoch[0]]) and not _not_event(keys[full[0]])):
        return TimeColumns("epoch", (epoch[0],))
    if full:
        return _numeric(TimeColumns("full", (full[0],)), rows, date_order)
    if dates and times:
        date = next((i for i in dates if "date" in keys[i]), dates[0])
        time = next((i for i in times if "time" in keys[i]), times[0])
        return _numeric(TimeColumns("date+time", (date, time)), rows, date_order)
    month = next((i for i in range(len(keys)) if _mostly(rows, i, lambda v: _MONTH_NAMES.get(v.strip().lower()))
                  or (keys[i] == "month" and _mostly(rows, i, _small(12)))), None)
    day = next((i for i in range(len(keys)) if keys[i] in ("day", "date", "dayofmonth") and i != month
                and _mostly(rows, i, _small(31))), None)
    if month is not None and day is not None and times:
        year = next((i for i in range(len(keys)) if keys[i] == "year"), -1)
        return TimeColumns("fields", (month, day, year, times[0]))
    return None


def _written_date(v: str):
    """A date with a four-digit year first or a month name: a date whatever its column is called."""
    p = read_date(v)
    return p if p is not None and p.nums is None else None


def _not_event(key: str) -> bool:
    return any(w in key for w in _NOT_EVENT_TIME)


def _small(top: int):
    return lambda v: v if v.strip().isdigit() and 1 <= int(v) <= top else None


def _numeric(columns: TimeColumns, rows: Sequence[Sequence[str]], date_order: str | None) -> TimeColumns:
    """`columns` with the order of its numeric date fields, when its dates have them."""
    i = columns.cols[0]
    read = read_full if columns.kind == "full" else read_date
    samples = [p.nums for r in rows if i < len(r) and (p := read(r[i])) is not None and p.nums is not None]
    if not samples:
        return columns
    widths = {len(n) for n in samples}
    if len(widths) > 1:
        return TimeColumns(columns.kind, columns.cols, None, "its dates have two and three fields")
    order, why = learn_order(samples, date_order)
    return TimeColumns(columns.kind, columns.cols, order, why)
