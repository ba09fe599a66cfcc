"""Paths on the command line -> sources, in a stable order.

Directories are walked depth-first with entries sorted by name, never the
same directory twice (no loops). A symbolic link inside a walked folder is
followed when its target lies inside one of the trees being scanned; one
that leads out of them (to /etc/shadow, another share) is listed as skipped
unless `follow_links` (--follow-links) is given. The tool's own outputs
(`exclude`: --output, --output-dir) and its temporary `.mfalogscan-*.part`
files are listed as skipped, never read as input. Anything that
cannot be listed or is not a regular file is reported as a SourceStatus, so
the report accounts for it; nothing is silently passed over. A FIFO or a
block device is read only when named on the command line (`<(zcat x)`
works); inside a walked directory it is listed as skipped, so a scan never
blocks. A character device (/dev/zero, a terminal) is never read: it may
never end.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from typing import Iterator, Sequence

from ..errors import LOST, ConfigError, SourceIssue
from ..model import STATUS_SKIPPED, STATUS_UNREADABLE, SourceStatus

STDIN = "-"


@dataclass(frozen=True)
class Found:
    """A file to open: `path` as shown in reports, `fs_path` as given to open() (None: stdin)."""

    path: str
    fs_path: str | None
    #: (device, inode) when listed: the same file under another name is the same key (a rotation, see relist).
    key: tuple[int, int] | None = None
    #: Its size when listed (for the progress display's total; the scan reads what is there when it opens it).
    size: int | None = None


def _size(st) -> int | None:
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def printable(path: str) -> str:
    """A path as text, with bytes that are not UTF-8 shown as \\xNN."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_PATTERN = re.compile(r"[*?\[]")


def expand_patterns(paths: Sequence[str]) -> tuple[str, ...]:
    """PATHs with wildcards expanded, as a POSIX shell would (cmd and PowerShell pass `backups\\*.zip` as it is).

    A PATH that exists is taken as it is, even with `*` in its name. A
    pattern is expanded in sorted order (`**` reaches into subfolders); one
    that matches nothing is an error, as for a missing file.
    """
    import glob

    out: list[str] = []
    for p in paths:
        if p == STDIN or os.path.lexists(p) or not _PATTERN.search(p):
            out.append(p)
            continue
        matches = sorted(glob.glob(p, recursive=True))
        if not matches:
            raise ConfigError(f"no file matches the pattern {printable(p)}")
        out.extend(matches)
    return tuple(out)


def check_paths(paths: Sequence[str]) -> None:
    """Fail early, with one clear line, on a PATH that does not exist."""
    for p in paths:
        if p != STDIN and not os.path.lexists(p):
            raise ConfigError(f"no such file or directory: {printable(p)}")
    if list(paths).count(STDIN) > 1:
        raise ConfigError("standard input ('-') can be given only once")


_OWN_TEMP = re.compile(r"\.mfalogscan-[0-9a-f]{16}\.part")  # printers.safeopen's temporary report files


def discover(paths: Sequence[str], exclude: Sequence[str] = (), follow_links: bool = False
             ) -> Iterator[Found | SourceStatus]:
    roots = [os.path.realpath(p) for p in paths if p != STDIN]
    outputs = {os.path.realpath(p) for p in exclude}
    for p in paths:
        if p == STDIN:
            yield Found("(standard input)", None)
            continue
        try:
            st = os.stat(p)
        except OSError as e:
            yield SourceStatus(printable(p), STATUS_UNREADABLE, _stat_failure(p, e))
            continue
        if os.path.realpath(p) in outputs:
            yield SourceStatus(printable(p), STATUS_SKIPPED, "this run's own output (--output or --output-dir); not read")
        elif stat.S_ISDIR(st.st_mode):
            yield from _walk(p, frozenset({(st.st_dev, st.st_ino)}), _Limits(roots, outputs, follow_links))
        elif stat.S_ISCHR(st.st_mode):
            # /dev/zero, /dev/urandom, a terminal: reading would never end. Named by the user, so an error.
            why = ("a character device (such as /dev/zero or a terminal); not read, it may never end "
                   "(pipe its output through a file or '-' instead)")
            yield SourceStatus(printable(p), STATUS_SKIPPED, why, issues=(SourceIssue(why, None, LOST),))
        else:
            yield Found(printable(p), p, (st.st_dev, st.st_ino), _size(st))  # a file, a FIFO (<(zcat x)), a block device


def _listing(directory: str) -> list | SourceStatus:
    try:
        with os.scandir(directory) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as e:
        return SourceStatus(printable(directory), STATUS_UNREADABLE, f"directory cannot be listed: {_why(e)}")


@dataclass(frozen=True)
class _Limits:
    roots: list
    outputs: set
    follow_links: bool

    def why_not(self, path: str, link: bool) -> str | None:
        """Why a walked entry is not read (None: it is)."""
        if _OWN_TEMP.fullmatch(os.path.basename(path)):
            return "a temporary file of mfalogscan (a report being written); not read"
        real = os.path.realpath(path)
        if real in self.outputs or any(real.startswith(o + os.sep) for o in self.outputs):
            return "this run's own output (--output or --output-dir); not read"
        if (link and not self.follow_links and os.path.exists(real)  # a broken link is reported as broken
                and not any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots)):
            return (f"a symbolic link to {printable(real)}, outside the folders scanned; not followed "
                    "(--follow-links follows it)")
        return None


def _walk(directory: str, seen: frozenset, limits: _Limits) -> Iterator[Found | SourceStatus]:
    """Depth first, entries by name; with a stack of its own, so that no depth of folders is too deep."""
    listing = _listing(directory)
    if isinstance(listing, SourceStatus):
        yield listing
        return
    stack = [(iter(listing), seen)]  # per open folder: its entries still to visit, and the folders above it
    while stack:
        entries, above = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        path = entry.path
        why = limits.why_not(path, entry.is_symlink())
        if why is not None:
            yield SourceStatus(printable(path), STATUS_SKIPPED, why)
            continue
        try:
            st = os.stat(path)
        except OSError as e:
            yield SourceStatus(printable(path), STATUS_UNREADABLE, _stat_failure(path, e, entry.is_symlink()))
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in above:
                yield SourceStatus(printable(path), STATUS_SKIPPED, "directory already visited (symbolic link loop)")
                continue
            listing = _listing(path)
            if isinstance(listing, SourceStatus):
                yield listing
                continue
            stack.append((iter(listing), above | {key}))
        elif stat.S_ISREG(st.st_mode):
            yield Found(printable(path), path, (st.st_dev, st.st_ino), _size(st))
        else:
            yield SourceStatus(printable(path), STATUS_SKIPPED, "not a regular file (device, FIFO or socket); not read")


def _stat_failure(path: str, e: OSError, link: bool | None = None) -> str:
    if e.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links); not read"
    if link is None:
        link = os.path.islink(path)
    if link and e.errno == errno.ENOENT:
        return "broken symbolic link (its target does not exist)"
    if link:
        return f"symbolic link whose target cannot be reached: {_why(e)}"
    return _why(e)


def _why(e: OSError) -> str:
    return e.strerror.lower() if e.strerror else str(e)

