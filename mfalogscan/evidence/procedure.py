"""The rest of the procedure, per person (issue 17): the stores checklist, the attached exports, and the
follow-up after a deletion (`--deleted-on`).

Microsoft states that operational copies may take up to 30 days to disappear
after a deletion (`REMOVAL_DAYS`). So with a deletion date, each of the
person's records is *before* the deletion (data that was to go), *after* it
(new data), or *undated* (cannot be told: listed, never guessed). When the
report's date (`--as-of`, or now) is more than 30 days after the deletion,
the records before it that are still present are the controller's follow-up
list; before that, the window is still open and the report says when to look
again. A date without a time means the end of that day, so records of the
day itself count as before the deletion (listed to be checked, not missed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..timeline.policy import instant, iso_utc
from .attachment import Attachment
from .stores import StoreState, Wording, checklist

REMOVAL_DAYS = 30


@dataclass(frozen=True)
class Deletion:
    user: str
    deleted_on: str
    window_ends: str
    window_passed: bool
    #: The records from before the deletion still present, and those with no known time, as references.
    before: tuple[dict, ...]
    after: int
    undated: tuple[dict, ...]
    #: Findings left out by --since/--until: not on the lists (said, so an empty list never reads as "all gone").
    outside_window: int = 0

    def to_dict(self) -> dict:
        return {"deleted_on": self.deleted_on, "window_ends": self.window_ends, "window_passed": self.window_passed,
                "still_present": len(self.before), "after_deletion": self.after, "undated": len(self.undated),
                "outside_window": self.outside_window, "follow_up": list(self.before),
                "undated_records": list(self.undated)}


def _ref(f) -> dict:
    return {"source": f.source, "line": f.line, "offset": f.offset, "timestamp": f.timestamp,
            "category": f.category, "kind": f.kind}


def deletion_of(user: str, deleted: datetime, as_of: datetime, findings, outside_window: int = 0) -> Deletion:
    """Each of the person's findings (in the report's order) against a deletion at `deleted`."""
    ends = deleted + timedelta(days=REMOVAL_DAYS)
    before, undated, after = [], [], 0
    for f in findings:
        when = instant(f.timestamp)
        if when is None:
            undated.append(_ref(f))
        elif when <= deleted:
            before.append(_ref(f))
        else:
            after += 1
    before.sort(key=lambda r: (instant(r["timestamp"]), r["source"], r["line"]))  # a chronology, as the records are
    return Deletion(user, iso_utc(deleted, True), iso_utc(ends, True), as_of > ends, tuple(before), after,
                    tuple(undated), outside_window)


@dataclass(frozen=True)
class PersonProcedure:
    """What one person's evidence says of the procedure beyond the logs."""

    stores: tuple[StoreState, ...]
    attachments: tuple[Attachment, ...]
    deletion: Deletion | None


def person_procedure(report, user: str) -> PersonProcedure:
    """The checklist, attachments and deletion follow-up of one person of a finished Report."""
    attachments = tuple(report.attachments.get(user, ()))
    stores = checklist(report.wording, report.sources, [a.path for a in attachments], user)
    deleted = report.config.deletions.get(user)
    outside = next((u.outside_window for u in report.summary.users if u.user == user), 0)
    deletion = deletion_of(user, deleted, report.as_of, report.findings.of(user), outside) if deleted is not None else None
    return PersonProcedure(tuple(stores), attachments, deletion)


def procedure_facts(wording: Wording) -> dict:
    """The top of the JSON report's `procedure`: which procedure, in which language, and the facts it states."""
    return {"title": wording.procedure["title"], "url": wording.procedure["url"],
            "published": wording.procedure.get("published"), "language": wording.language,
            "checklist": wording.origin, "facts": [dict(f) for f in wording.facts]}
