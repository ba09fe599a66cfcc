"""The map's entries from both paths: the census's tally (`inventory.tally`) and the counting scan's Report.

Per person: the census's counts over the units it read, plus the Report's
over the others (rules by index become categories and kinds as classify()
names them); first and last seen are the earliest and latest of both.
Per source: its span, its lines and bytes past retention, and how many
identities have findings past it there.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import SourceStatus
from ..rules.classify import UNCLASSIFIED
from ..search.casefold import name_key
from ..timeline.policy import instant, iso_utc
from ..evidence.events import annotate_sources
from .census import PERSON
from .tally import earliest, latest


def _add(into: dict, key, n: int) -> None:
    into[key] = into.get(key, 0) + n


def _seen(census, scanned, last: bool) -> str | None:
    """The earliest (or latest) finding's time as written on findings, of the census's and the scan's: of equal
    moments, the first (or last) in unit and line order, as the Report takes them."""
    if census is not None:
        key, unit, line, fraction = census
        census = (instant(key), unit, line, iso_utc(instant(key), fraction))
    seen = latest(scanned, census) if last else earliest(scanned, census)
    return None if seen is None else seen[3]


def _scanned_spans(report, numbers: dict[str, int]) -> dict[str, tuple]:
    """Per person, the counting scan's earliest and latest dated finding as (moment, unit, line, time as written)."""
    spans: dict[str, tuple] = {}
    if report is None:
        return spans
    for f in report.findings:
        if f.timestamp is None:
            continue
        here = (instant(f.timestamp), numbers.get(f.source, 0), f.line, f.timestamp)
        first, last = spans.get(f.user, (None, None))
        spans[f.user] = (earliest(first, here), latest(last, here))
    return spans


def merged_entries(subjects, given, census_tally, report, rules, entry_type, unit_paths: dict[int, str],
                   numbers: dict[str, int]) -> list:
    """One entry per person with something found (and every --users-file person), in key order."""
    users = {u.user: u for u in report.summary.users} if report is not None else {}
    spans = _scanned_spans(report, numbers)
    report_sources: dict[str, set[str]] = {}
    if report is not None:
        for f in report.findings:
            report_sources.setdefault(f.user, set()).add(f.source)
        for s in report.sources:
            for user in s.mentions:
                report_sources.setdefault(user, set()).add(s.path)
    entries = []
    shared: dict[tuple, dict] = {}  # one dict for every entry with the same counts: 100,000 people share a few

    def one(counts: dict) -> dict:
        items = tuple(sorted(counts.items()))
        return shared.setdefault(items, dict(items))

    for i, subject in enumerate(subjects):
        key = PERSON + str(i) if i < len(given) else name_key(subject.name)
        p = census_tally.people.pop(key, None)  # let go as the entries grow: memory holds one or the other
        u = users.get(subject.name)
        findings = (p.findings if p else 0) + (u.findings if u else 0)
        mentions = (p.mentions if p else 0) + (u.mentions if u else 0)
        if not (findings or mentions) and i >= len(given):
            continue  # a name found, but nothing a scan for it finds (a value no rule takes as an identity)
        by_category, by_kind, by_role = {}, {}, {}
        if p is not None:
            for (rule, role), n in p.counts.items():
                r = rules[rule] if rule >= 0 else UNCLASSIFIED
                _add(by_category, r.category, n)
                _add(by_kind, r.kind, n)
                _add(by_role, role, n)
        if u is not None:
            for into, counts in ((by_category, u.by_category), (by_kind, u.by_kind), (by_role, u.by_role)):
                for k, n in counts.items():
                    _add(into, k, n)
        sources = set(report_sources.get(subject.name, ()))
        if p is not None:
            sources.update(unit_paths[n] for n in p.unit_numbers() if n in unit_paths)
        entries.append(entry_type(
            identity=subject.name, key=key if i >= len(given) else name_key(subject.name), aliases=subject.aliases, findings=findings,
            mentions=mentions, by_category=one(by_category), by_kind=one(by_kind), by_role=one(by_role),
            first_seen=_seen(p.first if p else None, spans.get(subject.name, (None, None))[0], False),
            last_seen=_seen(p.last if p else None, spans.get(subject.name, (None, None))[1], True),
            undated=(p.undated if p else 0) + (u.undated if u else 0),
            past_retention=(p.past if p else 0) + (u.past_retention if u else 0),
            sources=tuple(sorted(sources)), mentions_past_retention=p.mentions_past if p else 0,
        ))
    entries.sort(key=lambda e: e.key)
    return entries


def spanned(statuses: list[SourceStatus], report, counted: dict, census_tally, gap: float) -> list[SourceStatus]:
    """Every source's status as the map reports it: the census's span for its units, the counting scan's status
    for the others (the first pass's where no scan ran), then copies and rotation sets annotated."""
    from_report = {s.path: s for s in report.sources} if report is not None else {}
    out = []
    for s in statuses:
        c = counted.get(s.path)
        if c is not None:
            stats = census_tally.units[c.number]
            first = iso_utc(instant(stats.first), False) if stats.first else None
            last = iso_utc(instant(stats.last), False) if stats.last else None
            out.append(replace(s, first_timestamp=first, last_timestamp=last))
        else:
            out.append(from_report.get(s.path, s))
    return annotate_sources(out, gap)
