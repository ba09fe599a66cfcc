"""The structure of a binary EVTX file, walked without parsing BinXML: file header, chunks, record headers.

Layout (little-endian; offsets in bytes):

* **File header**, one 4096-byte block: ``ElfFile\\0`` (8), first chunk
  number (u64 at 8), last chunk number (u64 at 16), next record identifier
  (u64 at 24), header size 128 (u32 at 32), minor 1 / major 3 version (u16 at
  36 / 38), header block size 4096 (u16 at 40), number of chunks (u16 at 42),
  flags (u32 at 120: 0x1 dirty, i.e. not closed cleanly; 0x2 full), CRC32 of
  bytes 0-119 (u32 at 124).
* **Chunks** of 65536 bytes from offset 4096: ``ElfChnk\\0`` (8), first and
  last event record numbers (u64 at 8 / 16), first and last event record
  identifiers (u64 at 24 / 32), header size 128 (u32 at 40), last event
  record offset (u32 at 44), free space offset (u32 at 48: the end of the
  records), CRC32 of the records' bytes 512..free (u32 at 52), flags (u32 at
  120), CRC32 of bytes 0-119 and 128-511 (u32 at 124). Bytes 128-511 are
  the chunk's string and template offset tables (caches of where BinXML names
  and templates are; BinXML refers to them by offset within the chunk).
* **Event records** from chunk offset 512: ``**\\0\\0`` (4), size (u32 at 4,
  the whole record), record identifier (u64 at 8), written time (FILETIME
  u64 at 16: when the record was written, not the event's TimeCreated),
  BinXML (size - 28 bytes), the size again (u32 at size - 4).

The file is a ring: once full, the oldest chunks are overwritten, so the
chunks' order in the file is not their order in time, and the file header's
chunk count and next record id lag behind the chunks of a log copied while
it was open (the dirty flag). So every 64 KiB block after the header is
looked at, whatever the header says; the header only tells what is expected.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = b"**\x00\x00"
HEADER_BLOCK = 4096
CHUNK_SIZE = 65536
RECORDS_START = 512
RECORD_MIN = 28  # header 24 + size copy 4: a record with no BinXML at all
DIRTY, FULL = 0x1, 0x2

FILLER = _RECORD = struct.Struct("<4sIQQ")  # a record header: magic, size, identifier, written time

_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)


def filetime(value: int) -> datetime | None:
    """A FILETIME (100 ns since 1601) as an aware UTC datetime, to the microsecond; None for 0 or out of range."""
    if value <= 0:
        return None
    try:
        return _FILETIME_EPOCH + timedelta(microseconds=value // 10)
    except OverflowError:
        return None


@dataclass(frozen=True)
class FileHeader:
    first_chunk: int
    last_chunk: int
    next_record_id: int
    chunks: int
    flags: int
    version: tuple[int, int]
    crc_ok: bool

    @property
    def dirty(self) -> bool:
        return bool(self.flags & DIRTY)


def file_header(block: bytes) -> FileHeader:
    """The file header's fields (the caller has seen FILE_MAGIC; a short block is read as far as it goes)."""
    block = block[:128].ljust(128, b"\x00")
    first, last, next_id, _size, minor, major, _block, chunks = struct.unpack_from("<QQQIHHHH", block, 8)
    flags, crc = struct.unpack_from("<II", block, 120)
    return FileHeader(first, last, next_id, chunks, flags, (major, minor), zlib.crc32(block[:120]) == crc)


class RecordHeader(NamedTuple):
    record_id: int
    offset: int  # within the chunk
    size: int
    written: int  # FILETIME as stored (`filetime()` makes it a time): 164,000 conversions cost 0.14 s


@dataclass
class Chunk:
    """One 64 KiB block after the file header, as found: a chunk, zeros, or something else.

    `records` are the record headers walked from offset 512 (`walk()`; also in
    a block whose own header is damaged: records are recognised by their magic
    and a size that fits). `skipped` are the stretches among them that are no
    record. A sound chunk need not be walked to be counted (`counted()`)."""

    index: int
    offset: int  # in the stream
    data: bytes
    magic_ok: bool = False
    header_crc_ok: bool = False
    records_crc_ok: bool = False
    free: int = 0
    first_id: int = 0
    last_id: int = 0
    records: list[RecordHeader] = field(default_factory=list)
    skipped: list[tuple[int, int]] = field(default_factory=list)  # (chunk offset, length) of bytes that are no record

    walked: bool = False

    @property
    def sound(self) -> bool:
        """Signature, both checksums and size as they should be: the header's counts are the records'."""
        return self.magic_ok and self.header_crc_ok and self.records_crc_ok and not self.cut

    def walk(self) -> "Chunk":
        if not self.walked:
            _walk(self)
            self.walked = True
        return self

    def counted(self) -> tuple[int, int, int] | None:
        """(records, first and last written FILETIME) of a sound chunk from its header and its first and last
        records' headers, without walking it; None when they do not agree (then walk it)."""
        if not self.sound or self.last_id < self.first_id:
            return None
        data, last = self.data, struct.unpack_from("<I", self.data, 44)[0]
        if not (RECORDS_START <= last <= self.free - RECORD_MIN) or data[RECORDS_START:RECORDS_START + 4] != RECORD_MAGIC \
                or data[last:last + 4] != RECORD_MAGIC:
            return None
        first_id, first_written = struct.unpack_from("<QQ", data, RECORDS_START + 8)
        last_id, last_written = struct.unpack_from("<QQ", data, last + 8)
        if (first_id, last_id) != (self.first_id, self.last_id):
            return None
        return self.last_id - self.first_id + 1, first_written, last_written

    @property
    def zeros(self) -> bool:
        return self.data.count(0) == len(self.data)

    @property
    def cut(self) -> bool:
        return len(self.data) < CHUNK_SIZE

    @property
    def records_end(self) -> int:
        last = self.records[-1] if self.records else None
        return last.offset + last.size if last else RECORDS_START


def read_chunk(index: int, offset: int, data: bytes) -> Chunk:
    """A block's chunk header checked (its records are walked on demand: `Chunk.walk`)."""
    chunk = Chunk(index, offset, data)
    if len(data) >= RECORDS_START and data.startswith(CHUNK_MAGIC):
        chunk.magic_ok = True
        chunk.first_id, chunk.last_id = struct.unpack_from("<QQ", data, 24)
        chunk.free = struct.unpack_from("<I", data, 48)[0]
        records_crc, header_crc = struct.unpack_from("<I", data, 52)[0], struct.unpack_from("<I", data, 124)[0]
        chunk.header_crc_ok = zlib.crc32(data[:120] + data[128:RECORDS_START]) == header_crc
        if RECORDS_START <= chunk.free <= len(data):
            chunk.records_crc_ok = zlib.crc32(data[RECORDS_START : chunk.free]) == records_crc
    return chunk


def _walk(chunk: Chunk) -> None:
    """The records from offset 512 to the free space offset (or, with no plausible one, the block's end).

    A record is its magic and a size that fits the block; its size copy at the end is not required (a log
    copied while in use has records whose copy is not yet written, and they render). Where no record starts
    (a size of 0, bytes that are no record) the walk goes on at the next record magic, and the stretch passed
    over is `skipped`. Bytes after the last record that are not zeros, before the end, are skipped too."""
    data = chunk.data
    end = chunk.free if chunk.magic_ok and RECORDS_START <= chunk.free <= len(data) else len(data)
    pos, size_of, records, limit = RECORDS_START, _RECORD.unpack_from, chunk.records, len(data)
    while pos + RECORD_MIN <= end:
        magic, size, record_id, written = size_of(data, pos)
        if magic == RECORD_MAGIC and size >= RECORD_MIN and pos + size <= limit:
            records.append(RecordHeader(record_id, pos, size, written))
            pos += size
            continue
        nxt = data.find(RECORD_MAGIC, pos + 1, end)
        if nxt < 0:
            break
        chunk.skipped.append((pos, nxt - pos))
        pos = nxt
    if pos < end and data[pos:end].strip(b"\x00"):
        chunk.skipped.append((pos, end - pos))


def repaired(chunk: Chunk) -> bytes:
    """The chunk made readable for a BinXML reader: a header that fits its walked records (magic, identifiers,
    offsets, CRCs), each stretch that is no record between records made an empty filler record (identifier 0),
    so the reader, which stops at the first bad record, goes on to the records after it; padded to 64 KiB.

    Records stay where they are: BinXML refers to names and templates by their offset in the chunk. Bytes
    128-511 (caches of those offsets) are kept."""
    end = chunk.records_end
    data = bytearray(chunk.data[:end].ljust(CHUNK_SIZE, b"\x00"))
    for at, length in chunk.skipped:
        if at + length <= end and length >= RECORD_MIN:
            data[at : at + length] = FILLER.pack(RECORD_MAGIC, length, 0, 0) + bytes(length - FILLER.size - 4) + \
                struct.pack("<I", length)
    first, last = chunk.records[0], chunk.records[-1]
    data[0:8] = CHUNK_MAGIC
    struct.pack_into("<QQQQIII", data, 8, first.record_id, last.record_id, first.record_id, last.record_id, 128,
                     last.offset, end)
    struct.pack_into("<I", data, 52, zlib.crc32(data[RECORDS_START:end]))
    struct.pack_into("<I", data, 124, zlib.crc32(bytes(data[:120] + data[128:RECORDS_START])))
    return bytes(data)


def one_chunk_file(chunk_bytes: bytes, first_id: int, last_id: int) -> bytes:
    """A whole EVTX file of this one chunk: a file header saying so (closed, with its CRC), then the chunk. A BinXML
    reader given it reads that chunk alone, so damage elsewhere in the file cannot stop it."""
    header = bytearray(HEADER_BLOCK)
    header[0:8] = FILE_MAGIC
    struct.pack_into("<QQQIHHHH", header, 8, 0, 0, last_id + 1, 128, 1, 3, HEADER_BLOCK, 1)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    return bytes(header) + chunk_bytes
