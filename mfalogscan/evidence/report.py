"""Collecting a scan's events into a Report: findings, sources, per-user summaries.

`scan(config)` runs the scan (`scanning.scan_events`) and returns the
finished Report: events linked across sources, copies and rotation sets
annotated, retention marked.
"""

from __future__ import annotations

import os

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Callable, Iterable, Iterator

from ..config import ScanConfig
from ..rules.load import RuleSet, load_rules
from ..scanning.pipeline import scan_events
from .attachment import load_export
from .events import annotate_sources
from .stores import load_wording
from .store import FindingStore
from ..timeline.policy import instant, iso_utc, reference_now
from ..model import (
    evolve,
    STATUS_PARTIAL,
    STATUS_SCANNED,
    STATUS_SKIPPED,
    STATUS_UNREADABLE,
    Finding,
    SourceStatus,
    Summary,
    UserSummary,
)

class Findings(Sequence):
    """A Report's findings as a sequence read from its on-disk store, in source order then line order."""

    def __init__(self, store: FindingStore):
        self._store = store

    def __len__(self) -> int:
        return len(self._store)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._store)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._store.at(index)

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, (list, tuple, Findings)) else NotImplemented

    def of(self, user: str) -> Iterator[Finding]:
        """One person's findings, in order."""
        return self._store.of(user)


class Report:
    """A whole scan, ready for a printer: sources in memory, findings on disk (see evidence.store).

    `add()` takes the scan's events as they come, marks retention (the
    cutoff is fixed when the Report is made) and counts each person's
    findings; `on_finding`, if given, sees every finding at once (JSON Lines
    stream them). `finish()` links events across sources and annotates the
    sources, which needs every source.
    """

    def __init__(self, config: ScanConfig, rules_sha256: str | None = None, now: datetime | None = None,
                 on_finding: Callable[[Finding], None] | None = None):
        self.config = config
        self.rules_sha256 = rules_sha256
        #: The time of the run, fixed once (SOURCE_DATE_EPOCH when set): every "now" of a report is this one.
        self.now = now if now is not None else reference_now()
        self.sources: list[SourceStatus] = []
        self._store = FindingStore()
        self.findings = Findings(self._store)
        self._on_finding = on_finding
        self._cutoff = self.retention_cutoff
        self._tallies: dict[str, _Tally] = {}  # made at a person's first finding: 100,000 empty ones took 58 MB
        self._past: dict[str, dict[str, int]] = {}  # per source, per person: findings past retention
        self._events: dict[str, int] | None = None
        self._summary: Summary | None = None
        # The procedure beyond the logs (issue 17): read before any source, so a bad file stops the scan at once.
        self.wording = load_wording(config.checklist)
        self.attachments: dict[str, list] = {}
        names = {s.name: s.names for s in config.subjects}
        for person, path in config.gdpr_exports:
            self.attachments.setdefault(person, []).append(load_export(path, person, names.get(person)))

    def add(self, item: Finding | SourceStatus) -> None:
        if isinstance(item, Finding):
            when = instant(item.timestamp)
            past = None if when is None else when < self._cutoff
            if past is not None:
                item = evolve(item, past_retention=past)
            if past:
                per_user = self._past.setdefault(item.source, {})
                per_user[item.user] = per_user.get(item.user, 0) + 1
            self._tallies.setdefault(item.user, _Tally()).add(item, when)
            self._store.add(item, when)
            if self._on_finding is not None:
                self._on_finding(item)
        else:
            self.sources.append(replace(item, past_retention=self._past.pop(item.path, {})))
        self._summary = None

    def finish(self) -> "Report":
        """Link events across sources and annotate copies and rotation sets (needs every source)."""
        self._store.link(self.config.event_window)
        self._events = self._store.events_by_user()
        self.sources = annotate_sources(self.sources, self.config.gap_threshold)
        self._summary = None
        return self

    def events(self):
        """Each event: (number, person, original SOURCE:LINE, duplicates' SOURCE:LINE), after finish()."""
        return self._store.events()

    def close(self) -> None:
        """Remove the findings' store (the Report's findings cannot be read after this)."""
        self._store.close()

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            self._summary = summarize(self.config, self._tallies, self._events, self.sources)
        return self._summary

    @property
    def as_of(self) -> datetime:
        return self.config.as_of or self.now

    @property
    def generated_at(self) -> str:
        return iso_utc(self.now, False)

    @property
    def retention_cutoff(self) -> datetime:
        return self.as_of - timedelta(days=self.config.retention_days)

    @property
    def has_error(self) -> bool:
        return any(s.has_error for s in self.sources)

    def exit_status(self) -> int:
        """0 findings (or raw quoted matches in bytes not read as text: grep's "binary file matches"), 1 none,
        2 something could not be read (even with findings, as grep does)."""
        if self.has_error:
            return 2
        return 0 if self.findings or self.raw_matches else 1

    @property
    def raw_matches(self) -> int:
        """Quoted names found raw in bytes not read as text (binary files, UTF-16 stretches), all sources."""
        return sum(sum(s.raw_matches.values()) for s in self.sources)

    def parameters(self) -> dict:
        c = self.config
        return {
            "paths": list(c.paths),
            "users": [{"user": s.name, "aliases": list(s.aliases)} for s in c.subjects],
            "mentions": c.list_mentions,
            "encoding": c.encoding,
            "rules_files": list(c.rules_files),
            "framing": c.framing,
            "timezone": c.time.zone_label,
            "year": c.time.year,
            "date_order": c.time.date_order,
            "since": c.time.since.isoformat() if c.time.since else None,
            "until": c.time.until.isoformat() if c.time.until else None,
            "retention_days": c.retention_days,
            "as_of": iso_utc(self.as_of, False),
            "max_expansion": c.max_expansion,
            "follow_links": c.follow_links,
            "case": dict(c.case),
            # Where relative paths are relative to: verify, run from elsewhere, reads them from here.
            "working_directory": _working_directory(),
            "short_names": c.short_names,
            "gdpr_exports": [{"user": u, "path": p} for u, p in c.gdpr_exports],
            "deleted_on": [{"user": u, "date": iso_utc(d, True)} for u, d in c.deleted_on],
            "checklist": c.checklist,
            "checklist_sha256": self.wording.sha256,
            **c.parameters,
        }


def _working_directory() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # the folder was removed while the scan ran
        return None


class _Tally:
    """One person's counts, kept as findings arrive (the findings themselves are on disk)."""

    def __init__(self):
        self.findings = self.quoted = self.undated = self.past_retention = 0
        self.by_category: Counter = Counter()
        self.by_kind: Counter = Counter()
        self.by_role: Counter = Counter()
        self.first: tuple | None = None  # (moment, stamp as written on the finding)
        self.last: tuple | None = None

    def add(self, f: Finding, when: datetime | None) -> None:
        self.findings += 1
        self.quoted += f.quoted
        self.by_category[f.category] += 1
        self.by_kind[f.kind] += 1
        self.by_role[f.role] += 1
        self.past_retention += bool(f.past_retention)
        if when is None:
            self.undated += 1
            return
        # The earliest and latest moment; of equal moments, the first and the last added (a stable sort's ends).
        if self.first is None or when < self.first[0]:
            self.first = (when, f.timestamp)
        if self.last is None or when >= self.last[0]:
            self.last = (when, f.timestamp)


def summarize(config: ScanConfig, tallies: dict, events: dict | None, sources: Iterable[SourceStatus]) -> Summary:
    sources = list(sources)
    # Per person, over all sources, in one pass each: a sum over the sources per person was people x sources.
    mentions, outside, raw = Counter(), Counter(), Counter()
    for s in sources:
        mentions.update(s.mentions)
        outside.update(s.outside_window)
        raw.update(s.raw_matches)
    users, nothing = [], _Tally()  # read only: one empty tally for everyone without a finding
    for subject in config.subjects:
        t = tallies.get(subject.name) or nothing
        users.append(
            UserSummary(
                user=subject.name,
                aliases=subject.aliases,
                findings=t.findings,
                # Before events are linked, every finding is its own event.
                events=events.get(subject.name, 0) if events is not None else t.findings,
                quoted=t.quoted,
                # Counted at the source whether listed or not, so "not listed" never reads as "absent".
                mentions=mentions[subject.name],
                by_category=dict(sorted(t.by_category.items())),
                by_kind=dict(sorted(t.by_kind.items())),
                by_role=dict(sorted(t.by_role.items())),
                first_seen=t.first[1] if t.first else None,
                last_seen=t.last[1] if t.last else None,
                undated=t.undated,
                outside_window=outside[subject.name],
                past_retention=t.past_retention,
                raw_matches_in_skipped=raw[subject.name],
            )
        )
    by_status = Counter(s.status for s in sources)
    return Summary(
        sources=len(sources),
        sources_scanned=by_status[STATUS_SCANNED],
        sources_partial=by_status[STATUS_PARTIAL],
        sources_skipped=by_status[STATUS_SKIPPED],
        sources_unreadable=by_status[STATUS_UNREADABLE],
        bytes=sum(s.bytes for s in sources),
        lines=sum(s.lines for s in sources),
        findings=sum(u.findings for u in users),
        events=sum(u.events for u in users),
        users=tuple(users),
        errors=sum(1 for s in sources if s.has_error),
    )


def scan(config: ScanConfig, rules: RuleSet | None = None, progress=None, on_finding=None,
         unit_scanner=None) -> Report:
    """Scan everything `config` names and return the whole Report.

    `progress`, if given, wraps the stream of findings and source statuses (the CLI counts sources with it);
    `on_finding` sees each finding as it is made (the JSON Lines printer streams them); `unit_scanner` scans
    each unit in place of the scan's own (the data map's counting scan: `inventory.census_unit.standing_in`).
    """
    rules = rules if rules is not None else load_rules(config.rules_files)
    report = Report(config, rules_sha256=rules.sha256, on_finding=on_finding)
    events = scan_events(config, rules, unit_scanner)
    try:
        for item in progress(events) if progress else events:
            report.add(item)
        return report.finish()
    except BaseException:  # an error, Ctrl-C, a closed pipe: the findings' store goes too (on Windows it stays otherwise)
        events.close()
        report.close()
        raise
