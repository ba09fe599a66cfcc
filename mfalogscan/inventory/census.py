"""The census of a MultiFactorAuthSvc.log: every line read once, with no names given (the data map's fast path).

A scan for a name reads only the lines where the name may be; the data map
has no names, so it reads every line. The reference (`scanning.identities`
then a scan with every identity as a subject) reads each line twice, through
the whole finding machinery, at about 150 us a line. The census reads a
native-framed UTF-8 unit (the service log and its backups: nearly all the
volume) once, at a few microseconds a line, and says per quoted string what
a scan for that name would find on that line:

- each line is parsed as `framings.native` parses it (a continuation line
  takes the record it continues, as the scan's `FindingBuilder._record`) and
  classified by the same rules, in the same order (`RulePlan`);
- the strings between consecutive double quotes are the line's quoted
  occurrences (`"N"` with a quote right before and after, as
  `search.match` defines them), folded as the matcher folds them; one
  finding per line and person, with the role `classify` would give;
- the rules' actor, target and subject values are the identities found
  (as `identities.identities_of_unit` takes them);
- every line's time counts it before or after the retention cut-off.

What the census cannot read as the scan would (a line longer than
--max-line, a NUL inside a line) makes it give up on the unit: the unit then
takes the reference path (`Census.failed`). The reading itself (chunks,
line ends, NUL and undecodable counts, the status) is the scan's own: the
census taps the chunks the scan's line scanner reads (`census_of_unit`).
tests/test_census.py holds the census equal to the reference.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

from ..rules.classify import role_of
from ..rules.load import RuleSet
from ..scanning.identities import account
from ..search.casefold import fold, name_key
from ..sources.codepage import decode_line
from .tally import MapTally, Pending, when_key

# framings.native's _LINE, its stamp read strictly (a month, day, hour, minute and second in range, ASCII
# digits): a line it does not match is read by the framing itself (`_slow_record`).
_HEAD = re.compile(
    r"([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{1,9})?Z)\|[^|]{0,8}\|\d{1,10}\|\d{1,10}\|([^|]{1,64})\|"
    r"(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\|)?"
)
# The text between a double quote and the next one: every quoted occurrence of a name fills one such span.
_SPANS = re.compile(r'"([^"]*)(?=")')
_BLOCK = 1 << 20
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
#: Messages up to this long are searched without a time-out: a shipped pattern cannot take RULE_TIMEOUT on them
#: (the worst, user-change.value-changed, backtracks over pairs of ' from '/' to ': (n/6)^2 * n steps, under a
#: million at 256). Longer ones are searched as classify() searches them.
_NO_TIMEOUT = 256


def _valid_date(day: str) -> bool:
    y, m, d = int(day[0:4]), int(day[5:7]), int(day[8:10])
    if y < 1:
        return False  # year 0: no date Python (or the scan) can hold
    if m == 2 and d == 29:
        return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return d <= _DAYS[m - 1]


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


class Census:
    """One unit's census into the map's tally, fed the chunks the scan reads (`feed`, then `finish`)."""

    def __init__(self, unit: int, tally: MapTally, plan: RulePlan, framing, people: dict[str, int],
                 person_keys: list[frozenset], known: dict[str, str], max_line: int, code_page_lines: bool,
                 timed: bool, rule_timeout: float, cache: dict):
        self.unit, self.tally, self.plan, self.framing = unit, tally, plan, framing
        self.stats = tally.unit(unit)
        self.people = people  # name_key of a --users-file name -> the person's number
        self.person_keys = person_keys  # the person's number -> the name_keys of the person's names
        self.known = known  # identity key -> its first spelling (every unit's: the map's identities)
        self.cutoff_key = tally.cutoff_key
        self.max_line = max_line
        self.code_page_lines = code_page_lines
        self.timed, self.rule_timeout = timed, rule_timeout
        self.failed: str | None = None
        self._carry = b""
        self._line = 0
        # The last line that starts a record (the scanner's head: framing.head matches it), as text, and its
        # record (stamp, component, message, time key, fraction) or None when the framing does not parse it.
        self._head_text: str | None = None
        self._head: tuple | None = None
        self._cache = cache  # a group's value -> Census._named's answer (shared by the units)

    # -- reading --------------------------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        if self.failed is not None:
            return
        data = self._carry + chunk if self._carry else chunk
        end = data.rfind(b"\n") + 1
        self._carry = data[end:]
        if len(self._carry) > self.max_line:
            self._give_up(f"a line longer than --max-line ({self.max_line} bytes)")
        elif end:
            self._lines(data[:end], False)

    def finish(self) -> bool:
        """True when the census counted the whole unit; else `failed` says why not."""
        if self.failed is None and self._carry:
            self._lines(self._carry, True)
        self._carry = b""
        return self.failed is None

    def _give_up(self, why: str) -> None:
        self.failed = why
        self._carry = b""

    def _lines(self, data: bytes, last: bool) -> None:
        """Whole lines (`last`: the unit's last line, with no line end), a block of about _BLOCK bytes at a
        time: a chunk's lines as objects take several times the chunk's size."""
        start, size = 0, len(data)
        while start < size and self.failed is None:
            end = size if last or start + _BLOCK >= size else data.find(b"\n", start + _BLOCK) + 1 or size
            self._block(data[start:end], last)
            start = end

    def _block(self, data: bytes, last: bool) -> None:
        if b"\x00" in data:
            self._give_up("NUL bytes inside lines")
            return
        pieces = data.split(b"\n")
        if not last:
            pieces.pop()  # the empty piece after the final LF
        if max(map(len, pieces)) > self.max_line:
            self._give_up(f"a line longer than --max-line ({self.max_line} bytes)")
            return
        try:
            texts = data.decode("utf-8").split("\n")
            if not last:
                texts.pop()
        except UnicodeDecodeError:
            texts = [self._decode(p) for p in pieces]
        one = self._one
        end = 0 if last else 1
        for raw, text in zip(pieces, texts):
            one(raw, text, len(raw) + end)
            if self.failed is not None:
                return

    def _decode(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:  # as the scan reads such a line (FindingBuilder._decode)
            return decode_line(data)[0] if self.code_page_lines else data.decode("utf-8", "replace")

    # -- one line ---------------------------------------------------------------------------------------------

    def _one(self, raw: bytes, text: str, size: int) -> None:
        self._line += 1
        if text.endswith("\r"):
            text = text[:-1]
        m = _HEAD.match(text)
        if m is not None:
            stamp = m.group(1)
            record = self._head = (stamp, m.group(2), text[m.end():], *_stamp_key(stamp))
            self._head_text = text
            own = True
        else:
            record, own = self._record(raw, text)
        key = record[3]
        stats = self.stats
        if key is None:
            stats.lines_undated += 1
        else:
            if key < self.cutoff_key:
                stats.lines_past += 1
                stats.bytes_past += size
            if stats.first is None or key < stats.first:
                stats.first = key
            if stats.last is None or key > stats.last:
                stats.last = key
        message, component = record[2], record[1]
        timeout = self.rule_timeout if self.timed or len(message) > _NO_TIMEOUT else None
        try:
            index, match = self.plan.first(message, component, timeout)
        except TimeoutError:
            self._give_up("a rule ran out of time on a line")
            return
        if match is None:
            if '"' in text:
                self._findings(text, index, None, None, key, record[4])
            return
        groups = match.groupdict()
        named = self._named
        actor, target, subject = groups.get("actor"), groups.get("target"), groups.get("subject")
        actor = None if actor is None else named(actor)
        target = None if target is None else named(target)
        subject = None if subject is None else named(subject)
        quoted = self._findings(text, index, actor, target, key, record[4]) if '"' in text else ()
        if not own:
            return  # a continuation line: the record's groups are its head line's, whose mentions they are
        persons = set(quoted)
        for who in (actor, target, subject):  # the record names them without double quotes
            if who is not None and who[0] is not None and who[0] not in persons:
                persons.add(who[0])
                self.tally.mention(who[0], self.unit)

    def _named(self, value: str) -> tuple:
        """A rule group's value: (the person it is, None when it is no identity; its name_key; the key after a
        `DOMAIN\\`). The identity is noted as found. Cached: the values are the identities, again and again."""
        got = self._cache.get(value)
        if got is None:
            key = name_key(value)
            person = None
            identity = account(value)
            if identity is not None:
                self.known.setdefault(key, identity)
                number = self.people.get(key)
                person = key if number is None else PERSON + str(number)
            got = self._cache[value] = (person, key, key.rsplit("\\", 1)[-1] if "\\" in key else key)
        return got

    def _record(self, raw: bytes, text: str) -> tuple[tuple, bool]:
        """The record of a line _HEAD does not read, as FindingBuilder._record finds it, and whether it is the
        line's own: a line that does not start a record belongs to the last head's record when the framing
        parses that head and says it continues; else the line's own parse; else a plain line (no component,
        no time)."""
        framing = self.framing
        if framing.head.match(raw) is None:
            if self._head_text is not None and self._head is not None and framing.continues(self._head_text):
                return self._head, False
            rec = framing.parse(text)
        else:
            rec = framing.parse(text)
            self._head_text = text
            self._head = None if rec is None else (rec.stamp.raw if rec.stamp else None, rec.component,
                                                   rec.message, *_stamp_key_of(rec.stamp))
            if self._head is not None:
                return self._head, True
        if rec is None:
            return (None, None, text, None, False), True
        return (rec.stamp.raw if rec.stamp else None, rec.component, rec.message, *_stamp_key_of(rec.stamp)), True

    # -- tallies ----------------------------------------------------------------------------------------------

    def _person(self, span: str) -> str | None:
        """The key a quoted string is counted under (a --users-file person's, else its own), or None when it is
        in neither Unicode form the matcher searches (search.match: composed and decomposed)."""
        if span.isascii():
            key = span.lower()
        else:
            folded = fold(span)
            key = fold(unicodedata.normalize("NFC", span))
            if folded != key and folded != fold(unicodedata.normalize("NFD", span)):
                return None
        person = self.people.get(key)
        return key if person is None else PERSON + str(person)

    def _findings(self, text: str, index: int, actor, target, key, fraction: bool) -> tuple:
        seen: dict[str, None] = {}
        for span in _SPANS.findall(text):
            if span:
                person = self._person(span)
                if person is not None:
                    seen[person] = None
        if not seen:
            return ()
        tally, known, line, unit = self.tally, self.known, self._line, self.unit
        rule = self.plan.rules[index] if index >= 0 else None
        for person in seen:
            if rule is None:
                role = "subject"
            else:
                keys = self.person_keys[int(person[1:])] if person[0] == PERSON else (person,)
                role = _role(rule, actor, target, keys)
            if person[0] == PERSON or person in known:
                tally.count(Pending(person, index, role, key, fraction, line), unit)
            else:  # not (yet) an identity: it waits on disk for the end of the pass
                tally.waiting.append((person, index, role, key, fraction, line, unit))
        return tuple(seen)


#: How a --users-file person's key starts (a name's key never holds a control character: `account`).
PERSON = "\x00"


def _stamp_key(stamp: str, _dates: dict = {}) -> tuple[str | None, bool]:
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


def _stamp_key_of(stamp) -> tuple[str | None, bool]:
    """The key of a Stamp the framing parsed (a line _HEAD does not read)."""
    if stamp is None:
        return None, False
    try:
        when = datetime(stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second,
                        stamp.microsecond, tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None, stamp.fraction
    return when_key(when), stamp.fraction


def _role(rule, actor, target, keys) -> str:
    """classify()'s role for one person on the line (is_subject: `is_account_of` over the person's keys);
    `actor` and `target` as `Census._named` gives them."""
    if not rule.decides_role:
        return role_of(rule, False, False)
    return role_of(rule, actor is not None and (actor[1] in keys or actor[2] in keys),
                   target is not None and (target[1] in keys or target[2] in keys))
