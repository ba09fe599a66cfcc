"""A file as it was when it was opened: growing, shrinking and replaced files.

Logs on a live server are written while they are read. A scan reads a
regular file up to the size it had when it was opened, so its findings,
hash and counts describe one definite state, and then says what changed:
bytes written since (not scanned, a warning), bytes that vanished before
they could be read (lost, an error), or a file put in its place under the
same name (the opened one was scanned, a warning).
"""

from __future__ import annotations

import hashlib
import os
from typing import BinaryIO

from ..errors import LOST, WARNING, SourceIssue


class Snapshot:
    """A seekable binary reader over the first `size` bytes of an open regular file."""

    def __init__(self, raw: BinaryIO, size: int):
        self._raw = raw
        self.size = size

    def read(self, n: int = -1) -> bytes:
        left = self.size - self._raw.tell()
        if left <= 0:
            return b""
        return self._raw.read(left if n is None or n < 0 else min(n, left))

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 2:
            return self._raw.seek(self.size + offset)
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def changes(self, path: str, scanned: int | None) -> list[SourceIssue]:
        """What happened to the file while it was read (`scanned`: the stored bytes read, when known)."""
        issues = []
        try:
            now = os.fstat(self._raw.fileno())
        except OSError:
            now = None
        if now is not None and now.st_size > self.size:
            issues.append(SourceIssue(
                f"the file grew by {now.st_size - self.size} bytes while it was scanned: its {self.size} bytes "
                "at opening were scanned, the ones written since were not (scan again to include them)",
                self.size, WARNING,
            ))
        if scanned is not None and scanned < self.size:
            issues.append(SourceIssue(
                f"the file shrank while it was scanned: {self.size - scanned} of its {self.size} bytes at "
                "opening could not be read (it was truncated or rewritten meanwhile)",
                scanned, LOST,
            ))
        try:
            st = os.stat(path)
            if now is not None and (st.st_dev, st.st_ino) != (now.st_dev, now.st_ino):
                issues.append(SourceIssue(
                    "the file was replaced under its name while it was scanned: the one opened was scanned; "
                    "the new one is not in this report", None, WARNING,
                ))
        except OSError:
            issues.append(SourceIssue(
                "the file was deleted or moved while it was scanned: the one opened was scanned", None, WARNING,
            ))
        return issues

    def sha256(self) -> str | None:
        """SHA-256 of the file as stored, as it was opened (archives are read out of order, so a second read)."""
        digest = hashlib.sha256()
        try:
            self._raw.seek(0)
            while block := self.read(1 << 20):
                digest.update(block)
        except OSError:
            return None
        return digest.hexdigest()
