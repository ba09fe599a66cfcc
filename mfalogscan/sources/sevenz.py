"""7z archives: every member a source of its own, its bytes pulled from py7zr's decompressor a bounded step at a time.

A 7z is recognised by content (the signature `37 7A BC AF 27 1C` and a start
header that passes its CRC-32), never by name. The standard library reads no
7z; py7zr (the `sevenz` extra, 1.1.4 or later: older ones can loop forever
on a damaged header) does, in pure Python (LZMA, LZMA2, BZip2, Deflate, PPMd,
BCJ, 7zAES). Without it the archive is `unreadable`, naming the fix.

py7zr's public reading writes whole members to files or pushes them into
writers (before 1.0, read() gave whole members in memory), and checks member
names against the file system as if writing them; a scan must pull a
member's bytes as it reads them, whatever its name. So py7zr opens the
archive (members, folders, sizes, CRCs, dates) and each folder is
decompressed here as py7zr's own Worker does it (`Folder.get_decompressor`,
`SevenZipDecompressor.decompress`, the same since 0.20), a step at a time:
memory holds a step, never a member. Members are `ARCHIVE!MEMBER`, checked
against their CRC-32 and expanded like any file (a .gz or a zip inside one).

A folder (a "solid block") decompresses from its start only: when a member's
data fails, the members after it in the folder are listed as not read, with
why, and the next folder is read. A cut 7z has lost its list of members (it
is at the end): `unreadable`, said so. Encrypted members (no password is
tried) and methods py7zr lacks are `unreadable` with why.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import replace
from typing import Callable, Iterator

from ..errors import DAMAGED, LOST, SourceIssue
from ..model import STATUS_PARTIAL, STATUS_SCANNED, STATUS_SKIPPED, STATUS_UNREADABLE, SourceStatus
from .members import MemberNames
from .peek import PeekReader
from .sevenz_header import START_HEADER, cut_short, list_of_members, unclaimed

NEED_PY7ZR = "7z archive: install mfalogscan[sevenz] (py7zr) to read it"
#: Before 1.1.4, py7zr loops forever on a compressed list of members whose stream ends before its stated size (a
#: damaged or crafted 7z): a scan would never end, so older versions are not used.
MIN_PY7ZR = (1, 1, 4)
ENCRYPTED = "encrypted 7z member; not scanned (no password is tried: decrypt the archive and scan what it holds)"
#: Output of one decompression step: an error loses the step it happens in (lzma gives nothing of a failed call).
STEP = 64 * 1024
#: Compressed bytes handed to py7zr per step (it would take a whole MiB every time).
FEED = 64 * 1024


class _File(io.RawIOBase):
    """The archive's bytes, from `base` of a seekable file, as the io file py7zr asks for.

    A read never asks for more than is left: a damaged header's absurd size must not become an allocation.
    """

    def __init__(self, f, base: int):
        super().__init__()
        self._f, self._base, self._pos = f, base, 0
        self.size = f.seek(0, 2) - base

    def readable(self) -> bool:
        return True

    seekable = readable

    def read(self, n: int = -1) -> bytes:
        left = max(0, self.size - self._pos)
        n = left if n is None or n < 0 else min(n, left)
        self._f.seek(self._base + self._pos)
        data = self._f.read(n) if n else b""
        self._pos += len(data)
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = max(0, offset if whence == 0 else self._pos + offset if whence == 1 else self.size + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


class _Folder:
    """One folder (a solid block) of the archive, decompressed from its start one step at a time.

    py7zr's decompressor reads input on every call, and lzma keeps what it cannot decompress yet: fed while its last
    step filled up, it would pile the compressed bytes up in memory. So it is fed only after a step that did not.
    """

    def __init__(self, file: _File, start: int, decompressor):
        self._file, self._start, self.dec = file, start, decompressor
        self.out = 0
        self.broken: str | None = None  # the member whose data failed: nothing after it can be reached
        self._full = False

    def read(self, n: int = -1) -> bytes:  # py7zr's decompressor reads its input here
        if self._full:
            return b""
        self._file.seek(self._start + self.dec.consumed)
        return self._file.read(FEED if n is None or n < 0 else min(n, FEED))

    def step(self, n: int) -> bytes:
        """Up to `n` (at most STEP) bytes; b"" only when no input is left to give anything more."""
        want = min(n, STEP)
        while True:
            consumed = self.dec.consumed
            out = bytes(self.dec.decompress(self, want))
            if out or (not self._full and self.dec.consumed == consumed):
                break
            # Nothing yet: fed, it took input and is still filling a block (bzip2 gives a whole block at once);
            # unfed, it has nothing left inside. Either way, feed it.
            self._full = False
        self._full = len(out) >= want
        self.out += len(out)
        return out


class _MemberStream:
    """One member's bytes from its folder, checked against the CRC-32 the archive records for it."""

    def __init__(self, folder: _Folder | None, name: str, size: int, crc: int | None, budget):
        self._folder, self._name, self._size, self._left = folder, name, size, size
        self._expected, self._crc, self.budget = crc, 0, budget
        self.issues: list[SourceIssue] = []
        self.out_pos = 0

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes, decompressed a step at a time: when a step fails, the steps before it are kept."""
        want = self._left if n is None or n < 0 else min(n, self._left)
        parts, got = [], 0
        while got < want and self._folder is not None:
            data = self._step(want - got)
            parts.append(data)
            got += len(data)
        data = b"".join(parts)
        self._crc = zlib.crc32(data, self._crc)
        if not self._left and data and self._expected is not None and self._crc != self._expected:
            self.issues.append(SourceIssue("7z member fails its CRC-32 check (data scanned, but it is damaged)",
                                           self.out_pos, DAMAGED))
        return data

    def _step(self, n: int) -> bytes:
        folder = self._folder
        stop = self.budget.check(folder.out, folder.dec.consumed) if self.budget is not None else None
        if stop is not None:
            return self._stop(stop)
        try:
            data = folder.step(n)[:n]
        except Exception as e:  # noqa: BLE001 - lzma, bz2, zlib, pyppmd and py7zr raise many types on damaged data
            return self._stop(f"7z data could not be decompressed after {self.out_pos} bytes of this member "
                              f"({type(e).__name__}: {e}); the rest of it was not scanned")
        if not data:
            return self._stop(f"7z data ends early: {self._left} of this member's {self._size} bytes could not be "
                              f"decompressed; the {self.out_pos} bytes before were scanned")
        if self.budget is not None:
            self.budget.used += len(data)
        self._left -= len(data)
        self.out_pos += len(data)
        return data

    def _stop(self, why: str) -> bytes:
        self.issues.append(SourceIssue(why, self.out_pos, LOST))
        self._folder.broken, self._folder = self._name, None
        return b""

    def drain(self) -> list[SourceIssue]:
        """Read what the scan left of it (the next member of its folder starts after its last byte); what failed."""
        before = len(self.issues)
        while self.read(STEP):
            pass
        return self.issues[before:]


def _unlisted(error: Exception) -> str:
    """Why py7zr could not read the archive's list of members."""
    if type(error).__name__ == "PasswordRequired":
        return ("encrypted 7z archive whose list of members is encrypted too; nothing in it was read (no password "
                "is tried: decrypt the archive and scan what it holds)")
    return f"the 7z archive's list of members cannot be read ({type(error).__name__}: {error}); nothing in it was read"


def _cannot_decompress(error: Exception, version: str) -> str:
    kind = type(error).__name__
    if kind == "PasswordRequired":
        return ENCRYPTED
    if kind == "UnsupportedCompressionMethodError":
        method = getattr(error, "data", None)
        method = method.hex() if isinstance(method, (bytes, bytearray)) else method
        return (f"7z compression method {method} is not one py7zr {version} can decompress "
                f"({getattr(error, 'message', error)}); not scanned")
    return f"7z data could not be decompressed ({kind}: {error}); not scanned"


class _Block:
    """The folder (solid block) being read: its reader, or why it cannot be read, and its members in turn."""

    def __init__(self, py7zr, file: _File, streams, index: int, folder, first, budget):
        self.folder, self.index, self.budget, self.last = folder, index, budget, None
        packsize = first.compressed if first.compressed is not None else streams.packinfo.packsizes[index]
        try:
            start = START_HEADER + (streams.packinfo.packpos or 0) + streams.packinfo.packpositions[index]
            self.reader: _Folder | str = _Folder(file, start, folder.get_decompressor(packsize))
        except Exception as e:  # noqa: BLE001 - py7zr raises its own types, and KeyError for a method it lacks
            self.reader = _cannot_decompress(e, py7zr.__version__)

    def member(self, name: str, entry) -> _MemberStream | str:
        """The stream of the folder's next member, or why it cannot be read."""
        if self.last is not None:
            self.last.drain()  # a failure there is why this one cannot be read
        if isinstance(self.reader, str):
            return self.reader
        if self.reader.broken is not None:
            return (f"not read: it follows the member {self.reader.broken!r} in the same solid 7z block, whose "
                    "decompression stopped before its end (7z decompresses a block from its start, so nothing after "
                    "that point can be reached)")
        self.last = _MemberStream(self.reader, name, entry.uncompressed, entry.crc32, self.budget)
        return self.last

    def leave(self) -> list[SourceIssue]:
        """Read on past the last member: what failed there, and what of the block no member holds, as issues."""
        if isinstance(self.reader, str) or self.last is None:
            return []
        issues = [SourceIssue(f"{self.last._name}: after the part the scan read, {i.message}", None, i.severity)
                  for i in self.last.drain()]
        size = self.folder.get_unpack_size()
        if self.reader.broken is None and self.reader.out < size:
            issues.append(SourceIssue(
                f"bytes {self.reader.out} to {size} of the 7z archive's block {self.index + 1} belong to no member "
                "in its list of members (it is damaged) and were not read", None, LOST))
        return issues


LINK_MAX = 4096  # PATH_MAX: a link's data is its target


def _link_target(data: bytes) -> str | None:
    """What a link member's data names, or None when it cannot be a link target (a damaged or false flag)."""
    if len(data) > LINK_MAX or any(c in data for c in b"\x00\r\n"):
        return None
    return data.decode("utf-8", "replace")


def sevenz_units(archive, f, depth: int, expand: Callable) -> Iterator:
    """The units inside a 7z `archive` (a sources.openers.Unit) held in the seekable file `f`, each expanded with
    `expand(unit, depth)`; the archive's own status last."""
    compression = f"{archive.compression}+7z" if archive.compression else "7z"
    file = _File(f, f.tell())
    head = file.read(START_HEADER)
    file.seek(0)

    def own(status: str, reason: str, issues=()) -> SourceStatus:
        return SourceStatus(archive.path, status, reason, compression=compression, container=archive.container,
                            stored_bytes=archive.stored_bytes, issues=tuple(issues) + tuple(archive.all_issues()))

    why = cut_short(head, file.size)  # said with or without py7zr: installing it would not help
    try:
        import py7zr
    except ImportError:
        why = why or NEED_PY7ZR
    if why is None and _version(getattr(py7zr, "__version__", "")) < MIN_PY7ZR:
        why = (f"7z archive: py7zr {py7zr.__version__} can loop forever on a damaged 7z, so it is not used: install "
               "mfalogscan[sevenz] (py7zr 1.1.4 or later) to read it")
    if why is None:
        try:
            sz = py7zr.SevenZipFile(file)
            files = list(getattr(sz, "files", None) or ())  # no `files` when the header lists none
            streams = getattr(sz.header, "main_streams", None)
            folders = {id(fo): i for i, fo in enumerate(streams.unpackinfo.folders)} if streams is not None else {}
        except Exception as e:  # noqa: BLE001 - a damaged header makes py7zr raise any type
            why = _unlisted(e)
    if why is not None:
        yield own(STATUS_UNREADABLE, why, [SourceIssue(why, 0, LOST)])
        return
    members, block, issues, opened = 0, None, [], set()
    names = MemberNames(archive.path)
    for index, entry in enumerate(files, 1):
        folder = entry.folder
        if entry.is_directory and folder is None:  # a folder entry; one with data is a file, whatever its flags say
            continue
        members += 1
        name = entry.filename or f"(member {index}, without a name)"
        path = names.path(name, index)
        stream = _MemberStream(None, name, 0, None, archive.budget)  # no data in any folder: an empty file
        if folder is not None:
            if block is None or block.folder is not folder:
                issues += block.leave() if block is not None else []
                block = _Block(py7zr, file, streams, folders[id(folder)], folder, entry, archive.budget)
                opened.add(block.index)
            stream = block.member(name, entry)
            if isinstance(stream, str):
                yield SourceStatus(path, STATUS_UNREADABLE, stream, compression=compression, container=archive.path,
                                   issues=(SourceIssue(f"{stream}: its bytes were not read", 0, LOST),))
                continue
        reader, flagged = PeekReader(stream), []
        if entry.is_symlink or entry.is_junction or entry.is_socket:
            target = _link_target(reader.peek(LINK_MAX + 1))
            if target is not None:
                what = "socket" if entry.is_socket else f"link (to {target!r})" if target else "link"
                yield SourceStatus(path, STATUS_SKIPPED, f"a {what} inside the 7z archive; not followed",
                                   compression=compression, container=archive.path, issues=tuple(stream.issues))
                continue
            flagged = [SourceIssue("the 7z entry is marked as a link, but its data is no link target: scanned as "
                                   "a file", 0, DAMAGED)]
        alone = folder is not None and len(folder.files) == 1
        unit = replace(archive, path=path, stream=reader, compression=compression, container=archive.path,
                       stored_bytes=entry.compressed if alone else None, times=_entry_time(entry) + archive.times,
                       decoders=archive.decoders + [stream], issues=list(archive.issues) + flagged)
        yield from expand(unit, depth + 1)
    issues += block.leave() if block is not None else []
    issues += names.issues()
    for index in sorted(set(folders.values()) - opened):  # a block no member points into
        size = streams.unpackinfo.folders[index].get_unpack_size()
        issues.append(SourceIssue(f"block {index + 1} of the 7z archive ({size} bytes decompressed) holds no member "
                                  "in its list of members (it is damaged): not read", None, LOST))
    offset, size = list_of_members(head)
    file.seek(START_HEADER + offset)
    blocks_end = (streams.packinfo.packpos or 0) + streams.packinfo.packpositions[-1] if streams is not None else 0
    stray = unclaimed(head, file.read(min(size, 256)), blocks_end)
    if stray is not None:
        issues.append(SourceIssue(f"bytes {stray[0]} to {stray[1]} of the 7z archive are in no block of its list of "
                                  "members (it is damaged): not read", stray[0], LOST))
    status = STATUS_PARTIAL if any(i.fatal for i in issues) else STATUS_SCANNED
    yield own(status, f"7z archive with {members} member(s), each listed as its own source", issues)


def _version(text: str) -> tuple:
    """py7zr's release as numbers (1.1.4 -> (1, 1, 4)); one that cannot be read is taken as new."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(part or 0) for part in match.groups()) if match else (99,)


def _entry_time(entry) -> list:
    """The entry's date as evidence of when it was written."""
    try:
        stamp = entry.lastwritetime.totimestamp() if entry.lastwritetime is not None else None
    except (AttributeError, ValueError, OverflowError, OSError):  # a date out of range: no evidence
        return []
    return [("the 7z entry's date", float(stamp))] if stamp else []
