"""One Windows event, as every event-log reader gives it: `EventRecord`.

The readers (binary EVTX in `evtx.py`, Event Viewer's XML, CSV and text
exports in `exports*.py`) all end in this; the event scanner
(`scanning.eventscan`) matches names against its fields, classifies it and
makes findings, knowing nothing of the format it came from.

Times are exact or None: `time` is the event's TimeCreated in UTC (never the
record header's write time), with `time_raw` as written and `time_note`
saying why `time` is None when it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EventRecord:
    """One event: where it is, when it happened, what wrote it, and its fields."""

    #: Byte offset of the record in the unit's stream (EVTX: of its `**\\0\\0` header; exports: of its first line).
    offset: int
    #: Exports: the physical line the event starts on (1-based). EVTX: None (records have no lines).
    line: int | None
    record_id: int | None
    time: datetime | None
    time_raw: str | None
    time_note: str | None
    channel: str | None
    provider: str | None
    event_id: int | None
    computer: str | None
    #: The Security element's UserID, a SID as `S-1-5-...` (or the account an export shows in its User column).
    user_id: str | None
    level: str | None
    #: EventData / UserData fields in document order: (name, value). An unnamed `<Data>` is `Data`, `Data[2]`...
    fields: tuple[tuple[str, str], ...]
    #: The rendered message, where the source has one (exports); EVTX files hold none.
    message: str | None = None
    #: A wall-clock time written without its zone (Event Viewer's CSV and text exports write the exporting
    #: machine's local time): the scanner makes it a UTC `time` only under a zone the user gave (--timezone).
    local_time: datetime | None = None
    #: EVTX: the record header's own number, when it is not the System element's EventRecordID (a file of selected
    #: records numbers them anew); None otherwise.
    header_id: int | None = None

    def text(self) -> str:
        """The event on one line, as findings show it: its channel, EventID and provider, then its message (or its
        fields as `Name=value; ...`)."""
        head = " ".join(p for p in (self.channel, f"EventID {self.event_id}" if self.event_id is not None else None,
                                    f"({self.provider})" if self.provider else None) if p)
        body = self.classified_text()
        return f"{head}: {body}" if head else body

    def classified_text(self) -> str:
        """The event's words on one line, as rules' patterns are searched in them and findings show them: the
        rendered message when there is one, else an unnamed value alone, else the fields as `Name=value; ...`."""
        if self.message is not None:
            return " ".join(self.message.split())
        if len(self.fields) == 1 and self.fields[0][0] == "Data":
            return " ".join(self.fields[0][1].split())
        return "; ".join(f"{k}={' '.join(v.split())}" for k, v in self.fields)


@dataclass(frozen=True)
class ReadProblem:
    """Something a reader could not read, or read but found damaged: where (a byte offset in the unit's stream),
    how many bytes, and why.

    `severity` is that of `errors.SourceIssue`: "lost" (events could not be read; the source is then partial),
    "damaged" (read, but the structure around them is broken: a checksum that does not match; exit status 2) or
    "warning" (nothing wrong with the events: a dirty log whose header is behind its chunks)."""

    offset: int
    length: int
    message: str
    severity: str = "lost"

    @property
    def lost(self) -> bool:
        return self.severity == "lost"
