"""Paths on the command line -> sources, in a stable order.

Directories are walked depth-first with entries sorted by name, following
symbolic links but never the same directory twice (no loops). Anything that
cannot be listed or is not a regular file is reported as a SourceStatus, so
the report accounts for it; nothing is silently passed over. A FIFO or
device is read only when named on the command line (`<(zcat x)` works);
inside a walked directory it is listed as skipped, so a scan never blocks.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Iterator, Sequence

from ..errors import ConfigError
from ..model import STATUS_SKIPPED, STATUS_UNREADABLE, SourceStatus

STDIN = "-"


@dataclass(frozen=True)
class Found:
    """A file to open: `path` as shown in reports, `fs_path` as given to open() (None: stdin)."""

    path: str
    fs_path: str | None


def printable(path: str) -> str:
    """A path as text, with bytes that are not UTF-8 shown as \\xNN."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_paths(paths: Sequence[str]) -> None:
    """Fail early, with one clear line, on a PATH that does not exist."""
    for p in paths:
        if p != STDIN and not os.path.lexists(p):
            raise ConfigError(f"no such file or directory: {printable(p)}")
    if list(paths).count(STDIN) > 1:
        raise ConfigError("standard input ('-') can be given only once")


def discover(paths: Sequence[str]) -> Iterator[Found | SourceStatus]:
    for p in paths:
        if p == STDIN:
            yield Found("(standard input)", None)
            continue
        try:
            st = os.stat(p)
        except OSError as e:
            yield SourceStatus(printable(p), STATUS_UNREADABLE, _why(e))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(p, {(st.st_dev, st.st_ino)})
        else:
            yield Found(printable(p), p)


def _walk(directory: str, seen: set) -> Iterator[Found | SourceStatus]:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        yield SourceStatus(printable(directory), STATUS_UNREADABLE, f"directory cannot be listed: {_why(e)}")
        return
    for entry in entries:
        path = entry.path
        try:
            st = os.stat(path)
        except OSError as e:
            reason = "broken symbolic link" if entry.is_symlink() else _why(e)
            yield SourceStatus(printable(path), STATUS_UNREADABLE, reason)
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in seen:
                yield SourceStatus(printable(path), STATUS_SKIPPED, "directory already visited (symbolic link loop)")
                continue
            yield from _walk(path, seen | {key})
        elif stat.S_ISREG(st.st_mode):
            yield Found(printable(path), path)
        else:
            yield SourceStatus(printable(path), STATUS_SKIPPED, "not a regular file (device, FIFO or socket); not read")


def _why(e: OSError) -> str:
    return e.strerror.lower() if e.strerror else str(e)

