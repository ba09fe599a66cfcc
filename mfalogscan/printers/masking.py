"""--mask-others: a handed-over report shows nothing of other people, neither their names nor their values.

Names: every account name in shown log text that is not the subject's
(after `user`, `by`, `username=`..., in double quotes, doubled CSV quotes,
single quotes or `pfAuthUser('X'`, `DOMAIN\\name` and e-mail forms anywhere,
and the other searched people) becomes `[other person N]`, numbered in order
of first appearance in the report.

Values: a record about another person (the subject is its `actor`: they
changed, added or deleted someone else) also loses the values of that
person's record: the changed values the rule captured, every other quoted
value, and phone numbers, e-mail addresses and IP addresses anywhere in it
become `[masked value]`. In records about the subject (target, self,
subject) the values are the subject's own data and stay.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..search.casefold import is_account_of, name_key

if TYPE_CHECKING:
    from ..search.match import NameMatcher

MASKED_VALUE = "[masked value]"
# Where log text names an account: after user/by/record/username= (any case), in double quotes (doubled
# in CSV), single quotes, or pfAuthUser('X'. Apostrophes may be part of a double-quoted name (O'Brien).
_NAMED = re.compile(
    r"""((?:\b(?:user(?:\s+record)?|username|users|by|approver|actor|owner)\b\s*[:=]?\s*|pfAuthUser\(\s*))"""
    r"""(?:(""?)([^"\r\n]{1,256}?)\2(?!")|(')([^'\r\n]{1,256})')""",
    re.IGNORECASE,
)
_ACCOUNT = re.compile(r"(?<![\w.@-])(?:[A-Za-z][\w.-]{0,62}\\[\w.$-]{1,104}|[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+)(?![\w@-])")


# What is personal in any text: phone numbers (7+ digits with the usual separators), e-mail addresses, IPv4
# and IPv6 addresses.
_VALUES = re.compile(
    r"(?<![\w.])\+?\d[\d ().-]{5,}\d(?![\w.])"
    r"|[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+"
    r"|(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
    r"|(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){5,7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?)(?![\w:])"
)
_QUOTED = re.compile(r'"([^"\r\n]{1,512})"|\'([^\'\r\n]{1,512})\'')


class Masker:
    """Pseudonyms for everyone but one report's subject, numbered in order of first appearance in that report."""

    def __init__(self, own: set[str], others: "NameMatcher | None", captured: set[str]):
        self.own = own  # folded NFC keys of the subject's names
        self.others = others  # the other searched people, matched as the scan matches
        self.captured = captured  # account names the rules captured (actors, targets) in this report
        self.names: dict[str, str] = {}

    def _is_own(self, name: str) -> bool:
        return is_account_of(name, self.own)

    def pseudonym(self, name: str) -> str:
        key = name_key(name)
        if key not in self.names:
            self.names[key] = f"[other person {len(self.names) + 1}]"
        return self.names[key]

    def _replace(self, text: str, spans: list) -> str:
        out, last = [], 0
        for start, end in sorted(spans):
            if start < last:
                continue
            out += [text[last:start], self.pseudonym(text[start:end])]
            last = end
        return "".join(out) + text[last:]

    def known(self, text: str) -> str:
        """Mask the other searched people and the captured account names (for paths and labels too)."""
        spans = []
        if self.others is not None:
            spans += [(o.start, o.end) for o in self.others.occurrences(text)]
        for name in self.captured:
            for m in re.finditer(re.escape(name), text, re.IGNORECASE):
                spans.append((m.start(), m.end()))
        return self._replace(text, spans)

    def mask(self, text: str) -> str:
        """Mask every other person's account name in a line of log text."""
        spans = []
        for m in _NAMED.finditer(text):
            group = 3 if m.group(3) is not None else 5
            if not self._is_own(m.group(group)):
                spans.append((m.start(group), m.end(group)))
        for m in _ACCOUNT.finditer(text):
            if not self._is_own(m.group(0)):
                spans.append((m.start(), m.end()))
        text = self._replace(text, spans)
        return self.known(text)

    def about_another(self, finding) -> bool:
        """The record is about someone else: the subject acted on another person's record."""
        target = finding.details.get("target") if finding.details else None
        return finding.role == "actor" and bool(target) and not self._is_own(target)

    def shown(self, finding) -> str:
        """The finding's log text as this report may show it: names masked, and values when it is about another."""
        text = self.mask(finding.text)
        if not self.about_another(finding):
            return text
        # Only the message: a line's header (time, pid, thread) holds numbers that are no one's phone.
        message = self.mask(finding.message) if finding.message else ""
        at = text.rfind(message) if message else -1
        return text[:at] + self.values(message) if at >= 0 else self.values(text)

    def values(self, text: str) -> str:
        """`text` (already name-masked) without the values of another person's record."""

        def quoted(m: re.Match) -> str:
            inner = m.group(1) if m.group(1) is not None else m.group(2)
            if inner.startswith("[other person") or inner == MASKED_VALUE or self._is_own(inner):
                return m.group(0)
            q = m.group(0)[0]
            return f"{q}{MASKED_VALUE}{q}"

        text = _QUOTED.sub(quoted, text)
        return _VALUES.sub(lambda m: m.group(0) if self._is_own(m.group(0)) else MASKED_VALUE, text)
