"""Candidate lines from a stream of byte chunks, with bounded memory.

The searcher (a `match.ByteFinder`) runs over large buffers of raw bytes; only the lines it hits are cut out and handed on, with their line
number, their byte offset in the original stream and, when the framing has
multi-line records, the line that starts the record they belong to.

It also hands on `Sample`s: the start of the first lines, of a line every
`sample_every` bytes and of the last line, in stream order with the
candidates, so that a source's time span and the years of year-less stamps
are judged from the whole stream, not only from the lines that hit. With a
`starts` pattern it counts the lines that start a record in the source's
framing, so the lines that do not (`not_starts`) are counted without decoding.

Lines up to `max_line` bytes are handed on whole. A longer line (a 200 MB
line with no newline is a real case) is never held in memory: it is searched
as it streams past, and each hit is handed on as a window of `window` bytes
either side, with the line's first `head_keep` bytes. Which form a line takes
depends only on its length, never on how the stream was chunked, so any
chunk size gives the same findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from .linestats import make_counter
from ..sources.transcode import UnitMapper

WINDOW = 4096
HEAD_KEEP = 4096
_GUARD = WINDOW + 2048  # > window + the longest encoded name (256 chars x 4 bytes)
_BACK = WINDOW + 16


@dataclass(frozen=True)
class HeadRef:
    """The line that starts a multi-line record."""

    line: int
    offset: int
    data: bytes
    long: bool = False


@dataclass(frozen=True)
class Candidate:
    """A line (or, for a long line, a window of it) where a name may occur.

    `lo:hi` is the byte range of `data` in which occurrences count (the
    whole of it for a line handed on whole). `head` is the record's first
    line when this line continues a record, else None.
    """

    line: int
    offset: int
    data: bytes
    long: bool = False
    lo: int = 0
    hi: int | None = None
    line_head: bytes = b""
    head: HeadRef | None = None
    at: int = -1  # the line's position in the searched stream, as Sample.at (-1: a window of a long line)


@dataclass(frozen=True)
class Sample:
    """The first bytes of a line, taken for its timestamp.

    Samples start lines and come in stream order, before any candidate of
    their own line; `at` is the line's position in the searched stream.
    """

    at: int
    data: bytes


SAMPLE_BYTES = 512
FIRST_LINES = 4  # the lines sampled one after another at the start of a stream
_LONG = -2  # Sample.at of a long line's head (never a sampled position)


@dataclass
class _LongLine:
    line: int
    offset: int
    head: bytes

    def head_ref(self) -> HeadRef:
        """This line as the head of a record."""
        return HeadRef(self.line, self.offset, self.head, True)


class LineScanner:
    """Feed it chunks with `run()`; afterwards `lines` holds the number of lines seen."""

    def __init__(
        self,
        searcher,
        newline: bytes,
        head: re.Pattern | None,
        unit_width: int,
        max_line: int,
        sample_every: int | None = None,
        starts: re.Pattern | None = None,
        starts_fixed_digits: bool = False,
        accelerate: bool = True,
        shifts: list[int] | None = None,  # a Transcoder's: where a byte was set aside (UnitMapper)
    ):
        self.searcher = searcher
        self.nl = newline
        self.head_re = head
        self.mapper = UnitMapper(unit_width, shifts)
        self.max_line = max_line
        # A long line keeps its first head_keep bytes; never more than max_line, so
        # that streaming (which knows only max_line + 1 bytes when it starts) agrees.
        self.head_keep = min(HEAD_KEEP, max_line)
        self.lines = 0
        self.sample_every = sample_every
        self.starts = starts
        self.counter = make_counter(newline, starts, starts_fixed_digits, accelerate)
        self.not_starts = 0
        self._abs = 0  # position of buf[0] in the searched stream
        self._next_sample = 0
        self._taken = 0  # lines sampled so far
        self._sampled_at = -1
        self._last_seen: Sample | None = None  # the last complete line so far, if not sampled
        self._before_last: list[Sample] = []  # up to FIRST_LINES - 1 complete lines before it
        self._last_head: HeadRef | None = None
        self._long: _LongLine | None = None
        self._head_cache: tuple[int, HeadRef | None] | None = None

    # ----- record heads (multi-line records) -----

    def _head_at(self, buf: bytes, start: int, line: int) -> HeadRef | None:
        if self.head_re is None or not self.head_re.match(buf, start):
            return None
        end = buf.find(self.nl, start)
        end = len(buf) if end < 0 else end
        if end - start > self.max_line:
            return HeadRef(line, self.mapper.original(start), buf[start : start + self.head_keep], True)
        return HeadRef(line, self.mapper.original(start), buf[start:end])

    def _head_before(self, buf: bytes, start: int, line: int, floor: int) -> HeadRef | None:
        """The nearest record head at or before the line starting at buf[start] (line number `line`).

        `floor` > 0 means buf[0:floor] is the tail of a long line that began
        in an earlier buffer, so buf[0] is not a line start.
        """
        stop, known = -1, self._last_head
        if self._head_cache is not None and self._head_cache[0] <= start:
            stop, known = self._head_cache
        s, n = start, line
        while s > stop:
            if s == 0 and floor > 0:
                long = self._long
                if long is not None and self.head_re.match(long.head):
                    known = long.head_ref()
                break
            ref = self._head_at(buf, s, n)
            if ref is not None:
                known = ref
                break
            if s == 0:
                break
            s = buf.rfind(self.nl, 0, s - 1) + 1
            n -= 1
        self._head_cache = (start, known)
        return known

    # ----- the scan -----

    def run(self, chunks: Iterable[bytes], origin: int = 0) -> Iterator[Candidate]:
        carry, orig_base, scan_from, line_no, partial = b"", origin, 0, 1, False
        it = iter(chunks)
        while True:
            data = next(it, None)
            final = data is None
            buf = carry + data if data else carry
            k = buf.rfind(self.nl, scan_from)  # the last newline: it ends the region (or there is none)
            if final:
                end = len(buf)
            else:
                if k >= 0:
                    end = k + 1
                else:
                    if self._long is None and len(buf) <= self.max_line:
                        carry = buf
                        continue
                    end = len(buf) - _GUARD
                    if end <= scan_from or end < _BACK:
                        # Not yet enough bytes to search part of the line and keep _BACK of it.
                        carry = buf
                        continue
                    if self._long is None:
                        self._long = _LongLine(line_no, orig_base, buf[: self.head_keep])
                        if self.head_re is not None and self.head_re.match(buf):
                            self._last_head = self._long.head_ref()
            self.mapper.start(buf, orig_base, self._abs)
            self._head_cache = None
            before = line_no
            buf = self.counter.region(buf, scan_from, end, self.mapper.original)  # lone CRs made LF
            line_no = yield from self._round(buf, scan_from, end, line_no)
            self._count_starts(buf, scan_from, end, line_no - before)
            partial = (partial or end > scan_from) if k < 0 else end > k + 1
            if final:
                self.lines = line_no - (0 if partial else 1)
                # The last lines, not only the last: a trailing line that is no record must not hide the end.
                tail = self._tail_samples(buf, end)  # before _last_line() moves _sampled_at
                last = self._last_line(buf, end)
                for sample in tail:
                    if last is None or sample.at != last.at:
                        yield sample
                if last is not None:
                    yield last
                return
            if k >= 0:
                self._remember_last_line(buf, end, scan_from)
                self._long = None
                self._update_last_head(buf, end, line_no, scan_from)
                cut, scan_from = end, 0
            else:
                cut = end - _BACK
                scan_from = _BACK
            orig_base = self.mapper.original(cut)
            self._abs += cut
            carry = buf[cut:]

    def _count_starts(self, buf: bytes, lo: int, hi: int, newlines: int) -> None:
        """Count lines in buf[lo:hi] (which holds `newlines` newlines) that do not start a record (each line once)."""
        if self.starts is None or hi <= lo:
            return
        at_line_start = lo == 0 or buf[lo - 1 : lo] == self.nl  # buf[0] is a line start whenever lo is 0
        if at_line_start and not self.starts.match(buf, lo):
            self.not_starts += 1
        # A newline at hi - 1 begins a line counted in the next round (or none, at the end).
        if buf[hi - 1 : hi] == self.nl:
            hi, newlines = hi - 1, newlines - 1
        self.not_starts += self.counter.not_starts(hi, newlines)

    def _samples(self, buf: bytes, scan_from: int, end: int) -> list[int]:
        """Starts of the lines to sample in buf[scan_from:end]."""
        out = []
        if self.sample_every is None:
            return out
        while self._next_sample < self._abs + end:
            pos = max(self._next_sample - self._abs, scan_from)
            if not (pos == 0 and self._long is None) and buf[pos - 1 : pos] != self.nl:
                nxt = buf.find(self.nl, pos, end)
                if nxt < 0 or nxt + 1 >= end:
                    break
                pos = nxt + 1
            if pos >= end:
                break  # no line starts here (the end of the stream): a sample here would be empty
            out.append(pos)
            self._taken += 1
            if self._taken < FIRST_LINES:
                # The first lines one after another: a header row, a blank or a banner line does not keep the
                # first record out of the source's span.
                nxt = buf.find(self.nl, pos, end)
                self._next_sample = self._abs + (nxt + 1 if nxt >= 0 else end)
            else:
                self._next_sample = self._abs + pos + self.sample_every
        return out

    def _sample_at(self, buf: bytes, start: int) -> Sample:
        end = buf.find(self.nl, start, start + SAMPLE_BYTES)
        self._sampled_at = self._abs + start
        return Sample(self._sampled_at, buf[start : end if end >= 0 else start + SAMPLE_BYTES])

    def _remember_last_line(self, buf: bytes, end: int, floor: int) -> None:
        """Keep the start of the last complete line in buf[:end] (the stream's last if nothing follows), and of
        the few before it."""
        if self.sample_every is None:
            return
        previous = [s for s in (*self._before_last, self._last_seen) if s is not None]
        start = buf.rfind(self.nl, 0, end - 1) + 1
        self._before_last = self._lines_before(buf, start, floor, previous)
        if start == 0 and floor > 0:
            long = self._long  # the line began in an earlier buffer: its head is kept
            self._last_seen = Sample(_LONG, long.head[:SAMPLE_BYTES]) if long is not None else None
        elif end - 1 > start:
            stop = buf.find(self.nl, start, start + SAMPLE_BYTES)
            self._last_seen = Sample(self._abs + start, buf[start : stop if stop >= 0 else start + SAMPLE_BYTES])
        else:
            self._last_seen = None  # an empty last line: nothing to read a time from

    def _lines_before(self, buf: bytes, start: int, floor: int, previous: list[Sample]) -> list[Sample]:
        """Samples of up to FIRST_LINES - 1 non-empty lines before the one at `start`, earlier buffers' included."""
        want = FIRST_LINES - 1
        if start == 0 and floor > 0:  # the last line is a long one begun in an earlier buffer
            return previous[-want:]
        earlier, pos = [], start
        while len(earlier) < want and pos > floor:
            s = buf.rfind(self.nl, 0, pos - 1) + 1
            if pos - 1 > s:
                stop = buf.find(self.nl, s, s + SAMPLE_BYTES)
                earlier.insert(0, Sample(self._abs + s, buf[s : stop if stop >= 0 else s + SAMPLE_BYTES]))
            pos = s
        if pos == 0 and floor == 0 and len(earlier) < want:
            earlier = previous[max(0, len(previous) - (want - len(earlier))) :] + earlier
        return earlier

    def _tail_samples(self, buf: bytes, end: int) -> list[Sample]:
        """The lines before the stream's last that were not sampled, in order (see _remember_last_line)."""
        if self.sample_every is None:
            return []
        last_in_buf = (end - 1 if buf[end - 1 : end] == self.nl else end) > 0
        items = self._before_last + ([self._last_seen] if last_in_buf and self._last_seen is not None else [])
        return [s for s in items[-(FIRST_LINES - 1):] if s.at != _LONG and s.at > self._sampled_at]

    def _last_line(self, buf: bytes, end: int) -> Sample | None:
        """The last line of the stream, unless it was sampled already."""
        if self.sample_every is None:
            return None
        stop = end - 1 if buf[end - 1 : end] == self.nl else end
        start = buf.rfind(self.nl, 0, stop) + 1 if stop > 0 else 0
        if stop > start and not (start == 0 and self._long is not None):
            return None if self._abs + start == self._sampled_at else self._sample_at(buf, start)
        if stop > start and self._long is not None:
            return Sample(_LONG, self._long.head[:SAMPLE_BYTES])
        last = self._last_seen
        return last if last is not None and last.at != self._sampled_at else None

    def _update_last_head(self, buf: bytes, end: int, line_no: int, floor: int) -> None:
        if self.head_re is None or end == 0:
            return
        # line_no is the line after `end`; walk back from the last complete line.
        s = buf.rfind(self.nl, 0, end - 1) + 1
        ref = self._head_before(buf, s, line_no - 1, floor)
        if ref is not None:
            self._last_head = ref

    def _round(self, buf: bytes, scan_from: int, end: int, line_no: int):
        nl, pos, counted = self.nl, scan_from, scan_from
        samples = self._samples(buf, scan_from, end)
        find = self.searcher(buf, self._abs) if self.searcher is not None else None
        while find is not None:
            m = find(pos)
            if m is None or m[0] >= end:
                break
            p = m[0]
            while samples and samples[0] <= p:
                yield self._sample_at(buf, samples.pop(0))
            line_no += self.counter.between(counted, p)
            counted = p
            ls = buf.rfind(nl, 0, p) + 1
            if ls < scan_from or (ls == 0 and self._long is not None):
                # Inside the long line that began in an earlier buffer.
                long = self._long
                yield self._window(buf, m, long.line, long.offset, 0, long.head, self._long_head(long))
                pos = m[1]
                continue
            le = buf.find(nl, p)
            le = len(buf) if le < 0 else le
            head = None if self.head_re is None else self._continues(buf, ls, line_no, scan_from)
            offset = self.mapper.original(ls)
            if le - ls > self.max_line:
                yield self._window(buf, m, line_no, offset, ls, buf[ls : min(le, ls + self.head_keep)], head)
                pos = m[1]
            else:
                yield Candidate(line_no, offset, buf[ls:le], head=head, at=self._abs + ls)
                pos = le + 1
        for start in samples:
            yield self._sample_at(buf, start)
        line_no += self.counter.between(counted, end)
        return line_no

    def _long_head(self, long: _LongLine) -> HeadRef | None:
        if self.head_re is None or self.head_re.match(long.head):
            return None
        return self._last_head

    def _continues(self, buf: bytes, ls: int, line_no: int, floor: int) -> HeadRef | None:
        """The head of the record this line continues; None when the line starts a record itself."""
        if self.head_re.match(buf, ls):
            return None
        if ls == 0:
            return self._last_head
        prev = buf.rfind(self.nl, 0, ls - 1) + 1
        return self._head_before(buf, prev, line_no - 1, floor)

    def _window(self, buf, m, line, offset, line_start, line_head, head) -> Candidate:
        p, e = m
        ws = max(line_start, p - WINDOW)
        le = buf.find(self.nl, e, e + WINDOW)
        we = le if le >= 0 else min(len(buf), e + WINDOW)
        return Candidate(line, offset, buf[ws:we], True, p - ws, e - ws, line_head, head)
