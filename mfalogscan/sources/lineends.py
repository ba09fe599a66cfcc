"""Line ends decided as the bytes come, not once per file: LF, CRLF and a lone CR all end a line, in any mix.

The scanner cuts lines at LF only (one byte to look for, in big chunks).
Every lone CR (a CR not followed by LF: classic Mac, or a program that wrote
CR-only lines into an LF log) is turned into LF in the searched bytes. The
length stays, so every offset still points into the stored bytes, whose
hash is taken before. A file that is CR-only for 70 KB and LF after it then
has every line found, where one line ending decided from its first 64 KiB
made the rest one long line.

The work is split by where it is cheapest. `LineEnds`, before the scanner,
sees each chunk: one without CR (an LF log) costs a memchr; one with CRs
and no LF (CR-only) is one translate; in one with both (a CRLF log, or where
the kind changes) it looks only at the bytes after the last LF. The lines
before that last LF are the scanner's region, where the line counter knows
the LF positions already and checks the byte before each
(`search.linestats`: one count of CRs more, with NumPy). A CR at a chunk's
end waits for the next chunk's first byte.

Both note the kinds of line end met and the offset where each first
appears (`first`): a source with more than one kind gets a warning, since a
change of kind mid-file (a CR-only stretch in an LF log, CRLF lines after
LF ones) is a sign of another writer, a repair or a concatenation.
"""

from __future__ import annotations

import re
from typing import Callable

LONE_CR = re.compile(rb"\r(?!\n)")
_CR_TO_LF = bytes.maketrans(b"\r", b"\n")
_MADE_KEPT = 100_000  # offsets of CRs made LF, at most (past that a made LF may be noted as an LF line end)


class LineEnds:
    """`feed(data, locate)` per chunk gives the chunk with the lone CRs it decides made LF (a final CR may wait
    for the next chunk); `finish()` gives what waited. `locate(i)` is the stream offset of `data[i]`."""

    def __init__(self):
        self.first: dict[str, int] = {}  # kind (LF, CRLF, CR) -> stream offset of its first line end
        self._held_at: int | None = None  # a CR ending the last chunk, not yet given: its stream offset
        #: Stream offsets of the lone CRs made LF after a chunk's last LF: the line counter's region may reach
        #: them, and must not take them for LF line ends (`search.linestats`). Few: a partial line's CRs per chunk.
        self.made: set[int] = set()

    def feed(self, data: bytes, locate: Callable[[int], int]) -> bytes:
        if self._held_at is not None:
            held_at, self._held_at = self._held_at, None
            data = b"\r" + data
            where = lambda i: held_at if i == 0 else locate(i - 1)  # noqa: E731
        else:
            where = locate
        if data.endswith(b"\r"):
            self._held_at = where(len(data) - 1)
            data = data[:-1]
        if b"\r" not in data:
            if "LF" not in self.first and (i := data.find(b"\n")) >= 0:
                self.first["LF"] = where(i)
            return data
        last = data.rfind(b"\n")
        if last < 0:  # CR-only: every CR is a line end
            self.first.setdefault("CR", where(data.find(b"\r")))
            return data.translate(_CR_TO_LF)
        # Before the last LF, the scanner's line counter decides; after it (the start of a line that goes on in
        # the next chunk), this does: a CR-only stretch there must not reach the scanner as one long line.
        if "LF" not in self.first and data.find(b"\r", 0, last + 1) < 0:
            # No CR before the last LF: the line counter, which looks only at regions holding a CR, notes nothing
            # there, so the LF ends before it are noted here (`\n\r\r` had its LF unsaid).
            self.first["LF"] = where(data.find(b"\n"))
        m = LONE_CR.search(data, last + 1)
        if m is None:
            return data
        self.first.setdefault("CR", where(m.start()))
        if len(self.made) < _MADE_KEPT:
            self.made.update(where(k.start()) for k in LONE_CR.finditer(data, last + 1))
        return data[: last + 1] + data[last + 1 :].translate(_CR_TO_LF)

    def finish(self) -> bytes:
        """The CR that ended the stream (a lone one: an LF), if one waited."""
        if self._held_at is None:
            return b""
        self.first.setdefault("CR", self._held_at)
        self._held_at = None
        return b"\n"


def merged(*firsts: dict[str, int]) -> dict[str, int]:
    """Each kind's first offset over several notes, in the order of the offsets."""
    out: dict[str, int] = {}
    for first in firsts:
        for kind, at in first.items():
            out[kind] = min(at, out.get(kind, at))
    return dict(sorted(out.items(), key=lambda kv: kv[1]))
