"""A source's bytes on their way to the scanner: read (ahead, on a thread), hashed, counted and decoded.

`raw_chunks()` gives a unit's bytes as stored (after decompression), each
hashed (SHA-256) and counted, read ahead on a second thread when that pays;
`text_chunks()` turns them into the search encoding (UTF-16/32 transcoded to
UTF-8) while NUL and undecodable bytes are counted with where the first is.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

from ..config import ScanConfig
from ..errors import SourceIssue
from ..search.readahead import ReadAhead
from ..search.streamsearch import StreamSearch
from ..sources.decode import Layout, Validator, transcode
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


def text_chunks(raw: Iterator[bytes], layout: Layout, size: int, counts: Counts, raw_count=None) -> Iterator[bytes]:
    """Chunks in the search encoding, with NUL and undecodable bytes counted on the way; `raw_count` (a
    binary.RawQuoted), if given, sees the raw chunks of a source searched as stored (UTF-16 stretches in it)."""
    if layout.transcoded:
        for out in transcode(_Reader(raw), layout.encoding, size, layout.bom):
            counts.count_nuls(out, None)  # a NUL's offset in the UTF-8 copy is not one in the file
            yield out
        return
    validator = Validator(layout.encoding, layout.bom)
    at = layout.bom
    for data in raw:
        has_nul = counts.count_nuls(data, at)
        validator.feed(data)
        if raw_count is not None:
            raw_count.feed(data, has_nul)
        at += len(data)
        yield data
    validator.feed(b"", final=True)
    if raw_count is not None:
        raw_count.finish()


class _Reader:
    """A read(n) interface over an iterator of chunks (for the transcoder)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks

    def read(self, n: int) -> bytes:
        return next(self._chunks, b"")
