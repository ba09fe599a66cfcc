"""UTF-16 without a byte-order mark, and UTF-16 that goes out of step after a NUL run.

- `guess_utf16`: the byte order of a sample without a BOM, from where the
  NUL bytes of Latin text fall (every other byte). Runs of NUL bytes (a
  crash, a preallocated file) are left out of the count: they are no text
  of either order, and a file that is UTF-16 apart from such a run is UTF-16.
- `Aligner`: a run of NUL bytes of odd length puts a two-byte decoder out of
  step: every byte after it is paired with the wrong neighbour and the text
  reads as CJK soup, so every name after it is lost. At each run of two or
  more NUL bytes the aligner decides, from the bytes after the run, which
  alignment gives UTF-16 text: the one in which Latin letters, digits,
  punctuation and line breaks have their NUL high byte (a timestamp and
  `|i|` say it within a few characters). When that is not the alignment the
  decoder is in, it sets one NUL byte of the run aside. Each such `Step` says
  where step was lost (the run) and regained (the first code unit read in
  step again). All NUL bytes are alike, so which one is set aside changes
  no character, only where offsets move by one byte (`UnitMapper` shifts).

Decisions depend only on the bytes of the stream, never on how it was
chunked: a run near a chunk's end is held back until WINDOW bytes after it
are known (or the stream ends).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WINDOW = 128  # bytes after a NUL run that decide its alignment (64 code units)
_EVIDENCE = 4  # NUL high bytes in the window, at least, to decide on
_RUN = re.compile(rb"\x00{2,}")


def guess_utf16(sample: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` when the sample (no BOM) is UTF-16 of mostly Latin text, else None.

    Nine bytes in ten of the stretches between runs of two NUL bytes or more
    must look like UTF-16 (over 60% NULs in one parity, under 10% in the
    other); the byte order is that of the first such stretch, by where its
    NULs lie in the file (after a stray NUL byte, the rest is out of step and
    has its NULs in the other parity: the aligner puts it back in step).
    """
    if len(sample) < 16:
        return None
    at, total, wide, order = 0, 0, 0, None
    for m in [*_RUN.finditer(sample), None]:
        end = m.start() if m is not None else len(sample)
        piece = sample[at:end]
        if len(piece) >= 16:
            total += len(piece)
            even, odd = piece[0::2], piece[1::2]
            even_zero, odd_zero = even.count(0) / len(even), odd.count(0) / len(odd)
            zeros_at = 1 if odd_zero > 0.6 and even_zero < 0.1 else 0 if even_zero > 0.6 and odd_zero < 0.1 else None
            if zeros_at is not None:
                wide += len(piece)
                if order is None:
                    order = "utf-16-le" if (at + zeros_at) % 2 == 1 else "utf-16-be"
        if m is not None:
            at = m.end()
    return order if total and wide * 10 >= total * 9 else None


@dataclass(frozen=True)
class Step:
    """UTF-16 out of step in a NUL run of `length` bytes at `run`, in step again from `regained`."""

    run: int
    length: int
    regained: int
    dropped: int  # the stream offset of the NUL byte set aside


def _in_step_from(data: bytes, e: int, little: bool) -> int | None:
    """Where code units start after a NUL run that ends at data[e] (e or e - 1), or None when the bytes after
    it do not say: Latin text, digits, punctuation and line breaks have a NUL high byte in every code unit, so
    the NUL bytes after the run fall in one parity (in little-endian the high byte follows the low one, in
    big-endian it comes first). Text with few such characters (CJK) says nothing, and is left as it is."""
    window = data[e : e + WINDOW]
    odd, even = window[1::2].count(0), window[0::2].count(0)
    if odd >= max(_EVIDENCE, 3 * even):
        return e if little else e - 1
    if even >= max(_EVIDENCE, 3 * odd):
        return e - 1 if little else e
    return None


class Aligner:
    """Feed a UTF-16 stream's bytes in order; get back the pieces to decode, with one NUL byte set aside
    between each piece and the next. `steps` lists where that happened."""

    def __init__(self, encoding: str, origin: int = 0):
        self._little = encoding == "utf-16-le"
        self.parity = origin % 2  # code units start at stream offsets of this parity
        self.steps: list[Step] = []
        self._held = b""  # bytes of a NUL run (and after it) waiting for more of the stream
        self._held_at = origin
        self._held_context = 0  # how many of them were given out already
        self._run_from: int | None = None  # where a run that began before the held bytes began

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def feed(self, data: bytes, at: int, final: bool = False, context: int = 0) -> list[tuple[int, bytes]]:
        """`data` comes at stream offset `at`, right after every byte fed before, its first `context` bytes
        already decoded (they only say whether a NUL run began before: never given back, never set aside).
        Returns (stream offset, bytes) pieces in order; all of `data` is given back, or held for the next feed,
        unless `final`."""
        if self._held:
            data, at, context = self._held + data, self._held_at, self._held_context
            self._held = b""
        pieces, start = [], context
        for m in _RUN.finditer(data):
            s, e = m.span()
            run_from = self._run_from if s == 0 and self._run_from is not None else at + s
            if not final and (e == len(data) or e + WINDOW > len(data)):
                # The run may go on, or too little follows it to decide: hold its last two bytes (one of them may
                # be set aside) and what follows. A run longer than that (4 GiB of NULs) is given back as it comes.
                hold = e - 2  # the held bytes may begin with some already given (context): they show the run
                keep = max(start, hold)
                self._held, self._held_at, self._held_context = data[hold:], at + hold, keep - hold
                self._run_from = run_from  # the held bytes start inside this run
                pieces.append((at + start, data[start:keep]))
                return pieces
            self._run_from = None
            other = _in_step_from(data, e, self._little)
            if other is not None and (at + other) % 2 != self.parity:
                drop = other - 1  # a code unit of the current alignment starts there: the pieces keep in step
                pieces.append((at + start, data[start:drop]))
                start = drop + 1
                self.parity ^= 1
                self.steps.append(Step(run_from, at + e - run_from, at + other, at + drop))
        pieces.append((at + start, data[start:]))
        return pieces


def realign(body: bytes, encoding: str, origin: int = 0) -> bytes:
    """A whole sample's bytes in step (for sniffing): every NUL byte set aside removed."""
    return b"".join(piece for _, piece in Aligner(encoding, origin).feed(body, origin, final=True))
