"""Collecting a scan's events into a Report: findings, sources, per-user summaries.

`scan(config)` runs the scan (`scanning.scan_events`) and returns the
finished Report: events linked across sources, copies and rotation sets
annotated, retention marked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable

from ..config import ScanConfig
from ..rules.load import RuleSet, load_rules
from ..scanning.pipeline import scan_events
from .events import annotate_sources, link_events, mark_retention
from ..timeline.policy import instant, iso_utc, reference_now
from ..model import (
    STATUS_PARTIAL,
    STATUS_SCANNED,
    STATUS_SKIPPED,
    STATUS_UNREADABLE,
    Finding,
    SourceStatus,
    Summary,
    UserSummary,
)

@dataclass
class Report:
    """A whole scan, ready for a printer."""

    config: ScanConfig
    findings: list[Finding] = field(default_factory=list)
    sources: list[SourceStatus] = field(default_factory=list)
    rules_sha256: str | None = None
    #: The time of the run, fixed once (SOURCE_DATE_EPOCH when set): every "now" of a report is this one.
    now: datetime = field(default_factory=reference_now)
    _summary: Summary | None = None

    def add(self, item: Finding | SourceStatus) -> None:
        if isinstance(item, Finding):
            self.findings.append(item)
        else:
            self.sources.append(item)
        self._summary = None

    def finish(self) -> "Report":
        """Link events across sources and annotate copies and rotation sets (needs every source)."""
        self.findings = link_events(self.findings, self.config.event_window)
        self.sources = annotate_sources(self.sources, self.config.gap_threshold)
        self.findings, self.sources = mark_retention(self.findings, self.sources, self.retention_cutoff)
        self._summary = None
        return self

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            self._summary = summarize(self.config, self.findings, self.sources)
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
        """0 findings, 1 none, 2 something could not be read (even with findings, as grep does)."""
        if self.has_error:
            return 2
        return 0 if self.findings else 1

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
            "since": c.time.since.isoformat() if c.time.since else None,
            "until": c.time.until.isoformat() if c.time.until else None,
            "retention_days": c.retention_days,
            "as_of": iso_utc(self.as_of, False),
            "max_expansion": c.max_expansion,
            **c.parameters,
        }


def summarize(config: ScanConfig, findings: Iterable[Finding], sources: Iterable[SourceStatus]) -> Summary:
    sources = list(sources)
    findings = list(findings)
    per_user: dict[str, list[Finding]] = {s.name: [] for s in config.subjects}
    for f in findings:
        per_user.setdefault(f.user, []).append(f)
    users = []
    for subject in config.subjects:
        fs = per_user[subject.name]
        quoted = [f for f in fs if f.quoted]
        # Counted at the source whether listed or not, so "not listed" never reads as "absent".
        mentions = sum(s.mentions.get(subject.name, 0) for s in sources)
        times = sorted((f.timestamp for f in fs if f.timestamp), key=instant)
        users.append(
            UserSummary(
                user=subject.name,
                aliases=subject.aliases,
                findings=len(fs),
                events=len({f.event for f in fs}),
                quoted=len(quoted),
                mentions=mentions,
                by_category=dict(sorted(Counter(f.category for f in fs).items())),
                by_kind=dict(sorted(Counter(f.kind for f in fs).items())),
                by_role=dict(sorted(Counter(f.role for f in fs).items())),
                first_seen=times[0] if times else None,
                last_seen=times[-1] if times else None,
                undated=sum(1 for f in fs if not f.timestamp),
                outside_window=sum(s.outside_window.get(subject.name, 0) for s in sources),
                past_retention=sum(1 for f in fs if f.past_retention),
                raw_matches_in_skipped=sum(s.raw_matches.get(subject.name, 0) for s in sources),
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
        events=len({(f.user, f.event) for f in findings}),
        users=tuple(users),
        errors=sum(1 for s in sources if s.has_error),
    )


def scan(config: ScanConfig, rules: RuleSet | None = None, progress=None) -> Report:
    """Scan everything `config` names and return the whole Report.

    `progress`, if given, wraps the stream of findings and source statuses (the CLI counts sources with it).
    """
    rules = rules if rules is not None else load_rules(config.rules_files)
    report = Report(config, rules_sha256=rules.sha256)
    events = scan_events(config, rules)
    for item in progress(events) if progress else events:
        report.add(item)
    return report.finish()
