"""Searching a stream chunk by chunk with the answers of one search over all of it.

The reading thread searches each chunk as it arrives (see `readahead`); the
scanner must get exactly the candidates a left-to-right search of the whole
stream would give, start and end, or a long line's window could differ (its
end bounds the window) and a name inside a longer name could hide it (`ann`
in `leeanne`, cut as `leeann|e`).

So a chunk's candidates are split in two. A candidate starting more than the
longest name's length before the chunk's end is *decided*: every byte that
could lengthen it, or a longer name starting before it, is already there.
The rest of the chunk is *pending*: it is searched again, joined to the start
of the next chunk (a small seam window, never a whole chunk copied), and at
the end of the stream `finish()` decides it. Every position before the
pending bytes has been searched with full knowledge, which is what lets the
scanner take over exactly there.

A name that occurs on nearly every byte (a one-letter name in dense text)
would make the lists of candidates large; past `dense` candidates in one
chunk the search stops and says from which stream position on the scanner
must search its buffers itself (`handover`).
"""

from __future__ import annotations

from .match import ByteFinder

DENSE = 16384  # candidates in one chunk (one per 128 bytes) beyond which the scanner searches for itself


class StreamSearch:
    """`feed(data)` per chunk, then `finish()`: lists of absolute (start, end) candidates, in order.

    After `handover` is set (a stream position), feeding gives nothing more:
    candidates starting before it have all been given, the rest are the
    scanner's to find.
    """

    def __init__(self, finder: ByteFinder, longest: int, dense: int | None = None):
        self.finder = finder
        self.keep = max(1, longest)  # no candidate is longer than this many bytes
        self.dense = DENSE if dense is None else dense
        self.handover: int | None = None
        self._pending = b""  # the undecided end of what was fed so far
        self._pending_at = 0  # its stream position
        self._resume = 0  # the search goes on from here (the end of the last candidate given)

    @property
    def decided(self) -> float:
        """Every candidate starting before this stream position has been given (or, after a handover, is the
        scanner's to find: then everything is decided)."""
        return float("inf") if self.handover is not None else self._pending_at

    def feed(self, data: bytes) -> list[tuple[int, int]]:
        return self._search(data, final=False)

    def finish(self) -> list[tuple[int, int]]:
        return self._search(b"", final=True)

    def _search(self, data: bytes, final: bool) -> list[tuple[int, int]]:
        if self.handover is not None:
            return []
        out: list[tuple[int, int]] = []
        pending, at, keep = self._pending, self._pending_at, self.keep
        if pending and (final or len(data) < 2 * keep):
            data, base = pending + data, at  # small: search the two as one
        else:
            base = at + len(pending)
            if pending:
                # Every candidate starting in the pending bytes ends within 2 * keep of their start.
                seam = pending + data[: 2 * keep]
                for a, b in self.finder.spans(seam, max(0, self._resume - at)):
                    if a >= len(pending):
                        break
                    out.append((at + a, at + b))
                    self._resume = at + b
        decided = len(data) if final else len(data) - keep  # candidates starting here or later wait
        for a, b in self.finder.spans(data, max(0, self._resume - base)):
            if a >= decided:
                break
            out.append((base + a, base + b))
            self._resume = base + b
            if len(out) > self.dense:
                self.handover = self._resume
                return out
        cut = max(self._resume - base, decided, 0)
        self._pending, self._pending_at = (b"", base + len(data)) if final else (data[cut:], base + cut)
        return out
