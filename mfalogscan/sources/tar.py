"""Tar archives (plain, or inside gzip, bzip2 or xz): every member a source of its own, read as the archive streams.

A tar is recognised by content (`ustar` at byte 257, POSIX and GNU), never
by name. Members are read in order straight from the stream (no seeking, so
a `.tar.gz` is decompressed once), each named `ARCHIVE!MEMBER`, with the
entry's date as evidence of when it was written. A member that is itself
compressed is expanded like any file. Directories are structure, not data;
links and devices inside the archive are listed as skipped. A tar that ends
early or is damaged says where: the member cut short is `partial`, and the
members after the damage are reported as not read.
"""

from __future__ import annotations

import tarfile
from dataclasses import replace
from typing import Callable, Iterator

from ..errors import LOST, SourceIssue
from ..model import STATUS_PARTIAL, STATUS_SCANNED, STATUS_SKIPPED, SourceStatus
from .members import MemberNames
from .peek import PeekReader

TAR_MAGIC_AT = 257


def is_tar(head: bytes) -> bool:
    """POSIX (`ustar\\0`) or GNU (`ustar  \\0`) tar: the magic at byte 257 of the first header."""
    return head[TAR_MAGIC_AT : TAR_MAGIC_AT + 5] == b"ustar"


class _MemberStream:
    """A member's bytes; a read that fails (the archive ends early, a damaged block) ends the member with an issue."""

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

    def close(self) -> None:
        self._f = None


def tar_units(archive, depth: int, expand: Callable) -> Iterator:
    """The units inside a tar `archive` (a sources.openers.Unit), each expanded with `expand(unit, depth)`."""
    compression = f"{archive.compression}+tar" if archive.compression else "tar"
    last, members, issues, entries = None, 0, [], 0
    names = MemberNames(archive.path)
    try:
        tf = tarfile.open(fileobj=archive.stream, mode="r|")
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
            stream = _MemberStream(tf.extractfile(member), member.size)
            times = ([("the tar entry's date", float(member.mtime))] if member.mtime else []) + archive.times
            unit = replace(archive, path=name, stream=PeekReader(stream), compression=compression,
                           container=archive.path, stored_bytes=member.size, times=times,
                           decoders=archive.decoders + [stream], issues=list(archive.issues))  # its issues with theirs
            yield from expand(unit, depth + 1)
    finally:
        if tf is not None:
            tf.close()
    issues += names.issues()
    status = STATUS_PARTIAL if any(i.fatal for i in issues) else STATUS_SCANNED
    yield SourceStatus(archive.path, status, f"tar archive with {members} member(s), each listed as its own source",
                       compression=compression, container=archive.container, stored_bytes=archive.stored_bytes,
                       issues=tuple(issues + archive.all_issues()))
