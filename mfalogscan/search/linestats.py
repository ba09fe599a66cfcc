"""Counting a region's lines, and the lines in it that do not start a record; the CRs among its line ends.

For each region of a buffer it has searched, the scanner asks how many
newlines lie between two positions (the line numbers of hits and the lines
of the region) and how many of the region's lines its framing's `head`
pattern does not match (`unparsed_lines`).

A region with a CR (a CRLF log) is checked for lone CRs, which end a line
too (`sources.lineends`): they are made LF before the region is counted,
and the kinds of line end met are noted (`first`). With NumPy that is one
count of CRs and a look at the byte before each LF (whose positions the
counter finds anyway); the plain way is a regular expression and two counts.

`LineCounter` answers with the bytes type's own C loops (see `headcount`).
`NumpyLineCounter`, used when NumPy is installed (`pip install
mfalogscan[fast]`), finds the region's newlines once with a vector compare
(0.22 s/GiB against 0.34 for bytes.count) and checks every line's head shape at once:
for a framing with `head_fixed_digits`, the first bytes of each line are read
as 64-bit words and compared with the learnt skeleton, digits by a nibble
test. A line that fails is asked of the head pattern itself, so the count is
exact; a region with many such lines is counted the plain way. Tests check
both counters give the same numbers.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from typing import Callable

from ..sources.lineends import LONE_CR
from .headcount import NotStartCounter

_MIN_REGION = 64 * 1024  # smaller regions: NumPy's call overhead outweighs its speed
_MAX_ODD_LINES = 512  # lines failing the word test that are asked of the pattern one by one


class LineCounter:
    """`region(buf, lo, hi, locate)` (the buffer, its lone CRs made LF), then `between(a, b)` and
    `not_starts(stop, newlines)` for it. `first`: kind of line end -> offset (`locate(i)`) of its first."""

    def __init__(self, newline: bytes, starts: re.Pattern | None, fixed_digits: bool):
        self.nl = newline
        self.heads = NotStartCounter(starts, newline, fixed_digits) if starts is not None else None
        self.buf, self.lo = b"", 0
        self.first: dict[str, int] = {}
        self.made_lf: set[int] | None = None  # stream offsets of CRs the reading made LF (sources.lineends)

    def region(self, buf: bytes, lo: int, hi: int, locate: Callable[[int], int] = int) -> bytes:
        if self.nl == b"\n" and buf.find(b"\r", lo, hi) >= 0:
            lone = [m.start() for m in LONE_CR.finditer(buf, lo, hi)]
            crlf = buf.count(b"\r", lo, hi) - len(lone)
            buf = self._line_ends(buf, lo, hi, lone, crlf, buf.count(b"\n", lo, hi) - crlf, locate)
        self.buf, self.lo = buf, lo
        return buf

    def _line_ends(self, buf: bytes, lo: int, hi: int, lone: list[int], crlf: int, bare: int, locate) -> bytes:
        """Note the kinds met first here (searched for once per source); the buffer with its lone CRs made LF."""
        found = {"CR": lone[0]} if lone and "CR" not in self.first else {}
        if crlf and "CRLF" not in self.first:
            found["CRLF"] = buf.find(b"\r\n", lo, hi)
        if bare and "LF" not in self.first:
            made = self.made_lf
            i = buf.find(b"\n", lo, hi)
            # Past CRLFs, and past lone CRs the reading made LF (`sources.lineends`): those are no LF line ends.
            while i >= 0 and ((i > 0 and buf[i - 1] == 13) or (made is not None and locate(i) in made)):
                i = buf.find(b"\n", i + 1, hi)
            if i >= 0:
                found["LF"] = i
        for kind, i in sorted(found.items(), key=lambda kv: kv[1]):
            self.first[kind] = locate(i)
        return buf[:lo] + LONE_CR.sub(b"\n", buf[lo:hi]) + buf[hi:] if lone else buf

    def between(self, a: int, b: int) -> int:
        """Newlines in buf[a:b]."""
        return self.buf.count(self.nl, a, b)

    def not_starts(self, stop: int, newlines: int) -> int:
        """Lines starting after a newline in buf[lo:stop] (there are `newlines`) that do not start a record."""
        return self.heads.count(self.buf, self.lo, stop, newlines)


def make_counter(newline: bytes, starts: re.Pattern | None, fixed_digits: bool, accelerate: bool) -> LineCounter:
    """The fastest counter available (NumPy's when installed and `accelerate`)."""
    if accelerate and _numpy_installed():
        return NumpyLineCounter(newline, starts, fixed_digits)
    return LineCounter(newline, starts, fixed_digits)


def _numpy_installed() -> bool:
    if "numpy" in sys.modules:
        return sys.modules["numpy"] is not None
    return _numpy_findable()


@functools.lru_cache(maxsize=None)
def _numpy_findable() -> bool:
    return importlib.util.find_spec("numpy") is not None  # a path search: once, not per source


class NumpyLineCounter(LineCounter):
    def __init__(self, newline: bytes, starts: re.Pattern | None, fixed_digits: bool):
        super().__init__(newline, starts, fixed_digits)
        self._np = None  # imported at the first large region: small sources never pay its 0.1 s
        self._pos = None
        self._words = None  # (literal, per-word masks) of the skeleton the tests were built for

    def region(self, buf: bytes, lo: int, hi: int, locate: Callable[[int], int] = int) -> bytes:
        if hi - lo < _MIN_REGION:
            self._pos = None
            return super().region(buf, lo, hi, locate)
        self.buf, self.lo = buf, lo
        if self._np is None:
            import numpy

            self._np = numpy
        np = self._np
        view = np.frombuffer(buf, np.uint8, hi - lo, lo)
        self._pos = pos = np.flatnonzero(view == self.nl[0]) + lo
        if self.nl == b"\n" and buf.find(b"\r", lo, hi) >= 0:
            # Each LF after a CR is a CRLF; CRs beyond those are lone (a region ends at an LF, or the stream's end).
            crs = int(np.count_nonzero(view == 13))
            after_cr = np.frombuffer(buf, np.uint8)[pos[pos > 0] - 1] == 13
            crlf = int(np.count_nonzero(after_cr))
            lone = [m.start() for m in LONE_CR.finditer(buf, lo, hi)] if crs > crlf else []
            self.buf = self._line_ends(buf, lo, hi, lone, crlf, len(pos) - crlf, locate)
            if lone:
                self._pos = np.flatnonzero(np.frombuffer(self.buf, np.uint8, hi - lo, lo) == 10) + lo
        return self.buf

    def between(self, a: int, b: int) -> int:
        pos = self._pos
        if pos is None:
            return super().between(a, b)
        return int(pos.searchsorted(b)) - int(pos.searchsorted(a))

    def not_starts(self, stop: int, newlines: int) -> int:
        pos, heads = self._pos, self.heads
        if pos is None or not heads.fixed or newlines == 0:
            return super().not_starts(stop, newlines)
        literal = heads.literal(self.buf, self.lo, stop)
        if literal is None or len(literal) - len(self.nl) > 32:
            return super().not_starts(stop, newlines)
        starts = pos[: int(pos.searchsorted(stop))] + len(self.nl)
        odd = self._odd_lines(starts, literal)
        if len(odd) > _MAX_ODD_LINES:
            if 2 * len(odd) > len(starts):
                heads.relearn()  # most lines have another shape now
            return heads.count_slowly(self.buf, self.lo, stop)
        match, buf = heads.starts.match, self.buf
        return sum(1 for s in odd.tolist() if not match(buf, s))

    def _odd_lines(self, starts, literal: bytes):
        """The line starts whose first bytes do not have the skeleton's shape."""
        np, buf = self._np, self.buf
        if self._words is None or self._words[0] != literal:
            self._words = (literal, _word_tests(literal[len(self.nl):]))
        tests = self._words[1]
        reach = 8 * len(tests)
        fits = int(starts.searchsorted(len(buf) - reach + 1))  # lines whose words lie inside buf
        inside, near_end = starts[:fits], starts[fits:]
        ok = np.ones(len(inside), bool)
        if len(inside):
            words = np.ndarray((len(buf) - 7,), "<u8", buf, 0, (1,))  # the 8 bytes at every offset
            for j, (fixed_mask, fixed_value, low_mask, high_mask) in enumerate(tests):
                w = words[inside + 8 * j]
                ok &= (w & fixed_mask) == fixed_value
                if low_mask:
                    ok &= (((w & low_mask) + (low_mask & 0x0606060606060606)) & high_mask) == 0
        return np.concatenate((inside[~ok], near_end))


def _word_tests(skeleton: bytes) -> list[tuple[int, int, int, int]]:
    """Per 8-byte word of the skeleton: (mask, value) of its fixed bits, and the nibble masks of its digits.

    A digit is 0x30-0x39: high nibble 3 (a fixed bit pattern) and low nibble
    at most 9, i.e. low nibble + 6 does not carry into the high nibble (no
    carry crosses bytes: 0x0F + 6 < 0x100).
    """
    tests = []
    for at in range(0, len(skeleton), 8):
        word = skeleton[at : at + 8]
        fixed_mask = fixed_value = low_mask = high_mask = 0
        for i, byte in enumerate(word):
            shift = 8 * i  # little-endian: byte i of the word is bits 8i..8i+7
            if byte == 0x30:  # a digit, as the skeleton writes it
                fixed_mask |= 0xF0 << shift
                fixed_value |= 0x30 << shift
                low_mask |= 0x0F << shift
                high_mask |= 0xF0 << shift
            else:
                fixed_mask |= 0xFF << shift
                fixed_value |= byte << shift
        tests.append((fixed_mask, fixed_value, low_mask, high_mask))
    return tests
