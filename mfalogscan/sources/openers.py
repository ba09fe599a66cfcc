"""From an open file to the byte streams inside it.

Compression is detected from content (magic bytes), never from the name:
gzip, bzip2, xz, zip, tar (`sources.tar`) and 7z (`sources.sevenz`, with
py7zr), nested as deep as the bomb
guard lets them expand (a .gz inside a .zip, a .tar.gz, a log gzipped 20
times), up to MAX_NESTING levels; a level past that is reported unreadable.
Every zip (tar, 7z) member is a source of its own, named `ARCHIVE!MEMBER`. A zip whose
central directory is missing (cut off by a full disk) is read member by
member from its local headers, and the damage is reported.
"""

from __future__ import annotations

import bz2
import lzma
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from typing import BinaryIO, Iterator

from ..errors import DAMAGED, LOST, SourceIssue
from ..model import STATUS_PARTIAL, STATUS_SCANNED, STATUS_SKIPPED, STATUS_UNREADABLE, SourceStatus
from .streams import BZ2_MAGIC, DECODE_ERRORS, GZIP_MAGIC, XZ_MAGIC, Budget, Bz2Stream, DecompressedStream, GzipStream, XzStream, ZipMemberStream
from .peek import PeekReader
from .members import MemberNames
from .sevenz import sevenz_units
from .sevenz_header import is_7z, not_7z
from .tar import is_tar, tar_units

LOCAL_SIG = b"PK\x03\x04"
ZIP_MAGICS = (LOCAL_SIG, b"PK\x05\x06")
#: How many layers of compression and archives are opened inside one another. The bomb guard (budget.py) is what
#: limits expansion; this cap is for what ratios cannot see: a self-containing archive (a gzip or zip quine) nests
#: forever at a ratio of 1, and each open level holds a decompressor and a read block (about 0.3 MiB). No real
#: backup nests more than a handful of times, so 64 is far beyond need and bounded in memory (about 20 MiB).
MAX_NESTING = 64
_LOCAL = struct.Struct("<4sHHHHHIIIHH")


@dataclass
class Unit:
    """One stream of bytes to scan as a source."""

    path: str
    stream: PeekReader
    compression: str | None = None
    container: str | None = None
    stored_bytes: int | None = None
    #: Evidence of when the bytes were last written, innermost first: (what, POSIX time).
    times: list = field(default_factory=list)
    decoders: list[DecompressedStream] = field(default_factory=list)
    issues: list[SourceIssue] = field(default_factory=list)
    budget: Budget | None = None  # the stored file's expansion budget

    def file_times(self) -> list:
        """Evidence of when the content was written, innermost first: (what, POSIX time).

        A gzip header's time is known only once the header has been read, so it is asked for here.
        """
        headers = [("the gzip header's time", d.mtime) for d in reversed(self.decoders) if getattr(d, "mtime", None)]
        return headers + list(self.times)

    def all_issues(self) -> list[SourceIssue]:
        out = list(self.issues)
        for d in self.decoders:
            out.extend(d.issues)
        return out


def _kind(head: bytes) -> str | None:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(BZ2_MAGIC) and len(head) > 3 and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(XZ_MAGIC):
        return "xz"
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if is_7z(head):
        return "7z"
    return None


_PROBE = 64 * 1024


def _not_really(kind: str, head: bytes) -> str | None:
    """Why bytes that begin with a compression format's magic are not that format, or None if they may be.

    A text file may begin with `1F 8B` or `BZh9` by chance (or by damage); if
    the format's own decoder gives not one byte from the first bytes before
    an error, they are read as they are, so a name on the next line is not
    lost with the rest.
    """
    decoder = {"gzip": lambda: zlib.decompressobj(31), "bzip2": bz2.BZ2Decompressor, "xz": lzma.LZMADecompressor}[kind]()
    try:
        decoder.decompress(head[:_PROBE], 1)
    except DECODE_ERRORS as e:
        return str(e)
    return None  # it decompresses, or cannot tell yet (a truncated archive is reported as such later)


def _chain(compression: str | None, more: str) -> str:
    return f"{compression}+{more}" if compression else more


def expand(unit: Unit, depth: int = 0) -> Iterator[Unit | SourceStatus]:
    """Yield the scannable units inside `unit` (itself when it is not compressed)."""
    kind = _kind(unit.stream.peek(8))
    if kind is None and is_tar(unit.stream.peek(512)):
        kind = "tar"
    if kind is None:
        yield unit
        return
    why = (_not_really(kind, unit.stream.peek(_PROBE)) if kind in ("gzip", "bzip2", "xz") else
           not_7z(unit.stream.peek(32)) if kind == "7z" else None)
    if why is not None:
        unit.issues.append(SourceIssue(
            f"starts like {kind} data but is not {kind} ({why}); scanned as the bytes it holds", 0, DAMAGED,
        ))
        yield unit
        return
    if depth >= MAX_NESTING:
        # Searched as it is, compressed bytes would be judged binary and a name in them lost behind exit status 1.
        yield _too_deep(unit, kind)
        return
    if kind == "tar":
        yield from tar_units(unit, depth, expand)
        return
    if kind == "zip":
        yield from _zip_units(unit, depth)
        return
    if kind == "7z":
        yield from sevenz_units(unit, _seekable(unit, depth), depth, expand)
        return
    stream_class = {"gzip": GzipStream, "bzip2": Bz2Stream, "xz": XzStream}[kind]
    dec = stream_class(unit.stream)
    dec.budget = unit.budget
    inner = replace(unit, stream=PeekReader(dec), compression=_chain(unit.compression, kind),
                    decoders=unit.decoders + [dec], issues=list(unit.issues))
    yield from expand(inner, depth + 1)


def _too_deep(unit: Unit, kind: str) -> SourceStatus:
    """A unit past MAX_NESTING: not read, and an error (exit status 2) that says why."""
    why = (f"{kind} data nested {MAX_NESTING} levels deep, the most mfalogscan opens (a self-containing archive "
           "would nest forever); not read: unpack a few levels by hand and scan what they hold")
    return SourceStatus(unit.path, STATUS_UNREADABLE, why, compression=unit.compression, container=unit.container,
                        stored_bytes=unit.stored_bytes, issues=tuple(unit.all_issues()) + (SourceIssue(why, 0, LOST),))


class _Window:
    """A read-only view of `length` bytes (or to the end) of a seekable file."""

    def __init__(self, f: BinaryIO, start: int, length: int | None):
        self._f, self._pos, self._end = f, start, None if length is None else start + length

    def read(self, n: int) -> bytes:
        if self._end is not None:
            n = min(n, self._end - self._pos)
            if n <= 0:
                return b""
        self._f.seek(self._pos)
        data = self._f.read(n)
        self._pos += len(data)
        return data


def _seekable(unit: Unit, depth: int = 0) -> BinaryIO:
    """A seekable file holding the unit's bytes (zip needs one); spools when it is a stream."""
    raw = unit.stream.underlying_file()
    if raw is not None and not unit.decoders:
        return raw
    # Every level of archives inside archives keeps its spool open while the levels inside it are read: the deeper
    # ones keep less in memory (and the rest on disk), so that MAX_NESTING levels hold about 48 MiB, not 1 GiB.
    spool = tempfile.SpooledTemporaryFile(max_size=max(256 * 1024, (16 * 1024 * 1024) >> depth))
    shutil.copyfileobj(unit.stream, spool, 1024 * 1024)
    spool.seek(0)
    return spool


def _unread_member(archive: Unit, path: str, reason: str, stored: int | None) -> SourceStatus:
    """A member (at `path`) whose bytes could not be read: listed as skipped, and an error (exit status 2)."""
    what = f"its {stored} stored bytes were not read" if stored is not None else "its bytes were not read"
    return SourceStatus(
        path, STATUS_SKIPPED, reason, compression=_chain(archive.compression, "zip"),
        container=archive.path, stored_bytes=stored, issues=(SourceIssue(f"{reason}: {what}", 0, LOST),),
    )


def _member_unit(archive: Unit, path: str, stream: DecompressedStream, mtime: float | None, issues: list) -> Unit:
    stream.budget = archive.budget  # the member expands within its archive file's budget
    times = ([("the zip entry's date", mtime)] if mtime else []) + archive.times
    return replace(
        archive, path=path, stream=PeekReader(stream), compression=_chain(archive.compression, "zip"),
        container=archive.path, stored_bytes=None, times=times, decoders=archive.decoders + [stream], issues=list(issues),
    )


def _zip_mtime(date_time: tuple) -> float | None:
    """A zip entry's date as evidence of when it was written; none for the format's 1980-01-01 placeholder."""
    import calendar

    if tuple(date_time[:3]) <= (1980, 1, 1):
        return None
    try:
        return float(calendar.timegm(tuple(date_time) + (0, 0, 0)))
    except (TypeError, ValueError, OverflowError):
        return None


def _zip_units(unit: Unit, depth: int) -> Iterator[Unit | SourceStatus]:
    f = _seekable(unit, depth)
    base = f.tell()
    issues: list[SourceIssue] = []
    members = 0
    names = MemberNames(unit.path)
    try:
        infos = zipfile.ZipFile(f).infolist()
        no_directory = None
    except Exception as e:  # noqa: BLE001 - zipfile raises many types on damaged input; all mean "no usable directory"
        issues.append(
            SourceIssue(f"zip central directory is missing or damaged ({e}); members were read from their local headers")
        )
        infos, no_directory = None, str(e)
    if infos is not None:
        for index, info in enumerate(infos, 1):
            if info.filename.endswith("/"):  # a folder (ZipInfo.is_dir() fails on an empty name)
                continue
            members += 1
            name = names.path(info.filename or f"(member {index}, without a name)", index)
            if info.flag_bits & 1:
                yield _unread_member(unit, name, "encrypted zip member; not scanned (no password is tried: "
                                     "decrypt the archive and scan what it holds)", info.compress_size)
                continue
            f.seek(info.header_offset)
            local = f.read(_LOCAL.size)
            if len(local) < _LOCAL.size or local[:4] != b"PK\x03\x04":
                yield _unread_member(unit, name, "zip member's local header is damaged; not scanned", info.compress_size)
                continue
            fields = _LOCAL.unpack(local)
            start = info.header_offset + _LOCAL.size + fields[9] + fields[10]
            stream = ZipMemberStream(_Window(f, start, info.compress_size), info.compress_type, info.file_size, info.CRC)
            member = _member_unit(unit, name, stream, _zip_mtime(info.date_time), [])
            member.stored_bytes = info.compress_size
            yield from expand(member, depth + 1)
    else:
        counter, held, readable = [0], [], False
        for item in _walk_local_headers(unit, f, base, counter, issues, depth, names):
            if readable:
                yield item
            elif isinstance(item, Unit) and _member_readable(item):  # a member that can be read: this is a zip
                readable = True
                yield from held
                yield item
            else:
                held.append(item)  # statuses of members that could not be read, until one can
        members = counter[0]
        if not readable:
            # No directory and no member to read: text that starts with "PK" by chance (or a zip beyond
            # repair). Read it as the bytes it holds rather than lose them.
            why = (f"starts like zip data but no directory and no readable member were found ({no_directory}); "
                   "scanned as the bytes it holds")
            yield replace(unit, stream=PeekReader(_Window(f, base, None)), issues=list(unit.issues) + [SourceIssue(why, 0, DAMAGED)])
            return
    issues += names.issues()
    status = STATUS_PARTIAL if any(i.fatal for i in issues) else STATUS_SCANNED
    yield SourceStatus(unit.path, status, f"zip archive with {members} member(s), each listed as its own source",
                       compression=_chain(unit.compression, "zip"), container=unit.container,
                       stored_bytes=unit.stored_bytes, issues=tuple(issues + unit.all_issues()))


def _member_readable(member: Unit) -> bool:
    zips = [d for d in member.decoders if isinstance(d, ZipMemberStream)]
    return not zips or zips[-1].readable


def _find_local_header(f: BinaryIO, start: int) -> int | None:
    """Offset of the next local file header signature at or after `start`, if any."""
    pos, tail = start, b""
    while True:
        f.seek(pos)
        block = f.read(1024 * 1024)
        if not block:
            return None
        data = tail + block
        i = data.find(LOCAL_SIG)
        if i >= 0:
            return pos - len(tail) + i
        tail = data[-3:]
        pos += len(block)


_NEXT_RECORD = re.compile(rb"PK\x03\x04|PK\x01\x02|PK\x05\x06")


def _stored_size(f: BinaryIO, start: int) -> int | None:
    """The length of a stored member written with a data descriptor (its size is only after its data).

    Its data ends where a descriptor (optionally signed PK 7 8) recording that
    very length sits just before the next zip record, or the end of the file.
    """

    def size_if_descriptor_before(end: int) -> int | None:
        for length, signed in ((16, True), (12, False)):
            size = end - length - start
            if size < 0:
                continue
            f.seek(end - length)
            desc = f.read(length)
            if signed and desc[:4] != b"PK\x07\x08":
                continue
            if struct.unpack("<I", desc[8:12] if signed else desc[4:8])[0] == size & 0xFFFFFFFF:
                return size
        return None

    pos = start
    while True:
        f.seek(pos)
        block = f.read(1024 * 1024 + 16)
        for m in _NEXT_RECORD.finditer(block):
            size = size_if_descriptor_before(pos + m.start())
            if size is not None:
                return size
        if len(block) <= 1024 * 1024:
            return size_if_descriptor_before(pos + len(block))
        pos += 1024 * 1024


def _file_size(f: BinaryIO) -> int:
    f.seek(0, 2)
    return f.tell()


def _walk_local_headers(
    unit: Unit, f: BinaryIO, base: int, counter: list, issues: list, depth: int, names: MemberNames
) -> Iterator[Unit | SourceStatus]:
    """Read members from their local headers alone; resynchronise on the next header after damage."""
    pos = base
    while True:
        f.seek(pos)
        local = f.read(_LOCAL.size)
        if len(local) < _LOCAL.size or local[:4] != LOCAL_SIG:
            nxt = _find_local_header(f, pos + 1) if local else None
            if nxt is None:
                rest = _file_size(f) - pos
                if rest > 0 and not local.startswith((b"PK\x01\x02", b"PK\x05\x06")):
                    issues.append(SourceIssue(f"{rest} bytes at the end of the zip archive (from byte {pos}) could not be read as members", None))
                return
            issues.append(SourceIssue(f"{nxt - pos} bytes of the zip archive (bytes {pos} to {nxt}) could not be read as members", None))
            pos = nxt
            continue
        _, _, flags, method, _mt, _md, crc, csize, usize, nlen, elen = _LOCAL.unpack(local)
        counter[0] += 1
        name = names.path(f.read(nlen).decode("utf-8" if flags & 0x800 else "cp437", "replace"), counter[0])
        start = pos + _LOCAL.size + nlen + elen
        sized = not flags & 8
        skip_reason = None
        if not sized and method == 0 and not flags & 1:
            found_size = _stored_size(f, start)
            if found_size is not None:
                sized, csize, usize, crc = True, found_size, found_size, None
        if flags & 1:
            skip_reason = "encrypted zip member; not scanned (no password is tried: decrypt the archive and scan what it holds)"
        elif not sized and method != 8:
            skip_reason = "zip member of unknown size (data descriptor) that is not deflated; not scanned"
        if skip_reason:
            yield _unread_member(unit, name, skip_reason, csize if sized else None)
            if sized:
                pos = start + csize
            else:
                nxt = _find_local_header(f, start)
                pos = nxt if nxt is not None else _file_size(f)
            continue
        window = _Window(f, start, csize if sized else None)
        stream = ZipMemberStream(window, method, usize if sized else None, crc if sized and not flags & 8 else None)
        member = _member_unit(unit, name, stream, None, [])
        yield from expand(member, depth + 1)
        if sized:
            pos = start + csize
            if flags & 8:  # a stored member sized from its descriptor: step over the descriptor
                f.seek(pos)
                pos += 16 if f.read(4) == b"PK\x07\x08" else 12
        else:
            # Data descriptor: the member's compressed length is what its decoder consumed.
            pos = start + stream.raw.pos
            f.seek(pos)
            sig = f.read(4)
            pos += 16 if sig == b"PK\x07\x08" else 12
