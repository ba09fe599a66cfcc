"""A source's bytes on their way to the scanner: read (ahead, on a thread), hashed, counted and decoded.

`raw_chunks()` gives a unit's bytes as stored (after decompression), each
hashed (SHA-256) and counted, read ahead on a second thread when that pays;
`TextChunks` turns them into the search encoding (UTF-16/32 transcoded to
UTF-8, kept in step after odd NUL runs) with every lone CR made LF
(`sources.lineends`), while NUL and undecodable bytes are counted with where
the first is.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

from ..config import ScanConfig
from ..errors import SourceIssue
from ..search.readahead import ReadAhead
from ..search.streamsearch import StreamSearch
from ..sources.decode import Layout, Validator, undecodable_so_far
from ..sources.lineends import LineEnds
from ..sources.transcode import Transcoder, UnitMapper
from ..sources.meter import METER
from ..sources.openers import Unit
from ..sources.peek import PeekReader


class Counts:
    """What reading a source counted: bytes (and their SHA-256), NULs, problems."""

    def __init__(self):
        self.bytes = 0
        self.nuls = 0
        self.first_nul: int | None = None  # stream offset (sources searched as stored)
        self.issues: list[SourceIssue] = []
        self._hash = hashlib.sha256()

    def feed(self, data: bytes) -> None:
        self.bytes += len(data)
        self._hash.update(data)

    def count_nuls(self, data: bytes, at: int | None) -> bool:
        """Count the chunk's NUL bytes; True when it has any."""
        # NULs are rare: a memchr test (~0.01 s/GB) spares the full count (~0.34 s/GB) nearly always.
        first = data.find(0)
        if first >= 0:
            if self.nuls == 0 and at is not None:
                self.first_nul = at + first
            self.nuls += data.count(0)
        return first >= 0

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def read_chunks(stream: PeekReader, size: int, counts: Counts) -> Iterator[bytes]:
    while True:
        try:
            data = stream.read(size)
        except OSError as e:
            counts.issues.append(SourceIssue(f"read error: {e.strerror or e}; the rest was not scanned", counts.bytes))
            return
        if not data:
            return
        counts.feed(data)
        METER.tick()
        yield data


def raw_chunks(unit: Unit, config: ScanConfig, counts: Counts, finder=None, longest: int = 0):
    """The unit's chunks as stored (after decompression), hashed and counted, and where to find candidates in them.

    When this process scans alone, a thread reads and hashes them ahead of
    the scanner, and, given the `finder` of a source searched as stored,
    searches them too (names are at most `longest` bytes): the searcher
    returned is then its cursor, else `finder` itself. Worker processes of
    --jobs keep every core busy already, and small files are done before a
    thread would start, so those read in line. Close the chunks (a
    generator) to stop the thread early.
    """
    read = lambda: read_chunks(unit.stream, config.chunk_size, counts)  # noqa: E731
    small = unit.stored_bytes is not None and not unit.decoders and unit.stored_bytes <= 2 * config.chunk_size
    if config.jobs > 1 or small:  # a thread per small file costs more than it saves (100,000 files)
        return read(), finder
    ahead = ReadAhead(read, StreamSearch(finder, longest) if finder is not None else None)
    return ahead.chunks(), ahead.cursor or finder


class TextChunks:
    """The unit's chunks in the search encoding (iterate once), lone CRs made LF.

    NUL and undecodable bytes are counted on the way; `raw_count` (a
    binary.RawQuoted), if given, sees the raw chunks of a source searched as
    stored (UTF-16 stretches in it). `watch` (an object with `active`, set
    True at the first chunk holding bytes that do not decode) tells the
    search that a UTF-8 source holds other bytes too (`search.codepage`).
    `transcoder` (UTF-16/32 only) has the steps and shifts of its alignment;
    `ends` the kinds of line end met outside the scanner's regions.
    """

    def __init__(self, raw: Iterator[bytes], layout: Layout, size: int, counts: Counts, raw_count=None):
        self._raw, self._layout, self._counts, self._raw_count = raw, layout, counts, raw_count
        self.ends = LineEnds()
        self.transcoder = Transcoder(_Reader(raw), layout.encoding, size, layout.bom) if layout.transcoded else None
        self.shifts = self.transcoder.shifts if self.transcoder is not None else None
        self.watch = None

    def __iter__(self) -> Iterator[bytes]:
        ends, counts = self.ends, self._counts
        if self.transcoder is not None:
            for out in self.transcoder:
                where = lambda i, out=out: self._located(out, i)  # noqa: E731
                if counts.count_nuls(out, None) and counts.first_nul is None:
                    counts.first_nul = where(out.find(0))  # in the stored bytes, not in the UTF-8 copy
                if out := ends.feed(out, where):  # empty when all it held was a CR waiting for the next chunk
                    yield out
        else:
            layout, raw_count = self._layout, self._raw_count
            validator = Validator(layout.encoding, layout.bom)
            at = layout.bom
            for data in self._raw:
                has_nul = counts.count_nuls(data, at)
                seen = undecodable_so_far()
                validator.feed(data)
                if self.watch is not None and undecodable_so_far() != seen:
                    self.watch.active = True
                if raw_count is not None:
                    raw_count.feed(data, has_nul)
                out = ends.feed(data, lambda i, at=at: at + i)
                at += len(data)
                if out:
                    yield out
            validator.feed(b"", final=True)
            if raw_count is not None:
                raw_count.finish()
        tail = ends.finish()
        if tail:
            yield tail

    def _located(self, out: bytes, i: int) -> int:
        """The stored offset of out[i], `out` being the chunk the transcoder gave last."""
        tr = self.transcoder
        mapper = UnitMapper(self._layout.unit_width, [q for q in tr.shifts if q >= tr.at])
        mapper.start(out, tr.origin, tr.at)
        return mapper.original(i)


class _Reader:
    """A read(n) interface over an iterator of chunks (for the transcoder)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks

    def read(self, n: int) -> bytes:
        return next(self._chunks, b"")
