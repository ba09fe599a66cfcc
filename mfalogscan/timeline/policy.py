"""The time a user asks about: zones, --since/--until/--as-of, the window, now, and UTC output.

`parse_zone` and `parse_when` read the options; `TimePolicy` is what a
scan applies (the zone of stamps written without one, `--year`, the
window); `iso_utc` and `instant` write and read the UTC stamps of findings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from ..errors import ConfigError

DAY = 86400
DATE_ORDERS = ("ymd", "dmy", "mdy")
_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": DAY, "w": 7 * DAY}


def parse_zone(name: str) -> tuple[tzinfo, str]:
    """An IANA zone name (Europe/Berlin), UTC, or an offset (+02:00, -0500)."""
    text = name.strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc, "UTC"
    if not text:
        raise ConfigError("--timezone: empty time zone (use an IANA name such as Europe/Berlin, or an offset such as +02:00)")
    m = re.fullmatch(r"(?:UTC)?([+-])(\d{1,2}):?(\d{2})?", text, re.I)
    if m:
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise ConfigError(f"--timezone: offset {name!r} is out of range (-14:00 to +14:00)")
        seconds = (hours * 3600 + minutes * 60) * (-1 if m.group(1) == "-" else 1)
        return timezone(timedelta(seconds=seconds)), text
    from dateutil import tz

    zone = tz.gettz(text)
    if zone is None:
        raise ConfigError(f"--timezone: unknown time zone {name!r} (use an IANA name such as Europe/Berlin, or an offset such as +02:00)")
    return zone, text


def parse_when(text: str, zone: tzinfo, now: datetime, option: str, end: bool = False) -> datetime:
    """An ISO date, a free-form date (python-dateutil), or an age such as 90d, 12h, 2w (before `now`).

    A partial date means its whole period: `--since 2024` is 1 January 2024,
    `--until March 2024` the end of 31 March 2024 (with `end`). A time alone
    is today's. Nothing is taken from the clock but `now`.
    """
    t = text.strip()
    ages = _AGE.findall(t)
    if ages and "".join(n + u for n, u in ages).replace(" ", "") == t.replace(" ", ""):
        return now - timedelta(seconds=sum(float(n) * _UNITS[u.lower()] for n, u in ages))
    from dateutil import parser

    try:
        a = parser.parse(t, default=datetime(1904, 1, 1, 0, 0, 0))
        b = parser.parse(t, default=datetime(1908, 2, 2, 1, 1, 1))
    except (ValueError, OverflowError):
        raise ConfigError(f"{option}: cannot read {text!r} as a date, time or age (e.g. 2024-03-01, '1 Mar 2024 10:00', 90d, 12h)") from None
    wrote = {f: getattr(a, f) == getattr(b, f) for f in ("year", "month", "day", "hour", "minute", "second")}
    today = now.astimezone(a.tzinfo or zone)
    if not (wrote["year"] or wrote["month"] or wrote["day"]):
        a = a.replace(year=today.year, month=today.month, day=today.day)
    elif not wrote["year"]:
        a = a.replace(year=today.year)
    when = a if a.tzinfo is not None else a.replace(tzinfo=zone)
    if end and not wrote["second"]:
        # The end of the period written: the year, month, day, hour or minute.
        if not wrote["hour"] and not wrote["day"]:
            nxt = when.replace(year=when.year + 1, month=1) if not wrote["month"] else (
                when.replace(year=when.year + 1, month=1) if when.month == 12 else when.replace(month=when.month + 1))
        elif not wrote["hour"]:
            nxt = when + timedelta(days=1)
        elif not wrote["minute"]:
            nxt = when + timedelta(hours=1)
        else:
            nxt = when + timedelta(minutes=1)
        when = nxt - timedelta(microseconds=1)
    return when


def reference_now() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible runs)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class TimePolicy:
    zone: tzinfo = timezone.utc
    zone_label: str = "UTC"
    year: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: How numeric dates (`03/04/2021`, `17/06/09`) are read where a source cannot prove it: ymd, dmy or mdy.
    date_order: str | None = None

    def __post_init__(self):
        if self.date_order is not None and self.date_order not in DATE_ORDERS:
            raise ConfigError(f"--date-order: {self.date_order!r} is not one of {', '.join(DATE_ORDERS)}"
                              " (year-month-day, day-month-year, month-day-year)")

    def in_window(self, when: datetime) -> bool:
        return (self.since is None or when >= self.since) and (self.until is None or when <= self.until)


def iso_utc(when: datetime | None, fraction: bool) -> str | None:
    if when is None:
        return None
    utc = when.astimezone(timezone.utc)
    return utc.isoformat(timespec="microseconds" if fraction else "seconds").replace("+00:00", "Z")


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def micros(when: datetime) -> int:
    """An aware datetime as whole microseconds since 1970 (exact: no float in between)."""
    return (when - _EPOCH) // timedelta(microseconds=1)


def instant(stamp: str | None) -> datetime | None:
    """A finding's UTC stamp as a datetime (None stays None)."""
    if stamp is None:
        return None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def local_instant(wall: datetime, zone: tzinfo, label: str) -> tuple[datetime | None, str | None]:
    """A wall-clock time in `zone` as an instant, or None and why: a time that a daylight-saving change skipped
    or repeated names no single instant."""
    from dateutil import tz

    when = wall.replace(tzinfo=zone)
    if not tz.datetime_exists(when):
        return None, f"{wall.isoformat()} does not exist in {label} (the clocks went forward over it)"
    if tz.datetime_ambiguous(when):
        return None, f"{wall.isoformat()} is ambiguous in {label} (the clocks went back over it)"
    return when, None
