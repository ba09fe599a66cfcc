"""What the census counts, per person and per unit, and how a count waits for its name to be known.

A quoted string is counted as a finding only if it is an identity, and a
name may become one on a later line or in a later file (`"x@contoso.com"`
as a changed e-mail value before a record names the account). A finding of
a string not (yet) known waits on disk (`Spill`), so memory grows with the
identities, not the lines; `MapTally.settle` counts the waiting ones whose
string became an identity, once every unit is read.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from typing import Iterator

from ..scanning.spill import Spill, read_batches


def when_key(when: datetime) -> str:
    """A moment as a string that sorts as the moments do: UTC, microseconds, `Z` (the census's time keys). The
    year always has four digits (strftime's %Y writes year 500 as `500` on some platforms)."""
    utc = when.astimezone(timezone.utc)
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}." \
           f"{utc.microsecond:06d}Z"


def earliest(a: tuple | None, b: tuple | None) -> tuple | None:
    """Of two (moment or time key, unit, line, ...) the earlier; of equal ones the first met (`a`), as the
    scan's Report takes a person's first finding over findings in source and line order."""
    return b if a is None or (b is not None and b[:3] < a[:3]) else a


def latest(a: tuple | None, b: tuple | None) -> tuple | None:
    """Of two the later; of equal ones the last met (`b`)."""
    return b if a is None or (b is not None and b[:3] >= a[:3]) else a


class Person:
    """One person's counts over every unit (the map's entry, before it is written)."""

    __slots__ = ("findings", "counts", "past", "undated", "first", "last", "mentions", "mentions_past", "units")

    def __init__(self):
        self.findings = self.past = self.undated = 0
        self.mentions = 0  # lines whose record names the person without double quotes
        self.mentions_past = 0  # of them, older than the cut-off
        self.counts: dict[tuple[int, str], int] = {}  # (rule index, role) -> findings
        self.first = self.last = None  # (time key, unit, line, fraction): the earliest and the latest finding
        # The units it is in: one unit's number, or a set of them (100,000 people in one file: no 100,000 sets).
        self.units: int | set[int] | None = None

    def seen_in(self, unit: int) -> None:
        units = self.units
        if units is None:
            self.units = unit
        elif isinstance(units, int):
            if units != unit:
                self.units = {units, unit}
        else:
            units.add(unit)

    def unit_numbers(self) -> set[int]:
        units = self.units
        return set() if units is None else {units} if isinstance(units, int) else set(units)


class UnitStats:
    """One unit's lines against the retention cut-off, its span, and its findings past retention per person."""

    __slots__ = ("lines_past", "bytes_past", "lines_undated", "first", "last", "past", "named_past")

    def __init__(self):
        self.lines_past = self.bytes_past = self.lines_undated = 0
        self.first = self.last = None  # time keys of the oldest and newest record
        self.past: dict[str, int] = {}  # person -> findings past retention here
        self.named_past: set[str] = set()  # persons a record here older than the cut-off names without quotes

    def add(self, other: "UnitStats") -> None:
        """Take in the stats of a block of the same unit."""
        self.lines_past += other.lines_past
        self.bytes_past += other.bytes_past
        self.lines_undated += other.lines_undated
        if other.first is not None and (self.first is None or other.first < self.first):
            self.first = other.first
        if other.last is not None and (self.last is None or other.last > self.last):
            self.last = other.last
        for key, n in other.past.items():
            self.past[key] = self.past.get(key, 0) + n
        self.named_past |= other.named_past


class MapTally:
    """The census's counts for the whole map: per person (`people`), per unit (`units`), and the findings whose
    string is not yet known to be an identity (`waiting`)."""

    def __init__(self, cutoff_key: str):
        self.cutoff_key = cutoff_key
        self.people: dict[str, Person] = {}
        self.units: dict[int, UnitStats] = {}
        self.waiting = Spill()
        self._merged: list[Spill] = []  # the waiting findings of the units merged in
        self._files: list[str] = []  # and of the census's worker processes (census_pool)
        self._slots: dict[tuple, tuple] = {}

    def unit(self, number: int) -> UnitStats:
        """The unit's stats (made at its first block)."""
        stats = self.units.get(number)
        if stats is None:
            stats = self.units[number] = UnitStats()
        return stats

    def count(self, who: str, rule: int, role: str, key: str | None, fraction: bool, line: int, unit: int) -> None:
        """Count one finding of an identity (or of a --users-file person): its key, the rule's index (-1: none
        matched), the role, the time key (None: no time), whether the stamp wrote a fraction, its line and unit
        (the fields of a waiting finding, in that order)."""
        person = self.people.get(who)
        if person is None:
            person = self.people[who] = Person()
        person.findings += 1
        slot = (rule, role)
        slot = self._slots.setdefault(slot, slot)  # one tuple for every person's (rule, role)
        person.counts[slot] = person.counts.get(slot, 0) + 1
        person.seen_in(unit)
        if key is None:
            person.undated += 1
            return
        if key < self.cutoff_key:
            person.past += 1
            past = self.units[unit].past
            past[who] = past.get(who, 0) + 1
        here = (key, unit, line, fraction)
        person.first, person.last = earliest(person.first, here), latest(person.last, here)

    def mention(self, person_key: str, unit: int, key: str | None) -> None:
        """A line whose record names the person without double quotes, at time key `key` (None: no time)."""
        person = self.people.get(person_key)
        if person is None:
            person = self.people[person_key] = Person()
        person.mentions += 1
        person.seen_in(unit)
        if key is not None and key < self.cutoff_key:
            person.mentions_past += 1
            self.units[unit].named_past.add(person_key)

    def merge(self, other: "MapTally") -> None:
        """Take in one unit's tally (the census keeps a unit's own until it has read all of it)."""
        self._people(other.people)
        self.units.update(other.units)
        self._merged.append(other.waiting)
        self._files.extend(other._files)
        other._files = []

    def take(self, people: dict, stats: UnitStats, unit: int) -> None:
        """Take in the counts of a unit's blocks made in another process (`census_pool`)."""
        self._people(people)
        self.units[unit].add(stats)

    def waiting_in(self, path: str) -> None:
        """A file of waiting findings (pickled batches) a worker wrote; settled from there, removed with its
        folder when this tally is closed."""
        self._files.append(path)

    def _people(self, people: dict) -> None:
        for key, theirs in people.items():
            mine = self.people.get(key)
            if mine is None:
                self.people[key] = theirs
                continue
            mine.findings += theirs.findings
            mine.past += theirs.past
            mine.undated += theirs.undated
            for slot, n in theirs.counts.items():
                mine.counts[slot] = mine.counts.get(slot, 0) + n
            mine.mentions += theirs.mentions
            mine.mentions_past += theirs.mentions_past
            mine.first, mine.last = earliest(mine.first, theirs.first), latest(mine.last, theirs.last)
            for unit in theirs.unit_numbers():
                mine.seen_in(unit)

    def settle(self, is_identity) -> None:
        """Count the waiting findings whose string is an identity now that every unit is read; drop the rest."""
        try:
            for spill in (self.waiting, *self._merged, *map(_batches, self._files)):
                # as Census._findings appends them: (person, rule, role, key, fraction, line, unit); nearly all
                # are values that never became an identity (phone numbers, e-mail addresses changed)
                for item in [item for item in spill if is_identity(item[0])]:
                    self.count(*item)
        finally:
            self.close()

    def close(self) -> None:
        for spill in (self.waiting, *self._merged):
            spill.close()
        self._merged = []
        for path in self._files:
            shutil.rmtree(os.path.dirname(path), ignore_errors=True)
        self._files = []


def _batches(path: str) -> Iterator:
    """The items of a file of pickled batches, one batch in memory at a time."""
    with open(path, "rb") as f:
        yield from read_batches(f)
