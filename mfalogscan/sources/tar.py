"""Tar archives (plain, or inside gzip, bzip2 or xz): every member a source of its own, read as the archive streams.

A tar is recognised by content (`ustar` at byte 257, POSIX and GNU), never
by name. Members are read in order straight from the stream (no seeking, so
a `.tar.gz` is decompressed once), each named `ARCHIVE!MEMBER`, with the
entry's date as evidence of when it was written. A member that is itself
compressed is expanded like any file. Directories are structure, not data;
links and devices inside the archive are listed as skipped. A tar that ends
early or is damaged says where: the member cut short is `partial` with the
bytes before the cut scanned; a damaged header is passed over to the next
one, with the bytes passed over reported as not read; an archive that ends
inside a header, or between two members without its end-of-archive blocks,
says so.
"""

from __future__ import annotations

import tarfile
from dataclasses import replace
from typing import Callable, Iterator

from ..errors import DAMAGED, LOST, SourceIssue
from ..model import STATUS_PARTIAL, STATUS_SCANNED, STATUS_SKIPPED, SourceStatus
from .members import MemberNames
from .peek import PeekReader

TAR_MAGIC_AT = 257
BLOCK = tarfile.BLOCKSIZE


def is_tar(head: bytes) -> bool:
    """POSIX (`ustar\\0`) or GNU (`ustar  \\0`) tar: the magic at byte 257 of the first header."""
    return head[TAR_MAGIC_AT : TAR_MAGIC_AT + 5] == b"ustar"


class _MemberStream:
    """A member's bytes; a read that fails (the archive ends early, a damaged block) ends the member with an issue.

    An ordinary member is read straight from the archive's stream, which gives what is there when the archive ends
    early: tarfile's own member reader refuses a short read whole, so the bytes before a cut in the read were lost.
    """

    def __init__(self, fileobj, size: int):
        self._f = fileobj
        self._left = size
        self.issues: list[SourceIssue] = []
        self._read = 0

    def read(self, n: int = -1) -> bytes:
        if self._f is None or self._left <= 0:
            return b""
        try:
            data = self._f.read(self._left if n is None or n < 0 else min(n, self._left))
        except (tarfile.TarError, OSError, EOFError) as e:
            data, self._f = b"", None
            self.issues.append(SourceIssue(f"the tar archive ends or is damaged inside this member ({e}); the "
                                           f"{self._read} bytes before it were scanned", self._read, LOST))
        if not data and self._left > 0 and self._f is not None:
            self.issues.append(SourceIssue(f"the tar archive ends inside this member: {self._left} of its bytes "
                                           f"are missing; the {self._read} bytes before were scanned", self._read, LOST))
            self._f = None
        self._left -= len(data)
        self._read += len(data)
        return data

    @property
    def cut(self) -> bool:
        """The archive ended (or failed) inside this member."""
        return bool(self.issues)

    def close(self) -> None:
        self._f = None


class _Trail:
    """What tarfile passes over quietly between members: blocks that are no header, the end-of-archive blocks, a cut.

    tarfile ends its list of members without a word at a damaged header, a header cut short or an archive that
    stops between two members; the members after that point were lost behind exit status 0. Reading goes on past
    damaged headers (tarfile's ignore_zeros) and this says what was passed over, and how the archive ended.
    """

    def __init__(self):
        self.issues: list[SourceIssue] = []
        self.ended = False  # end-of-archive (zero) blocks since the last header
        self._bad: list | None = None  # [start, end, after the end-of-archive blocks?] of blocks that are no header

    def note(self, offset: int, error: Exception | None) -> None:
        if isinstance(error, tarfile.InvalidHeaderError):
            self._bad = [self._bad[0] if self._bad else offset, offset + BLOCK, self._bad[2] if self._bad else self.ended]
            return
        at_end = isinstance(error, (tarfile.TruncatedHeaderError, tarfile.EmptyHeaderError))
        if self._bad is not None:
            self._passed_over(at_end)
        elif isinstance(error, tarfile.TruncatedHeaderError) and not self.ended:
            self.issues.append(SourceIssue(f"the tar archive ends inside a header (at byte {offset}): it was cut "
                                           "there, and the member that header begins is not in it", offset, LOST))
        elif isinstance(error, tarfile.EmptyHeaderError) and not self.ended and offset:
            self.issues.append(SourceIssue(
                f"the tar archive ends at byte {offset}, between two members, without its end-of-archive blocks: "
                "it was probably cut there, and any members after that point are not in it", offset, DAMAGED))
        self.ended = isinstance(error, tarfile.EOFHeaderError) or (self.ended and error is not None)

    def _passed_over(self, to_the_end: bool) -> None:
        start, end, after_end = self._bad
        what = ("are not tar data (they follow the end of the archive)" if after_end else
                "are not tar headers (a damaged header, or the data of a member whose header is damaged)")
        where = f"from {start} to its end" if to_the_end else f"{start} to {end}"
        then = "" if to_the_end else "; reading went on at the next header"
        self.issues.append(SourceIssue(f"the tar archive's bytes {where} {what}: not read{then}", start, LOST))
        self._bad = None


def _header_class(trail: _Trail):
    class Header(tarfile.TarInfo):
        @classmethod
        def fromtarfile(cls, tf):
            offset = tf.offset
            try:
                header = super().fromtarfile(tf)
            except tarfile.HeaderError as e:
                trail.note(offset, e)
                raise
            trail.note(offset, None)
            return header

    return Header


def tar_units(archive, depth: int, expand: Callable) -> Iterator:
    """The units inside a tar `archive` (a sources.openers.Unit), each expanded with `expand(unit, depth)`."""
    compression = f"{archive.compression}+tar" if archive.compression else "tar"
    last, members, issues, entries, trail = None, 0, [], 0, _Trail()
    names = MemberNames(archive.path)
    try:
        tf = tarfile.open(fileobj=archive.stream, mode="r|", ignore_zeros=True, tarinfo=_header_class(trail))
    except (tarfile.TarError, OSError, EOFError) as e:
        tf = None
        issues.append(SourceIssue(f"a tar archive whose first header cannot be read ({e}); nothing in it was read",
                                  0, LOST))
    try:
        while tf is not None:
            try:
                member = tf.next()
            except (tarfile.TarError, OSError, EOFError) as e:
                after = f"after the member {last!r}" if last else "at its start"
                issues.append(SourceIssue(f"the tar archive is damaged or ends {after} ({e}); any members after "
                                          "that point were not read", None, LOST))
                break
            if member is None:
                break
            tf.members.clear()  # a stream's members are not looked up again: memory stays flat over any number
            last = member.name
            entries += 1
            if member.isdir():
                continue
            name = names.path(member.name, entries)
            members += 1
            if not member.isfile():
                kind = "link" if member.issym() or member.islnk() else "device, FIFO or other special entry"
                yield SourceStatus(name, STATUS_SKIPPED, f"a {kind} inside the tar archive; not followed",
                                   compression=compression, container=archive.path)
                continue
            if member.issparse():  # its stored bytes are pieces of the file: tarfile puts them (and the holes) in place
                stream = _MemberStream(tf.extractfile(member), member.size)
            else:
                tf.fileobj.seek(member.offset_data)  # where tarfile's next() left it; a stream seeks forward only
                stream = _MemberStream(tf.fileobj, member.size)
            times = ([("the tar entry's date", float(member.mtime))] if member.mtime else []) + archive.times
            unit = replace(archive, path=name, stream=PeekReader(stream), compression=compression,
                           container=archive.path, stored_bytes=member.size, times=times,
                           decoders=archive.decoders + [stream], issues=list(archive.issues))  # its issues with theirs
            yield from expand(unit, depth + 1)
            if stream.cut:
                issues.append(SourceIssue(f"the tar archive ends inside the member {member.name!r}: it was cut "
                                          "there, and any members after it are not in it", None, LOST))
                break
    finally:
        if tf is not None:
            tf.close()
    issues += trail.issues + names.issues()
    status = STATUS_PARTIAL if any(i.fatal for i in issues) else STATUS_SCANNED
    yield SourceStatus(archive.path, status, f"tar archive with {members} member(s), each listed as its own source",
                       compression=compression, container=archive.container, stored_bytes=archive.stored_bytes,
                       issues=tuple(issues + archive.all_issues()))
