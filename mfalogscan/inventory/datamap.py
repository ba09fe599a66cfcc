"""The data map: one entry per identity, one per source, and a summary a controller can act on.

`inventory(config)`:

1. discovery: `scan_events(..., unit_scanner=identities_of_unit)` gives each
   unit's identities as written. Names that differ only by case or Unicode
   form are one identity (`name_key`); the first spelling met names it, and
   the `--users-file` persons in `config.subjects` group a person's names;
2. counting: `scan()` with every identity a subject. Each entry's counts,
   roles, first and last seen and findings past retention are the scan's
   own for that subject, so a scan with the map's CSV as `--users-file`
   finds exactly what the map counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from ..config import ScanConfig, Subject, check_name
from ..errors import ConfigError
from ..evidence.report import Report, scan
from ..model import SourceStatus
from ..rules.load import load_rules
from ..scanning.identities import Sighting, identities_of_unit
from ..scanning.pipeline import scan_events
from ..search.casefold import name_key

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
    #: The sources as the first pass read them (what says whether each was read in full when nothing was found).
    statuses: list[SourceStatus] = field(default_factory=list, repr=False)

    def summary(self) -> dict:
        past = [s for s in self.sources if s.findings_past_retention or s.lines_past_retention]
        names_past = sum(1 for e in self.identities if e.past_retention)
        oldest = min((s.first_timestamp for s in self.sources if s.first_timestamp), default=None)
        return {"type": "summary", "identities": len(self.identities), "sources": len(self.sources),
                "sources_past_retention": len(past), "identities_past_retention": names_past,
                "oldest_record": oldest, "retention_days": self.retention_days,
                "retention_cutoff": self.retention_cutoff}

    def close(self) -> None:
        if self.report is not None:
            self.report.close()


def _discover(config: ScanConfig) -> tuple[dict[str, str], list[SourceStatus], dict[str, Sighting]]:
    first: dict[str, str] = {}  # key -> the first spelling met
    statuses, sightings = [], {}
    discovering = replace(config, subjects=(), discovering=True)
    for item in scan_events(discovering, load_rules(config.rules_files), unit_scanner=identities_of_unit):
        if isinstance(item, Sighting):
            sightings[item.source] = item
            for name in item.names:
                first.setdefault(name_key(name), name)
        elif isinstance(item, SourceStatus):
            statuses.append(item)
    return first, statuses, sightings


def _subjects(found: dict[str, str], given: tuple[Subject, ...], short_names: bool) -> tuple[tuple[Subject, ...], dict]:
    """The persons to count: each `--users-file` person (with every found name of theirs), then every other
    identity found, in key order (deterministic)."""
    claimed = {name_key(n): s for s in given for n in s.names}
    subjects = list(given)
    skipped = {}
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
    return tuple(subjects), skipped


def inventory(config: ScanConfig) -> DataMap:
    """Every identity the sources hold, counted as a scan counts it (see the module's docstring)."""
    found, statuses, sightings = _discover(config)
    subjects, skipped = _subjects(found, config.subjects, config.short_names)
    if not subjects:  # nobody in the logs: the sources as the first pass read them
        sources = [SourceEntry(s.path, s.status, s.reason, s.format, None, None, None, 0, 0, 0,
                               *_aged(sightings.get(s.path))) for s in statuses]
        return DataMap([], sources, config.retention_days, None, None, skipped, statuses=statuses)
    report = scan(replace(config, subjects=subjects))
    per_user_sources: dict[str, set[str]] = {}
    for f in report.findings:
        per_user_sources.setdefault(f.user, set()).add(f.source)
    for s in report.sources:
        for user in s.mentions:
            per_user_sources.setdefault(user, set()).add(s.path)
    by_name = {s.name: s for s in subjects}
    entries = []
    for u in report.summary.users:
        if not (u.findings or u.mentions) and u.user not in {s.name for s in config.subjects}:
            continue  # found as a name in the first pass, but a scan finds nothing (cannot happen; kept honest)
        entries.append(IdentityEntry(
            identity=u.user, key=name_key(u.user), aliases=by_name[u.user].aliases, findings=u.findings,
            mentions=u.mentions, by_category=u.by_category, by_kind=u.by_kind, by_role=u.by_role,
            first_seen=u.first_seen, last_seen=u.last_seen, undated=u.undated, past_retention=u.past_retention,
            sources=tuple(sorted(per_user_sources.get(u.user, ()))),
        ))
    entries.sort(key=lambda e: e.key)
    cutoff = report.retention_cutoff
    sources = _sources(report, entries, sightings)
    return DataMap(entries, sources, config.retention_days, cutoff.isoformat().replace("+00:00", "Z") if cutoff else None,
                   report, skipped, _rotation_sets(report, sources), statuses)


def _aged(sighting: Sighting | None) -> tuple:
    if sighting is None:
        return None, None, None
    return sighting.lines_past_retention, sighting.bytes_past_retention, sighting.lines_undated


def _sources(report: Report, entries: list[IdentityEntry], sightings: dict[str, Sighting]) -> list[SourceEntry]:
    named: dict[str, set[str]] = {}
    for e in entries:
        for path in e.sources:
            named.setdefault(path, set()).add(e.identity)
    out = []
    for s in report.sources:
        out.append(SourceEntry(s.path, s.status, s.reason, s.format, s.first_timestamp, s.last_timestamp,
                               s.rotation_set, len(named.get(s.path, ())), sum(1 for n in s.past_retention.values() if n),
                               sum(s.past_retention.values()), *_aged(sightings.get(s.path))))
    return out


def _rotation_sets(report: Report, sources: list[SourceEntry]) -> list[RotationSet]:
    groups: dict[str, list] = {}
    aged = {s.path: s.lines_past_retention or 0 for s in sources}
    for s in report.sources:
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
