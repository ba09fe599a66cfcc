"""After all sources are read: one event seen in many places, copies, rotation sets.

- **Events.** The same MFA event can be in the native log, a copy of it, a
  syslog file and a CSV export. Every finding is kept (each is evidence of
  where the data lives); findings of one person with the same message
  (white space and a final full stop aside, case-insensitive) whose times lie
  within `window` seconds of the earliest, each from a different source, are
  one event: they share `event`, and all but the original carry
  `duplicate_of` (its SOURCE:LINE). The original is chosen by authority
  (`authority`: the native log, then syslog, then exports), by time only
  between findings of the same rank. The window absorbs collectors that stamp a
  little later and RFC 3164's lost sub-seconds; zones are already resolved.
  A finding without a time is an event of its own.
- **Copies.** Sources whose decompressed bytes have the same SHA-256 are
  copies: the later ones name the first in `copy_of`.
- **Rotation sets.** MultiFactorAuthSvc.log, .log.1, .log.2.gz, a dated or
  zipped backup of it: one set, ordered by the time of their content (not
  their names), with any gap of more than `gap` seconds between the end of
  one and the start of the next reported (data possibly rotated away or
  deleted), and overlaps flagged.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Iterable, Iterator, Sequence

from ..model import Finding, SourceStatus, evolve
from ..timeline.policy import instant, micros

_COMPRESSED = re.compile(r"\.(?:gz|bz2|xz|zip)$")
_ROTATION = re.compile(r"\.\d{1,4}$")
_DATED = re.compile(r"[-_.]?\d{4}-?\d{2}-?\d{2}(?:[-_T]?\d{2,6})?")


def leaders(rows: Iterable[tuple[int, str, int, str]], window: int) -> Iterator[tuple[int, int]]:
    """Each finding's event: (index, index of the event's earliest finding), for rows sorted by key, time, index.

    `rows` are (index, key, time in microseconds, source) of the dated
    findings, where the key is the person, quoting and message. In time
    order, a finding joins the earliest open event of its key that started
    at most `window` microseconds before it and has no finding from its
    source yet; otherwise it opens one. Only the events open within the
    window are held, so memory does not grow with the findings.
    """
    key, open_events = None, []  # (start, first finding, sources)
    for index, row_key, when, source in rows:
        if row_key != key:
            key, open_events = row_key, []
        open_events = [e for e in open_events if when - e[0] <= window]
        home = next((e for e in open_events if source not in e[2]), None)
        if home is None:
            home = (when, index, set())
            open_events.append(home)
        home[2].add(source)
        yield index, home[1]


#: Which finding of an event is its original: the native MultiFactorAuthSvc.log line, which is what Microsoft's
#: procedure names, then a syslog line (what the server sent), then any collector's export (a copy of a copy).
#: Time decides only between findings of the same rank (an export's whole-second stamp often sorts first).
_AUTHORITY = {"native": 0, "rfc5424": 1, "syslog": 1}


def authority(fmt: str) -> int:
    """The rank of a finding's format as the original of an event: lower is nearer the source."""
    return _AUTHORITY.get(fmt, 2)


def event_key(f: Finding) -> str:
    """The findings that can be one event share this: the person, quoted or not, and the message."""
    return f"{f.user}\0{int(f.quoted)}\0{f.message_key}"


def link_events(findings: Sequence[Finding], window: float) -> list[Finding]:
    """The findings, in the same order, with `event` and `duplicate_of` set (in memory; the Report's store
    does the same on disk, and the tests hold the two to each other)."""
    rows = sorted(((i, event_key(f), micros(instant(f.timestamp)), f.source) for i, f in enumerate(findings)
                   if f.timestamp is not None), key=lambda r: (r[1], r[2], r[0]))
    members: dict[int, list[int]] = {}
    for i, head in leaders(rows, int(window * 1_000_000)):
        members.setdefault(head, []).append(i)
    original: dict[int, int] = {}  # every finding of an event -> the event's original
    for group in members.values():
        best = min(group, key=lambda i: (authority(findings[i].format), micros(instant(findings[i].timestamp)), i))
        original.update((i, best) for i in group)
    numbers: dict[int, str] = {}
    out = []
    for i, f in enumerate(findings):
        head = original.get(i, i)
        event = numbers.setdefault(head, f"E{len(numbers) + 1}")
        out.append(evolve(f, event=event, duplicate_of=None if head == i else findings[head].ref))
    return out


_POSITION = re.compile(r" \(member \d+\)$")


def rotation_family(path: str) -> str:
    """The log a file is a version of: MultiFactorAuthSvc.log for .log.1, .log.2.gz, _20240307.log ..."""
    name = path.rsplit("!", 1)[-1].replace("\\", "/").rsplit("/", 1)[-1].lower()
    name = _POSITION.sub("", name)  # a member told apart by its position (sources.members) is the same log
    previous = None
    while previous != name:
        previous = name
        name = _ROTATION.sub("", _COMPRESSED.sub("", name))
    return _DATED.sub("", name) or name


def _gap_text(seconds: float, previous: str) -> str:
    return f"{timedelta(seconds=int(seconds))} after the end of {previous}"


def annotate_sources(sources: Sequence[SourceStatus], gap: float) -> list[SourceStatus]:
    """Sources with copy_of, rotation_set, rotation_order, gap_before and overlaps_previous set."""
    out = list(sources)
    first_with_hash: dict[tuple, int] = {}
    for i, s in enumerate(out):
        if s.sha256 and s.bytes:
            key = (s.sha256, s.bytes)
            if key in first_with_hash:
                out[i] = replace(s, copy_of=out[first_with_hash[key]].path)
            else:
                first_with_hash[key] = i
    family_of = {i: rotation_family(s.path) for i, s in enumerate(out) if s.first_timestamp and s.last_timestamp}
    path_index = {s.path: i for i, s in enumerate(out)}
    families: dict[str, list[int]] = {}
    for i, family in family_of.items():
        original = path_index.get(out[i].copy_of) if out[i].copy_of else None
        if original is not None and family_of.get(original) == family:
            continue  # a copy of a member of its own set: the original stands for it
        families.setdefault(family, []).append(i)
    for family, members in families.items():
        members.sort(key=lambda i: (instant(out[i].first_timestamp), out[i].path))
        latest_end, latest_path = None, None
        for order, i in enumerate(members, 1):
            s = out[i]
            changes = {"rotation_set": family, "rotation_order": order}
            if latest_end is not None:
                between = (instant(s.first_timestamp) - latest_end).total_seconds()
                if between > gap:
                    changes["gap_before"] = _gap_text(between, latest_path)
                elif between < 0:
                    changes["overlaps_previous"] = True
            out[i] = replace(s, **changes)
            end = instant(s.last_timestamp)
            if latest_end is None or end > latest_end:
                latest_end, latest_path = end, s.path
    return out
