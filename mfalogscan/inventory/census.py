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
--max-line, a NUL inside a line, a rule's time-out, a name whose folding
and Unicode forms do not commute) makes it give up on the unit: the unit
then takes the reference path (`Census.failed`). The reading itself
(chunks, line ends, NUL and undecodable counts, the status) is the scan's
own: the census taps the chunks the scan's line scanner reads
(`census_unit.FirstPass`), cut into blocks of whole lines
(`census_pool.Blocks`).
tests/test_census.py holds the census equal to the reference.
"""

from __future__ import annotations

import re
import unicodedata

from ..rules.classify import role_of
from ..scanning.identities import account
from ..search.casefold import fold, name_key
from ..sources.codepage import line_decoder
from .census_lines import HEAD, RulePlan, commutes, stamp_key, stamp_key_of
from .tally import MapTally

# The text between a double quote and the next one: every quoted occurrence of a name fills one such span.
_SPANS = re.compile(r'"([^"]*)(?=")')
BLOCK = 1 << 20  # the lines read at once (a unit counted here is cut into blocks of this size)
_WAITING_BATCH = 20_000
#: Messages up to this long are searched without a time-out: a shipped pattern cannot take RULE_TIMEOUT on them
#: (the worst, user-change.value-changed, backtracks over pairs of ' from '/' to ': (n/6)^2 * n steps, under a
#: million at 256). Longer ones are searched as classify() searches them.
_NO_TIMEOUT = 256


class Census:
    """One unit's census into the map's tally, fed blocks of its whole lines (`lines`, then `flush`; the blocks
    are census_pool.Blocks', in this process or a worker's)."""

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
        self._decode = line_decoder("utf-8", code_page_lines)
        self.timed, self.rule_timeout = timed, rule_timeout
        self.failed: str | None = None
        self._line = 0
        # The last line that starts a record (the scanner's head: framing.head matches it), as text, and its
        # record (stamp, component, message, time key, fraction) or None when the framing does not parse it.
        self._head_text: str | None = None
        self._head: tuple | None = None
        self._cache = cache  # a group's value -> Census._named's answer (shared by the units)
        self.found: list[tuple[str, str]] = []  # identities this census found first, in the order met
        self.waiting: list[tuple] = []  # findings of strings not (yet) known as identities, for tally.waiting

    # -- reading --------------------------------------------------------------------------------------------

    def flush(self) -> None:
        """The waiting findings to the tally's spill, a batch at a time."""
        self.tally.waiting.extend(self.waiting)
        self.waiting = []

    def resume(self, line: int, head: tuple | None) -> None:
        """Start at a unit's line `line` + 1 after `head` (`head_after`'s answer for the lines before it): a
        block of the unit read in another process (`census_pool`)."""
        self._line = line
        if head is not None:
            self._head_text, self._head = head

    def head_after(self, data: bytes) -> tuple | None:
        """(text, record) of the last line of `data` (whole lines) that starts a record, as `_one` leaves them;
        None when no line does (the head before `data` stays)."""
        end = len(data)
        while end > 0:
            start = data.rfind(b"\n", 0, end - 1) + 1
            raw = data[start:end].rstrip(b"\n")
            end = start
            if self.framing.head.match(raw) is None:
                continue
            text = self._decode(raw)
            if text.endswith("\r"):
                text = text[:-1]
            m = HEAD.match(text)
            if m is not None:
                stamp = m.group(1)
                return text, (stamp, m.group(2), text[m.end():], *stamp_key(stamp))
            rec = self.framing.parse(text)
            return text, None if rec is None else (rec.stamp.raw if rec.stamp else None, rec.component, rec.message,
                                                   *stamp_key_of(rec.stamp))
        return None

    def _give_up(self, why: str) -> None:
        self.failed = why

    def lines(self, data: bytes, last: bool) -> None:
        """Whole lines (`last`: the unit's last line, with no line end), a piece of about BLOCK bytes at a
        time: a block's lines as objects take several times its size."""
        start, size = 0, len(data)
        while start < size and self.failed is None:
            end = size if last or start + BLOCK >= size else data.find(b"\n", start + BLOCK) + 1 or size
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
            texts = [self._decode(p) for p in pieces]  # as the scan reads such lines
        one = self._one
        end = 0 if last else 1
        for raw, text in zip(pieces, texts):
            one(raw, text, len(raw) + end)
            if self.failed is not None:
                return

    # -- one line ---------------------------------------------------------------------------------------------

    def _one(self, raw: bytes, text: str, size: int) -> None:
        self._line += 1
        if text.endswith("\r"):
            text = text[:-1]
        m = HEAD.match(text)
        if m is not None:
            stamp = m.group(1)
            record = self._head = (stamp, m.group(2), text[m.end():], *stamp_key(stamp))
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
                self.tally.mention(who[0], self.unit, key)

    def _named(self, value: str) -> tuple:
        """A rule group's value: (the person it is, None when it is no identity; its name_key; the key after a
        `DOMAIN\\`). The identity is noted as found. Cached: the values are the identities, again and again."""
        got = self._cache.get(value)
        if got is None:
            key = name_key(value)
            person = None
            identity = account(value)
            if identity is not None:
                if key not in self.known:
                    self.known[key] = identity
                    self.found.append((key, identity))
                number = self.people.get(key)
                person = key if number is None else PERSON + str(number)
            got = self._cache[value] = (person, key, key.rsplit("\\", 1)[-1] if "\\" in key else key)
        return got

    def _record(self, raw: bytes, text: str) -> tuple[tuple, bool]:
        """The record of a line HEAD does not read, as FindingBuilder._record finds it, and whether it is the
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
                                                   rec.message, *stamp_key_of(rec.stamp))
            if self._head is not None:
                return self._head, True
        if rec is None:
            return (None, None, text, None, False), True
        return (rec.stamp.raw if rec.stamp else None, rec.component, rec.message, *stamp_key_of(rec.stamp)), True

    # -- tallies ----------------------------------------------------------------------------------------------

    def _person(self, span: str) -> str | None:
        """The key a quoted string is counted under (a --users-file person's, else its own), or None when it is
        in neither Unicode form the matcher searches (search.match: composed and decomposed)."""
        if span.isascii():
            got = self._cache.get(span)  # the string as a rule's group gave it: its person's key, one object
            if got is not None and got[0] is not None and len(got[1]) == len(span):  # (nothing stripped)
                return got[0]
            key = span.lower()
        else:
            if not commutes(span):
                self._give_up("a quoted string whose case folding and Unicode forms do not commute")
                return None
            folded = fold(span)
            key = unicodedata.normalize("NFC", folded)
            if folded != key and folded != unicodedata.normalize("NFD", folded):
                return None  # in a mixed form: the matcher searches the composed and the decomposed only
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
        tally, known, line, unit, waiting = self.tally, self.known, self._line, self.unit, self.waiting
        rule = self.plan.rules[index] if index >= 0 else None
        for person in seen:
            if rule is None:
                role = "subject"
            else:
                keys = self.person_keys[int(person[1:])] if person[0] == PERSON else (person,)
                role = _role(rule, actor, target, keys)
            if person[0] == PERSON or person in known:
                tally.count(person, index, role, key, fraction, line, unit)
            else:  # not (yet) an identity: it waits on disk for the end of the pass
                waiting.append((person, index, role, key, fraction, line, unit))
                if len(waiting) >= _WAITING_BATCH:
                    self.flush()
        return tuple(seen)


#: How a --users-file person's key starts (a name's key never holds a control character: `account`).
PERSON = "\x00"


def _role(rule, actor, target, keys) -> str:
    """classify()'s role for one person on the line (is_subject: `is_account_of` over the person's keys);
    `actor` and `target` as `Census._named` gives them."""
    if not rule.decides_role:
        return role_of(rule, False, False)
    return role_of(rule, actor is not None and (actor[1] in keys or actor[2] in keys),
                   target is not None and (target[1] in keys or target[2] in keys))
