"""Which subjects an event names, and how: a whole field value, or a name inside a longer text.

Names in event logs are not quoted: they are the values of fields
(`TargetUserName` = `IEUser`, `User-Name` = `CONTOSO\\jdoe`, the Security
UserID as a SID, the Computer when it is a person's workstation) or words of
a message. A field whose whole value is one of
a subject's names (compared as account names are: case, Unicode form and
surrounding space aside, `DOMAIN\\name` for `name`) is an occurrence as
strong as a quoted one, and the finding names the field. A name inside a
longer value is what it is in a text log (`search.match`): quoted when
double quotes close it, else a mention on a name boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..search.casefold import name_key
from ..search.match import NameMatcher
from .record import EventRecord

#: The pseudo-field names of values that are not EventData/UserData fields.
USER_ID, COMPUTER, MESSAGE = "Security.UserID", "Computer", None
SYSTEM_FIELDS = (USER_ID, COMPUTER)


@dataclass(frozen=True)
class FieldHit:
    """One subject named by one event: the name as written, whether it is strong (a whole field value, or quoted),
    and the field it is in (None: the rendered message)."""

    subject: int
    matched: str
    strong: bool
    field: str | None


class FieldMatcher:
    """Per event, each named subject's best hit: the first whole-field value, else the first quoted, else the first
    mention, in the order Security.UserID, Computer, the fields, the message."""

    def __init__(self, names: Sequence[tuple[str, int]], matcher: NameMatcher):
        self._exact: dict[str, tuple[int, ...]] = {}
        for name, subject in names:
            key = name_key(name)
            got = self._exact.get(key, ())
            if subject not in got:
                self._exact[key] = got + (subject,)
        self._matcher = matcher

    def _whole(self, value: str) -> tuple[int, ...]:
        key = name_key(value)
        found = self._exact.get(key)
        if found is None and "\\" in key:
            found = self._exact.get(key.rsplit("\\", 1)[-1])
        return found or ()

    def hits(self, event: EventRecord) -> dict[int, FieldHit]:
        best: dict[int, FieldHit] = {}
        rank: dict[int, int] = {}  # 3 a whole field value, 2 quoted, 1 a mention: the higher wins, then the first
        # The System values a person may be named by: the user SID, and the computer (a personal workstation).
        values = [(USER_ID, event.user_id), (COMPUTER, event.computer)]
        values += event.fields
        if event.message:
            values.append((MESSAGE, event.message))
        for field, value in values:
            if not value:
                continue
            for subject in self._whole(value):
                if rank.get(subject, 0) < 3:
                    best[subject], rank[subject] = FieldHit(subject, value.strip(), True, field), 3
            for subject, occ in self._matcher.analyze(value).items():
                if rank.get(subject, 0) < (2 if occ.quoted else 1):
                    best[subject] = FieldHit(subject, occ.matched, occ.quoted, field)
                    rank[subject] = 2 if occ.quoted else 1
        return best
