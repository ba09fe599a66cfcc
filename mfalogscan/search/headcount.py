"""Counting the lines that do not start a record, exactly and without decoding.

A source's `unparsed_lines` is the number of its lines that its framing's
`head` pattern does not match at the line start. Asking the pattern at every
line start costs about 1.1 s/GiB (Python's regex engine walks every byte);
this module does the common case with two of the bytes type's C loops.

For a framing whose head is made of `[0-9]` classes and literal characters
(`head_fixed_digits`), a head with its digits replaced by `0` is a
*skeleton*, and every string with that skeleton is a head: the native log's
`2024-03-07T18:20:20.006280Z|` is `0000-00-00T00:00:00.000000Z|`. So in a
copy of the buffer with every digit mapped to `0`, each occurrence of
newline + skeleton is a line that starts a record. When that count equals
the number of line starts in the range, no line there is unparsed; when it
does not (a stack trace, a line of another shape), the range is counted the
slow, exact way, and the skeleton is learnt again from the range's first
head if the old one no longer occurs. Either way the result is exact: the
literal count is only trusted when it proves that every line is a head.
"""

from __future__ import annotations

import re

_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0000000000")


class NotStartCounter:
    """`count(buf, lo, stop)`: the lines starting after a newline in buf[lo:stop] that `starts` does not match."""

    def __init__(self, starts: re.Pattern, newline: bytes, fixed_digits: bool):
        self.starts = starts
        self.nl = newline
        self._slow = re.compile(re.escape(newline) + b"(?!" + starts.pattern + b")")
        self.fixed = fixed_digits
        self._literal: bytes | None = None

    def count(self, buf: bytes, lo: int, stop: int, newlines: int) -> int:
        """`newlines` is the number of newlines in buf[lo:stop] (the caller counts them for line numbers anyway)."""
        if newlines == 0:
            return 0
        if self.fixed:
            lit = self.literal(buf, lo, stop)
            if lit is not None:
                digits = buf.translate(_DIGITS_TO_ZERO)
                # An occurrence starting before `stop` may end up to len(lit) - 1 bytes after it.
                heads = digits.count(lit, lo, min(len(buf), stop + len(lit) - 1))
                if heads == newlines:
                    return 0
                if heads == 0:
                    self.relearn()  # another shape of head now: learn it from this range
                    self.literal(buf, lo, stop)
        return self.count_slowly(buf, lo, stop)

    def literal(self, buf: bytes, lo: int, stop: int) -> bytes | None:
        """Newline + skeleton of the heads (learnt from buf[lo:stop] the first time); None if none is known."""
        if self._literal is None:
            self._learn(buf, lo, stop)
        return self._literal

    def relearn(self) -> None:
        """The skeleton no longer fits most lines: learn it again from the next range."""
        self._literal = None

    def count_slowly(self, buf: bytes, lo: int, stop: int) -> int:
        """The exact count, asking the pattern after every newline."""
        # Each line is judged on its whole text, also where it runs on past `stop`.
        n = 0
        for m in self._slow.finditer(buf, lo):
            if m.start() >= stop:
                break
            n += 1
        return n

    def _learn(self, buf: bytes, lo: int, stop: int) -> None:
        """Take the skeleton of the first head that starts after a newline in buf[lo:stop]."""
        at = buf.find(self.nl, lo, stop)
        tries = 0
        while at >= 0 and tries < 64:
            m = self.starts.match(buf, at + len(self.nl))
            if m is not None and self.nl not in m.group() and not m.group().startswith(b"\x00"):  # no NUL run
                self._literal = self.nl + m.group().translate(_DIGITS_TO_ZERO)
                return
            at = buf.find(self.nl, at + 1, stop)
            tries += 1
