"""The data map: one entry per identity, one per source, and a summary a controller can act on.

`inventory(config)`:

1. the first pass (`census_unit.FirstPass`): each native UTF-8 unit (the
   service log and its backups) is counted by the census in one read; every
   other unit, and one the census gives up on, is read by the reference's
   discovery (`scanning.identities`) for the identities it holds. Names that
   differ only by case or Unicode form are one identity (`name_key`); the
   first spelling met names it, and the `--users-file` persons in
   `config.subjects` group a person's names;
2. counting the rest: when a unit took the reference path, `scan()` with
   every identity a subject reads those units (the census's stand in with
   their first-pass status). Each entry's counts, roles, first and last seen
   and findings past retention are the census's plus the scan's
   (`entries.merged_entries`), so a scan with the map's CSV as
   `--users-file` finds exactly the findings the map counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import chain
from typing import Mapping

from ..config import ScanConfig, Subject, check_name
from ..errors import ConfigError
from ..evidence.report import Report, scan
from ..model import SourceStatus
from ..rules.load import load_rules
from ..scanning.identities import Sighting, identities_of_unit
from ..scanning.pipeline import scan_events
from ..scanning.source import scan_unit
from ..search.casefold import name_key
from ..timeline.policy import reference_now
from .census import PERSON
from .census_lines import commutes
from .census_unit import Counted, FirstPass, only, standing_in
from .entries import merged_entries, spanned
from .tally import when_key

MAP_FORMAT = "mfalogscan-data-map/1"


@dataclass(frozen=True)
class IdentityEntry:
    """One identity (a person: a name and the other names it goes by) and what the logs hold of it."""

    identity: str
    key: str
    aliases: tuple[str, ...]
    findings: int
    mentions: int
    by_category: Mapping[str, int]
    by_kind: Mapping[str, int]
    by_role: Mapping[str, int]
    first_seen: str | None
    last_seen: str | None
    undated: int
    past_retention: int
    sources: tuple[str, ...]
    #: Its mentions older than the cut-off (in the files the census read: the scan's mentions have no time here).
    mentions_past_retention: int = 0

    def to_dict(self) -> dict:
        d = {"type": "identity"}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            d[name] = dict(value) if isinstance(value, Mapping) else list(value) if isinstance(value, tuple) else value
        return d


@dataclass(frozen=True)
class SourceEntry:
    """One source: its span, and how many identities have findings past retention in it."""

    path: str
    status: str
    reason: str | None
    format: str | None
    first_timestamp: str | None
    last_timestamp: str | None
    rotation_set: str | None
    identities: int
    identities_past_retention: int
    findings_past_retention: int
    #: Lines (events) whose time is before the retention cut-off, their bytes, and lines with no known time
    #: (None where not measured: a source that was not read as text or events).
    lines_past_retention: int | None = None
    bytes_past_retention: int | None = None
    lines_undated: int | None = None

    def to_dict(self) -> dict:
        return {"type": "source", **{name: getattr(self, name) for name in self.__dataclass_fields__}}


@dataclass(frozen=True)
class RotationSet:
    """A log and its backups (the scan's rotation sets): how many files, and the whole span they keep."""

    name: str
    files: int
    first_timestamp: str | None
    last_timestamp: str | None
    bytes: int
    lines_past_retention: int

    def to_dict(self) -> dict:
        return {"type": "rotation_set", **{name: getattr(self, name) for name in self.__dataclass_fields__}}


@dataclass
class DataMap:
    identities: list[IdentityEntry]
    sources: list[SourceEntry]
    retention_days: int
    retention_cutoff: str | None
    report: Report | None = field(default=None, repr=False)  # the counting scan (None when nothing was found)
    skipped_names: dict[str, str] = field(default_factory=dict)  # a name found but not searchable, and why
    rotation_sets: list[RotationSet] = field(default_factory=list)
    #: Every source's status (first pass; the counting scan's where one ran), with the census's spans.
    statuses: list[SourceStatus] = field(default_factory=list, repr=False)
    #: The units the census counted (the others took the reference path: inventory.census_unit).
    census_units: frozenset[str] = frozenset()
    #: The units the census gave up on, and why (they took the reference path: slower, the same counts).
    given_up: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        past = [s for s in self.sources if s.findings_past_retention or s.lines_past_retention]
        names_past = sum(1 for e in self.identities if e.past_retention or e.mentions_past_retention)
        oldest = min((s.first_timestamp for s in self.sources if s.first_timestamp), default=None)
        return {"type": "summary", "identities": len(self.identities), "sources": len(self.sources),
                "sources_past_retention": len(past), "identities_past_retention": names_past,
                "oldest_record": oldest, "retention_days": self.retention_days,
                "retention_cutoff": self.retention_cutoff}

    def close(self) -> None:
        if self.report is not None:
            self.report.close()


def _first_pass(config: ScanConfig, rules, census: bool) -> tuple[FirstPass, list[SourceStatus], dict[str, Sighting], dict]:
    """Every unit once: the census where it reads the unit, else the reference's discovery. Serial: the census's
    tally is the process's own."""
    cutoff = (config.as_of or reference_now()) - timedelta(days=config.retention_days)
    first = FirstPass(rules, config.subjects, when_key(cutoff), bool(config.rules_files), census, config.jobs)
    statuses, sightings, counted = [], {}, {}
    discovering = replace(config, subjects=(), discovering=True, jobs=1)
    try:
        for item in scan_events(discovering, rules, unit_scanner=first.scan_unit):
            if isinstance(item, Sighting):
                sightings[item.source] = item
            elif isinstance(item, Counted):
                counted[item.source] = item
            elif isinstance(item, SourceStatus):
                statuses.append(item)
        failed = {path for path, c in counted.items() if c.failed is not None}
        if failed:  # the units the census gave up on: the reference's discovery reads them again
            for item in scan_events(discovering, rules, unit_scanner=only(failed, identities_of_unit)):
                if isinstance(item, Sighting):
                    sightings[item.source] = item
    except BaseException:  # an error, Ctrl-C: the waiting findings' files go too
        first.tally.close()
        raise
    first.given_up = {p: c.failed for p, c in counted.items() if c.failed is not None}
    return first, statuses, sightings, {p: c for p, c in counted.items() if c.failed is None}


def _found(first: FirstPass, sightings: dict[str, Sighting]) -> dict[str, str]:
    """Every identity: key -> the first spelling met, in unit order (a unit the census gave up on in its place,
    with the names the reference's discovery read in it)."""
    found: dict[str, str] = {}
    for path, names in first.order:
        if names is None:
            sighting = sightings.get(path)
            names = [(name_key(n), n) for n in sighting.names] if sighting is not None else []
        for key, name in names:
            found.setdefault(key, name)
    first.known.clear()  # the census is done with it
    return found


def _subjects(found: dict[str, str], given: tuple[Subject, ...], short_names: bool) -> tuple[tuple, dict, set]:
    """The persons to count: each `--users-file` person (with every found name of theirs), then every other
    identity found, in key order (deterministic); the names not counted, and why; the keys of those counted."""
    claimed = {name_key(n): s for s in given for n in s.names}
    subjects = list(given)
    skipped, searched = {}, set()
    for key in sorted(found):
        if key in claimed:
            continue
        name = found[key]
        try:
            check_name(name, "a name found in the logs", short_names)
        except ConfigError as e:
            skipped[name] = str(e)
            continue
        subjects.append(Subject(name))
        searched.add(key)
    return tuple(subjects), skipped, searched


def inventory(config: ScanConfig, census: bool = True) -> DataMap:
    """Every identity the sources hold, counted as a scan counts it (see the module's docstring). With `census`
    False every unit takes the reference path: the slow oracle the census is tested against."""
    # One moment for both passes: the census's cut-off and the counting scan's must be the same.
    config = replace(config, as_of=config.as_of or reference_now())
    rules = load_rules(config.rules_files)
    first, statuses, sightings, counted = _first_pass(config, rules, census)
    first.named.clear()  # the census's cache of group values: no longer needed
    try:
        found = _found(first, sightings)
    except BaseException:
        first.tally.close()
        raise
    if census and counted and not all(map(commutes, chain(found.values(), (n for s in config.subjects for n in s.names)))):
        # A name whose case folding and Unicode forms do not commute (census.commutes): the census's counts of
        # its quoted strings may differ from the matcher's, so the whole map takes the reference path.
        first.tally.close()
        return inventory(config, census=False)
    subjects, skipped, searched = _subjects(found, config.subjects, config.short_names)
    found.clear()
    first.tally.settle(searched.__contains__)
    by_path = {s.path: s for s in statuses}
    report = None
    if subjects and any(path not in counted for path in by_path):
        # The units the census did not count: a scan with every identity as a subject, standing in the census's
        # statuses for its own units so that the Report lists every source.
        stand_in = {p: by_path[p] for p in counted if p in by_path}
        report = scan(replace(config, subjects=subjects), rules, unit_scanner=standing_in(stand_in, scan_unit))
    cutoff = config.as_of - timedelta(days=config.retention_days)
    unit_paths = {c.number: path for path, c in counted.items()}
    entries = merged_entries(subjects, config.subjects, first.tally, report, rules.rules, IdentityEntry, unit_paths,
                             first.numbers)
    listed = spanned(statuses, report, counted, first.tally, config.gap_threshold)
    sources = _sources(listed, report, counted, first.tally, entries, sightings, searched)
    return DataMap(entries, sources, config.retention_days, cutoff.isoformat().replace("+00:00", "Z"), report,
                   skipped, _rotation_sets(listed, sources), listed, frozenset(counted), first.given_up)


def _aged(sighting: Sighting | None) -> tuple:
    if sighting is None:
        return None, None, None
    return sighting.lines_past_retention, sighting.bytes_past_retention, sighting.lines_undated


def _sources(listed: list[SourceStatus], report: Report | None, counted: dict, tally, entries: list[IdentityEntry],
             sightings: dict[str, Sighting], searched: set[str]) -> list[SourceEntry]:
    named: dict[str, set[str]] = {}
    for e in entries:
        for path in e.sources:
            named.setdefault(path, set()).add(e.identity)
    past_in_report = {s.path: s.past_retention for s in report.sources} if report is not None else {}
    out = []
    for s in listed:
        c = counted.get(s.path)
        if c is not None:
            stats = tally.units[c.number]
            past = {k: n for k, n in stats.past.items() if k in searched or k.startswith(PERSON)}
            named_past = len(past) + sum(1 for k in stats.named_past if k not in past and
                                         (k in searched or k.startswith(PERSON)))
            aged = (stats.lines_past, stats.bytes_past, stats.lines_undated)
        else:
            past = past_in_report.get(s.path, {})
            named_past = sum(1 for n in past.values() if n)
            aged = _aged(sightings.get(s.path))
        out.append(SourceEntry(s.path, s.status, s.reason, s.format, s.first_timestamp, s.last_timestamp,
                               s.rotation_set, len(named.get(s.path, ())), named_past, sum(past.values()), *aged))
    return out


def _rotation_sets(listed: list[SourceStatus], sources: list[SourceEntry]) -> list[RotationSet]:
    groups: dict[str, list] = {}
    aged = {s.path: s.lines_past_retention or 0 for s in sources}
    for s in listed:
        if s.rotation_set is not None:
            groups.setdefault(s.rotation_set, []).append(s)
    out = []
    for name in sorted(groups):
        members = groups[name]
        firsts = [s.first_timestamp for s in members if s.first_timestamp]
        lasts = [s.last_timestamp for s in members if s.last_timestamp]
        out.append(RotationSet(name, len(members), min(firsts, default=None), max(lasts, default=None),
                               sum(s.bytes for s in members), sum(aged.get(s.path, 0) for s in members)))
    return out
