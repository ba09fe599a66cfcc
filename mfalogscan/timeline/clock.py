"""One source's clock: years for year-less stamps, zones assumed, stamps resolved at the source's end.

- A stamp with an offset (native `Z`, RFC 5424, most CSV exports) is exact.
- A stamp with no zone (RFC 3164, Kiwi, some CSVs) is read in `--timezone`
  (default UTC), and the source's status says so.
- A stamp with no year (RFC 3164) gets it from, in order: `--year` (the
  year of the source's first record), years written elsewhere in the same
  source, the gzip header's time, a zip entry's date, the file's
  modification time (the last record was written before it). Going through
  the source in order, a step back of more than a day (Dec -> Jan) starts a
  new year; a line less than a day earlier than the latest is a reordering
  (same year); a line within a day *before the end* of the previous year
  after a new year has begun is a late line of that year. 29 February is
  kept only in leap years: when the evidence is a file time, the years are
  moved (by as little as possible) so that it falls in one.
All findings are finally given in UTC, `Z`, with `timestamp_raw` as written.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .policy import DAY, TimePolicy
from .stamps import Stamp

_REF_LEAP = 2000  # a leap year, so that 29 February has a place when ordering year-less stamps
_YEAR = 366 * DAY  # the length of the reference year
# A step back of up to two days is a reordering: two, not one, because in the
# (leap) reference year 28 February to 1 March spans a 29 February that a
# common year does not have.
_REORDER = 2 * DAY


def _dst_state(zone, year: int, month: int, day: int, hour: int, minute: int) -> str | None:
    from dateutil import tz

    when = datetime(year, month, day, hour, minute, tzinfo=zone)
    if not tz.datetime_exists(when):
        return "does not exist"
    if tz.datetime_ambiguous(when):
        return "is ambiguous"
    return None


def _seconds_in_ref_year(stamp: Stamp) -> float:
    start = datetime(_REF_LEAP, 1, 1)
    try:
        moment = datetime(_REF_LEAP, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second, stamp.microsecond)
    except ValueError:
        return 0.0
    return (moment - start).total_seconds()


class YearTracker:
    """Gives each year-less stamp, in stream order, a relative year (0 for the first record's year).

    A step back of more than half a year in the calendar (December to
    January) is a new year. A step back of more than two days but less than
    half a year is no new year: the lines are not in time order (Snare groups
    them by event id, a collector merges two feeds); `steps_back` counts
    them, and the first is kept in `first_step_back`, so the source can say so.
    """

    def __init__(self):
        self.epoch = 0
        self._latest: float | None = None
        self.last: tuple[Stamp, int] | None = None  # the latest stamp of the latest year
        self.steps_back = 0
        self.first_step_back: tuple[str, str] | None = None  # (the stamp before, the stamp that went back)

    def observe(self, stamp: Stamp) -> int:
        """The stamp's relative year, taking it as evidence of the source's order (a sampled line)."""
        return self._step(stamp, True)

    def place(self, stamp: Stamp) -> int:
        """The stamp's relative year, as observe() would give it, leaving the evidence as it is (a finding's line:
        who is searched must not change the years or the span of the source)."""
        return self._step(stamp, False)

    def stepped_back(self, stamp: Stamp) -> bool:
        """The stamp is more than two days, but less than half a year, before the latest sampled one: either the
        lines are out of order, or a new year began on lines no sample has seen yet."""
        if self._latest is None or not stamp.valid(_REF_LEAP):
            return False
        back = self._latest - _seconds_in_ref_year(stamp)
        return _REORDER < back <= _YEAR / 2

    def _step(self, stamp: Stamp, commit: bool) -> int:
        if not stamp.valid(_REF_LEAP):
            return self.epoch  # 30 February and the like: no place in any year, no evidence
        t = _seconds_in_ref_year(stamp)
        if self._latest is None:
            if commit:
                self._latest = t
                self.last = (stamp, 0)
            return 0
        if self.epoch > 0 and self._latest < _REORDER and t > _YEAR - _REORDER:
            return self.epoch - 1  # a late line from the very end of the previous year
        if t - self._latest < -_YEAR / 2:  # back by more than half a year: a new year has begun
            if not commit:
                return self.epoch + 1
            self.epoch += 1
            self._latest = t
            self.last = (stamp, self.epoch)
            return self.epoch
        if t - self._latest < -_REORDER and commit and stamp.year is None:  # further back, but no new year
            self.steps_back += 1
            if self.first_step_back is None and self.last is not None:
                self.first_step_back = (self.last[0].raw, stamp.raw)
        if t >= self._latest and commit:
            self._latest = t
            self.last = (stamp, self.epoch)
        return self.epoch


@dataclass
class SourceClock:
    """One source's time evidence, gathered in stream order and resolved at its end.

    What it keeps does not grow with the source: the first written year, the
    relative years of 29 February stamps, the earliest and latest moment of
    stamps that carry their year, and the year-less stamps themselves in
    `waiting` (a list, or the caller's spill to disk), which only the
    source's end can place.
    """

    policy: TimePolicy
    waiting: object = field(default_factory=list)
    #: With --year, no year-less stamp is placed after this (--as-of, or the time of the run, and a day for
    #: zones): a year counted forward from --year cannot put a record there. (Without --year the years are
    #: counted back from the end of the source, which is never later than its file time.)
    limit: datetime | None = None

    def __post_init__(self):
        self.tracker = YearTracker()
        self.written_years: list[tuple[int, int]] = []  # the first (relative year, written year)
        self.feb29: set[int] = set()  # relative years of 29 February stamps
        self.used_zone = False
        self.needs_year = False
        self.years_in_text = False  # some years came from full dates in the messages (Stamp.year_in_text)
        self._dst_hours: dict[tuple, bool] = {}  # local hours: does a daylight-saving change touch them
        self._tentative: list[list] = []  # [line position, placed epoch, settled epoch or None] (see observe)
        self._unsettled = 0  # the first of _tentative not settled yet
        self._earliest: datetime | None = None  # of the stamps that have a year
        self._latest: datetime | None = None
        self._latest_raw = ""
        #: Sampled stamps more than two days before the latest (with their year) and the first such (before, after).
        self.steps_back = 0
        self.first_step_back: tuple[str, str] | None = None

    def order_breaks(self) -> tuple[int, tuple[str, str] | None]:
        """How many sampled lines went back more than two days (without a new year), and the first of them."""
        return self.steps_back + self.tracker.steps_back, self.first_step_back or self.tracker.first_step_back

    def observe(self, stamp: Stamp | None, sample: bool = False, at: int = -1) -> int:
        """The stamp's relative year. Only samples (`sample`: the first lines, a line every so many bytes, the
        last lines) are evidence of the source's order, years and span, so that these are the source's own,
        whoever is searched; a finding's stamp is placed among them. `at` is the line's position in the stream.

        A finding that steps back less than half a year is placed when the first sample at or after its line
        is seen: if that sample is in a later year, the finding is in the next one (a new year began on lines
        between the samples); else in the year it was placed in. Such a placement is a negative number until
        then (`epoch_of` reads it)."""
        if stamp is None:
            return 0
        if not sample:
            if stamp.offset is None:
                self.used_zone = True
            if stamp.year is not None:
                return 0  # a stamp with its year needs no relative year: resolve() does not read it
            epoch = self.tracker.place(stamp)
            self.needs_year = True
            if (stamp.month, stamp.day) == (2, 29):
                self.feb29.add(epoch)  # its year must be a leap year, sampled or not
            if at >= 0 and self.tracker.stepped_back(stamp):
                self._tentative.append([at, epoch, None])
                epoch = -len(self._tentative)
            return epoch
        epoch = self.tracker.observe(stamp)
        if at >= 0:
            self._settle_tentative(at)
        if stamp.offset is None:
            self.used_zone = True
        self.years_in_text |= stamp.year_in_text
        if stamp.year is not None:
            if not self.written_years:
                self.written_years.append((epoch, stamp.year))
            when = self.resolve(stamp, epoch, None)
            if when is not None:
                if self._latest is not None and (self._latest - when).total_seconds() > _REORDER:
                    self.steps_back += 1  # a stamp with its year, more than two days before the latest so far
                    if self.first_step_back is None:
                        self.first_step_back = (self._latest_raw, stamp.raw)
                if self._latest is None or when > self._latest:
                    self._latest_raw = stamp.raw
                if self._earliest is None or when < self._earliest:
                    self._earliest = when
                if self._latest is None or when > self._latest:
                    self._latest = when
        else:
            self.needs_year = True
            if (stamp.month, stamp.day) == (2, 29):
                self.feb29.add(epoch)
            self.waiting.append((stamp, epoch))
        return epoch

    def base_year(self, file_times: list[tuple[str, float]], now: datetime) -> tuple[int | None, str | None]:
        """The year of relative year 0, and where it came from."""
        if not self.needs_year:
            return None, ("full dates written in the messages" if self.years_in_text else None)
        if self.policy.year is not None:
            return self.policy.year, f"--year {self.policy.year}"
        if self.written_years:
            epoch, year = self.written_years[0]
            if self.years_in_text:
                return year - epoch, "full dates written in the messages, and for lines without one, counted from them"
            return year - epoch, "years written elsewhere in the source"
        if self.tracker.last is None:
            return None, None  # every year-less stamp was a date of no year (30 February): nothing to place
        for label, when in file_times + [("the time of this run (no other evidence)", now.timestamp())]:
            if when is None:
                continue
            ref = datetime.fromtimestamp(when, self.policy.zone)
            stamp, epoch = self.tracker.last
            year = ref.year
            last = stamp.to_datetime(year, self.policy.zone) if stamp.valid(year) else None
            if last is None or last > ref + timedelta(days=1):
                year -= 1
            base = year - epoch
            base, moved = self._fit_feb29(base)
            day = ref.strftime("%Y-%m-%d")
            return base, f"{label} ({day})" + (f"; moved {moved:+d} year(s) to put 29 February in a leap year" if moved else "")
        return None, None

    def _fit_feb29(self, base: int) -> tuple[int, int]:
        if not self.feb29:
            return base, 0
        # The evidence marks the end of the source, so the years only move back.
        for shift in (0, -1, -2, -3, -4):
            if all(calendar.isleap(base + shift + e) for e in self.feb29):
                return base + shift, shift
        return base, 0

    def span(self, base: int | None) -> tuple[datetime | None, datetime | None]:
        """The earliest and the latest moment of the sampled stamps (None, None when none resolves)."""
        earliest, latest = self._earliest, self._latest
        for stamp, epoch in self.waiting:
            when = self.resolve(stamp, epoch, base)
            if when is not None:
                earliest = when if earliest is None or when < earliest else earliest
                latest = when if latest is None or when > latest else latest
        return earliest, latest

    def _settle_tentative(self, at: int) -> None:
        marks = self._tentative
        while self._unsettled < len(marks) and at >= marks[self._unsettled][0]:
            mark = marks[self._unsettled]
            mark[2] = mark[1] + 1 if self.tracker.epoch > mark[1] else mark[1]
            self._unsettled += 1

    def epoch_of(self, epoch: int) -> int:
        """A placement's relative year (observe() gives a negative number for one settled later)."""
        if epoch >= 0:
            return epoch
        placed, settled = self._tentative[-epoch - 1][1:]
        return placed if settled is None else settled

    def _dst_gap_or_fold(self, when: datetime) -> str | None:
        """For a local time in a zone with daylight saving: "does not exist" (clocks went forward over it) or
        "is ambiguous" (clocks went back over it); None when it names one instant."""
        zone = self.policy.zone
        if isinstance(zone, timezone):
            return None
        hour = (when.year, when.month, when.day, when.hour)
        special = self._dst_hours.get(hour)
        if special is None:  # one look per hour of local time: is either end of it in a gap or a fold?
            special = self._dst_hours[hour] = any(_dst_state(zone, *hour, m) for m in (0, 59))
        return _dst_state(zone, *hour, when.minute) if special else None

    def why_not(self, stamp: Stamp, epoch: int, base: int | None) -> str:
        epoch = self.epoch_of(epoch)
        """Why resolve() gives this stamp no time."""
        if stamp.year is None and base is None:
            return f"{stamp.raw!r} has no year, and the source gives no evidence of one"
        year = stamp.year if stamp.year is not None else base + epoch
        if (stamp.month, stamp.day) == (2, 29) and stamp.valid(2000) and not stamp.valid(year):
            return f"{stamp.raw!r} is 29 February, which {year} does not have"
        if (wrong := stamp.weekday_wrong(year)) is not None:
            return wrong + (f" (the year {year} is the source's, not written)" if stamp.year is None else "")
        if stamp.year is None and self.limit is not None:
            return (f"{stamp.raw!r} would be in {year}, counted forward from --year, after --as-of or the time of "
                    "the run: that year cannot be right (check --year)")
        if year is not None and stamp.offset is None:
            local = stamp.to_datetime(year, self.policy.zone)
            state = self._dst_gap_or_fold(local) if local is not None else None
            if state is not None:
                return (f"{stamp.raw!r} {state} in {self.policy.zone_label} on that day (daylight saving): "
                        "it names no single instant")
        return f"{stamp.raw!r} is no time in {year}"

    def resolve(self, stamp: Stamp | None, epoch: int, base: int | None) -> datetime | None:
        if stamp is None:
            return None
        if epoch < 0:
            epoch = self.epoch_of(epoch)
        year = None if stamp.year is not None else (None if base is None else base + epoch)
        when = stamp.to_datetime(year, self.policy.zone)
        if when is None:
            return None
        if stamp.weekday is not None and when.weekday() != stamp.weekday:
            return None  # the weekday written contradicts the date (in the year the evidence gives: see why_not)
        if stamp.offset is None and self._dst_gap_or_fold(when) is not None:
            return None  # a local time that did not exist, or existed twice, that day: no one instant
        if year is not None and self.limit is not None and when > self.limit:
            return None  # a counted year past the end of the evidence (see `limit`)
        # In UTC at once: aware datetimes sharing a zone compare by wall clock, wrong across DST.
        return when.astimezone(timezone.utc)
