"""The data mfalogscan produces: findings, source statuses, per-user summaries.

Frozen dataclasses with `to_dict()`; printers see only these. Field order
here is the field order of every output format.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping

#: Who made a report, as every output names it.
TOOL = "mfalogscan"
VERSION = "0.1.0"

#: How a source ended up. `partial`: some bytes could not be read (see issues).
STATUS_SCANNED = "scanned"
STATUS_PARTIAL = "partial"
STATUS_SKIPPED = "skipped"
STATUS_UNREADABLE = "unreadable"

ROLES = ("actor", "target", "self", "subject", "mentioned")
#: The formats of Windows event-log sources (issue 15): their `lines` are events, their findings' `line`s
#: EventRecordIDs (EVTX) or the line an exported event starts on.
EVENT_FORMATS = ("evtx", "event-xml", "event-csv", "event-text")

_FIELDS: dict[type, frozenset] = {}
_FIRST: dict[type, str] = {}


def _field_names(cls: type) -> frozenset:
    """The fields of a class evolve() can copy: a dataclass whose __init__ only stores its init fields."""
    names = _FIELDS.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)
        if not fields or hasattr(cls, "__post_init__") or hasattr(cls, "__slots__") or not all(f.init for f in fields):
            raise TypeError(f"evolve() cannot copy {cls.__name__}; use dataclasses.replace()")
        names = _FIELDS[cls] = frozenset(f.name for f in fields)
        _FIRST[cls] = fields[0].name
    return names


def evolve(obj, **changes):
    """What dataclasses.replace(obj, **changes) builds, without running __init__ again.

    For dataclasses whose __init__ does nothing but store every field (no
    __post_init__, no init=False fields, no slots): the copy of the instance's
    __dict__ with the changes applied is then the object replace() would make,
    at about a tenth of the cost (issue 11: replace() was ~8 us a finding, three
    times per finding). tests/test_fast_findings.py checks the two agree.
    """
    cls = type(obj)
    names = _FIELDS.get(cls) or _field_names(cls)
    if not names.issuperset(changes):
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(sorted(set(changes) - names))}")
    new = object.__new__(cls)
    own = new.__dict__
    # update() into an empty __dict__ would take a copy of the source's own table (about 830 bytes a
    # Finding against 300); with one key in first it inserts key by key under the class's shared keys.
    own[_FIRST[cls]] = None
    own.update(obj.__dict__)
    own.update(changes)
    return new


def assemble(cls: type, values: dict):
    """What cls(**values) builds when `values` names every field, in field order.

    For the same dataclasses as evolve(): a Finding so made costs 0.7 us
    instead of 8 (its __init__ sets 29 fields one object.__setattr__ at a
    time). The values are copied in, under the class's shared keys (see evolve).
    """
    if values.keys() != (_FIELDS.get(cls) or _field_names(cls)):
        raise TypeError(f"{cls.__name__} needs exactly its fields, got {', '.join(values)}")
    new = object.__new__(cls)
    own = new.__dict__
    own[_FIRST[cls]] = None
    own.update(values)
    return new


@dataclass(frozen=True)
class Finding:
    """One searched subject on one physical line of one source."""

    user: str
    matched: str
    source: str
    line: int
    offset: int
    timestamp: str | None
    timestamp_raw: str | None
    category: str
    kind: str
    role: str
    rule: str | None
    quoted: bool
    format: str
    component: str | None
    text: str
    text_truncated: bool = False
    message: str = ""
    level: str | None = None
    pid: int | None = None
    tid: int | None = None
    request_id: str | None = None
    call_status: str | None = None
    field: str | None = None
    record_line: int | None = None
    details: Mapping[str, str] = dataclasses.field(default_factory=dict)
    event: str | None = None
    duplicate_of: str | None = None
    past_retention: bool | None = None
    #: Why `timestamp` is null (no time on the line, a date in no form read exactly, no evidence of the year...).
    timestamp_note: str | None = None
    #: Windows event logs: the event's EventRecordID, channel and EventID (null for text logs).
    record_id: int | None = None
    channel: str | None = None
    event_id: int | None = None
    #: A digest of the whole normalised message, for linking events (messages on findings may be shortened).
    message_key: str = dataclasses.field(default="", repr=False, compare=False)

    @property
    def is_event(self) -> bool:
        """A Windows event (EVTX): its `line` is its EventRecordID. Exports' events have lines of their own."""
        return self.channel is not None and self.record_line is None and self.record_id == self.line

    @property
    def place(self) -> str:
        """Where in its source, in words: `line 12`, or an event's `record 4711` (its EventRecordID)."""
        return f"record {self.line}" if self.is_event else f"line {self.line}"

    @property
    def ref(self) -> str:
        """How other findings point at this one: SOURCE:LINE."""
        return f"{self.source}:{self.line}"

    def to_dict(self) -> dict:
        values = self.__dict__  # the fields themselves (getattr() per field was 2.6 us a finding, this 1.3)
        d = {"type": "finding"}
        for name in FINDING_FIELDS:
            d[name] = values[name]
        d["details"] = dict(d["details"])
        return d


#: The fields every output shows, in order (internal ones left out).
FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding) if f.name != "message_key")


@dataclass(frozen=True)
class SourceStatus:
    """What happened to one source: scanned in full, in part, or not at all, and why."""

    path: str
    status: str
    reason: str | None = None
    format: str | None = None
    encoding: str | None = None
    compression: str | None = None
    container: str | None = None
    stored_bytes: int | None = None
    stored_sha256: str | None = None
    modified: str | None = None
    bytes: int = 0
    lines: int = 0
    undecodable_bytes: int = 0
    nul_bytes: int = 0
    unparsed_lines: int | None = None
    sha256: str | None = None
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    timezone: str | None = None
    year_from: str | None = None
    findings: int = 0
    mentions: Mapping[str, int] = dataclasses.field(default_factory=dict)
    outside_window: Mapping[str, int] = dataclasses.field(default_factory=dict)
    raw_matches: Mapping[str, int] = dataclasses.field(default_factory=dict)
    past_retention: Mapping[str, int] = dataclasses.field(default_factory=dict)
    copy_of: str | None = None
    rotation_set: str | None = None
    rotation_order: int | None = None
    gap_before: str | None = None
    overlaps_previous: bool = False
    issues: tuple = ()
    #: An event log's channels (those of its events read; an EVTX file's from its first record when no other
    #: record was rendered); () for text logs. What the stores checklist (evidence/stores.py) is decided from.
    channels: tuple[str, ...] = ()

    @property
    def counted(self) -> str:
        """What `lines` counts, in words: `323 lines`, or an event log's `60 events` (its records)."""
        unit = "event" if self.format in EVENT_FORMATS else "line"
        return f"{self.lines:,} {unit}{'' if self.lines == 1 else 's'}"

    @property
    def has_error(self) -> bool:
        """True when something could not be read, or was read but is damaged (exit status 2)."""
        return self.status in (STATUS_PARTIAL, STATUS_UNREADABLE) or any(i.is_error for i in self.issues)

    def to_dict(self) -> dict:
        d = {"type": "source"}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "issues":
                value = [i.to_dict() for i in value]
            elif name == "channels":
                value = list(value)
            elif name in ("raw_matches", "mentions", "outside_window", "past_retention"):
                value = dict(value)
            d[name] = value
        return d


@dataclass(frozen=True)
class UserSummary:
    """Counts for one subject over the whole scan."""

    user: str
    aliases: tuple[str, ...]
    findings: int
    events: int
    quoted: int
    mentions: int
    by_category: Mapping[str, int]
    by_kind: Mapping[str, int]
    by_role: Mapping[str, int]
    first_seen: str | None
    last_seen: str | None
    undated: int
    outside_window: int
    past_retention: int
    raw_matches_in_skipped: int

    def to_dict(self) -> dict:
        return {
            "user": self.user,
            "aliases": list(self.aliases),
            "findings": self.findings,
            "events": self.events,
            "quoted": self.quoted,
            "mentions": self.mentions,
            "by_category": dict(self.by_category),
            "by_kind": dict(self.by_kind),
            "by_role": dict(self.by_role),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "undated": self.undated,
            "outside_window": self.outside_window,
            "past_retention": self.past_retention,
            "raw_matches_in_skipped": self.raw_matches_in_skipped,
        }


@dataclass(frozen=True)
class Summary:
    """The closing account of a scan."""

    sources: int
    sources_scanned: int
    sources_partial: int
    sources_skipped: int
    sources_unreadable: int
    bytes: int
    lines: int
    findings: int
    events: int
    users: tuple[UserSummary, ...]
    errors: int

    def to_dict(self, users: bool = True) -> dict:
        """As JSON has it; `users=False` leaves the people's list empty (a printer may write them one by one)."""
        d = {"type": "summary"}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            d[name] = ([u.to_dict() for u in value] if users else []) if name == "users" else value
        return d
