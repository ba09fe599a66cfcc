"""What a line of MultiFactorAuthSvc.log is to the census: its head, its time as a sort key, its line ends, the
rules in classify()'s order, and when a name's folding and Unicode forms let the census compare it as the
matcher does.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

from ..rules.load import RuleSet
from ..search.casefold import fold
from ..sources.lineends import LONE_CR
from .tally import when_key

# framings.native's _LINE, its stamp read strictly (a month, day, hour, minute and second in range, ASCII
# digits): a line it does not match is read by the framing itself (`Census._record`).
HEAD = re.compile(
    r"([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{1,9})?Z)\|[^|]{0,8}\|\d{1,10}\|\d{1,10}\|([^|]{1,64})\|"
    r"(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\|)?"
)
_LONE_CR_BEFORE = re.compile(rb"\r(?=[^\n])")  # a CR followed by anything but LF (not one at the end)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_date(day: str) -> bool:
    y, m, d = int(day[0:4]), int(day[5:7]), int(day[8:10])
    if y < 1:
        return False  # year 0: no date Python (or the scan) can hold
    if m == 2 and d == 29:
        return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return d <= _DAYS[m - 1]


def commutes(name: str) -> bool:
    """Whether folding `name`'s case and composing (or decomposing) it give the same in either order. Where they
    do, for a quoted string and a name, the census's test (the string's key is the name's) is exactly the
    matcher's (the folded string is the folded name composed or decomposed); `İ`, `ǰ` and a few hundred others
    do not, and a unit or a map where they occur takes the reference path."""
    if name.isascii():
        return True
    folded = fold(name)
    nfc, nfd = unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)
    return unicodedata.normalize("NFC", folded) == fold(nfc) and unicodedata.normalize("NFD", folded) == fold(nfd)


def lone_crs(data: bytes, final: bool) -> bytes:
    """A lone CR ends a line, as in the scan (sources.lineends, search.linestats: made LF, the same length). A
    CR at the end of `data` waits unless `final`: its LF may start the next chunk."""
    if b"\r" not in data:
        return data
    return (LONE_CR if final else _LONE_CR_BEFORE).sub(b"\n", data)


class RulePlan:
    """The text rules in classify()'s order, for one message at a time: the index and match of the first rule
    that matches. classify()'s choice exactly: the same rules (those for events are not tried on text), the
    same components, required literals and patterns, in the same order."""

    def __init__(self, rules: RuleSet):
        self.rules = list(rules.rules)
        self._plans: dict[str, list] = {}

    def _plan(self, component: str | None) -> list:
        key = (component or "").lower()
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = [(i, r.checks) for i, r in enumerate(self.rules)
                                       if not r.for_events and (not r.components or key in r.components)]
        return plan

    def first(self, message: str, component: str | None, timeout: float | None):
        """(rule index, match) of the first rule that matches, or (-1, None). TimeoutError when a search ran out
        of time: the census then leaves the unit to the reference, which reports it as the scan does."""
        for i, checks in self._plan(component):
            for pat, needs in checks:
                for need in needs:
                    if need not in message:
                        break
                else:
                    m = pat.search(message) if timeout is None else pat.search(message, timeout=timeout)
                    if m is not None:
                        return i, m
        return -1, None


def stamp_key(stamp: str, _dates: dict = {}) -> tuple[str | None, bool]:
    """A native stamp's sort key (when_key's form: microseconds, UTC) and whether it wrote a fraction; no key
    for a date that does not exist (30 February: the scan gives it no time)."""
    day = stamp[:10]
    valid = _dates.get(day)
    if valid is None:
        valid = _dates[day] = _valid_date(day)
    if not valid:
        return None, len(stamp) > 20
    if len(stamp) == 27:
        return stamp, True
    if len(stamp) == 20:
        return stamp[:19] + ".000000Z", False
    return stamp[:19] + "." + stamp[20:-1][:6].ljust(6, "0") + "Z", True


def stamp_key_of(stamp) -> tuple[str | None, bool]:
    """The key of a Stamp the framing parsed (a line HEAD does not read)."""
    if stamp is None:
        return None, False
    try:
        when = datetime(stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second,
                        stamp.microsecond, tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None, stamp.fraction
    return when_key(when), stamp.fraction
