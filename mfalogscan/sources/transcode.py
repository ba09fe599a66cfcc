"""UTF-16 and UTF-32 sources searched as UTF-8: the transcoder, and positions in it mapped back to the stored bytes.

`Transcoder` turns a UTF-16/32 stream into UTF-8 chunks (the matcher
searches ASCII-compatible bytes only), keeping UTF-16 in step after NUL
runs of odd length (`utf16.Aligner`). `UnitMapper` turns a position in the
transcoded bytes back into a byte offset in the original, so findings
always point into the bytes as stored.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO, Iterator

from .decode import UNIT_WIDTH, decoding_at, restore_undecodable, undecodable_state
from .utf16 import Aligner

_CONTINUATION = bytes(range(0x80, 0xC0))
_FOUR_BYTE_LEADS = bytes(range(0xF0, 0xF5))
_ZERO_PAIR = re.compile(rb"\x00\x00")


class Transcoder:
    """UTF-8 chunks of a UTF-16/32 stream (iterate it); undecodable units become U+FFFD and are counted.

    UTF-16 is kept in step after NUL runs of odd length (`utf16.Aligner`):
    `steps` says where, `shifts` lists the UTF-8 positions before which a
    byte was set aside (for `UnitMapper`). For the chunk last given, `at` is
    its UTF-8 stream position and `origin` the stream offset of its first
    character.
    """

    def __init__(self, stream: BinaryIO, encoding: str, size: int, origin: int = 0):
        self._stream, self._encoding, self._size, self._start = stream, encoding, size, origin
        self._aligner = Aligner(encoding, origin) if UNIT_WIDTH[encoding] == 2 else None
        self.shifts: list[int] = []
        self.at, self.origin, self._out = 0, origin, 0

    @property
    def steps(self) -> list:
        return self._aligner.steps if self._aligner is not None else []

    def __iter__(self) -> Iterator[bytes]:
        decoder = codecs.getincrementaldecoder(self._encoding)("mfalogscan-count")
        aligner, at, recent = self._aligner, self._start, b""  # recent: the stream's last bytes read
        while True:
            raw = self._stream.read(self._size)
            final, pending = not raw, decoder.getstate()[0]
            start = at - len(pending)  # bytes held back from the last chunk come first
            # The byte before them, decoded already: a NUL run may have begun with it.
            context = recent[len(recent) - len(pending) - 1 : len(recent) - len(pending)] if len(recent) > len(pending) \
                else b""
            at, recent = at + len(raw), (recent + raw[-8:])[-8:]
            if aligner is None or not aligner.holding:
                saved = decoder.getstate(), undecodable_state()
                decoding_at(start)
                text = decoder.decode(raw, final)
                # Two NUL bytes in a row give U+0000, or (out of step) characters outside ASCII: text with
                # neither has no NUL run to look at, which is nearly every chunk.
                if aligner is None or (text.isascii() and "\0" not in text) or \
                        not (_ZERO_PAIR.search(raw) or _ZERO_PAIR.search(context + pending + raw[:1])):
                    yield from self._give([text.encode("utf-8", "surrogatepass")], start)
                    if final:
                        return
                    continue
                decoder.setstate(saved[0])
                restore_undecodable(saved[1])
                decoder.setstate((b"", 0))  # the aligner takes the held bytes back with the chunk
                pieces = aligner.feed(context + pending + raw, start - len(context), final, len(context))
            else:
                pieces = aligner.feed(raw, at - len(raw), final)
            first, outs = pieces[0][0] - len(decoder.getstate()[0]), []
            for i, (piece_at, piece) in enumerate(pieces):
                if i:  # one byte was set aside between this piece and the last
                    self.shifts.append(self._out + sum(map(len, outs)))
                decoding_at(piece_at - len(decoder.getstate()[0]))
                outs.append(decoder.decode(piece, final and i == len(pieces) - 1).encode("utf-8", "surrogatepass"))
            yield from self._give(outs, first)
            if final:
                return

    def _give(self, outs: list[bytes], first: int) -> Iterator[bytes]:
        out = b"".join(outs) if len(outs) > 1 else outs[0]
        if out:
            self.at, self.origin = self._out, first
            self._out += len(out)
            yield out


class UnitMapper:
    """Positions in searched bytes -> byte offsets in the original stream.

    Set a buffer with `start(buffer, original offset of its first byte, its
    position in the searched stream)`, then ask `original(pos)` (cheapest in
    increasing order). For sources searched as they are this is an addition;
    for transcoded ones it counts UTF-16/32 code units in the UTF-8 between
    the last position and this one, and one byte more at each of `shifts`
    (`Transcoder.shifts`: searched positions before which a byte was set
    aside; `start`'s offset need not count those at or before the buffer's
    position that this mapper has not counted yet).
    """

    def __init__(self, unit_width: int, shifts: list[int] | None = None):
        self._width = unit_width
        self._shifts = shifts if shifts is not None else []
        self._next = 0  # shifts counted so far
        self._buf = b""
        self._pos = 0
        self._orig = 0

    def start(self, buffer: bytes, original: int, at: int = 0) -> None:
        shifts = self._shifts
        while self._next < len(shifts) and shifts[self._next] <= at:
            original, self._next = original + 1, self._next + 1
        self._buf, self._pos, self._orig, self._base, self._at, self._from = buffer, 0, original, original, at, self._next

    def original(self, pos: int) -> int:
        if not self._width:
            return self._base + pos
        if pos < self._pos:
            self._pos, self._orig, self._next = 0, self._base, self._from
        seg = self._buf[self._pos:pos]
        points = len(seg.translate(None, _CONTINUATION))
        if self._width == 2:
            points += len(seg) - len(seg.translate(None, _FOUR_BYTE_LEADS))
        self._orig += self._width * points
        shifts, upto = self._shifts, self._at + pos
        while self._next < len(shifts) and shifts[self._next] <= upto:
            self._orig, self._next = self._orig + 1, self._next + 1
        self._pos = pos
        return self._orig
