"""PeekReader: a binary reader that can give back what it read (for sniffing magic bytes and samples) and counts its position."""

from __future__ import annotations

from typing import BinaryIO


class PeekReader:
    """A binary reader that can give back bytes it read, and counts its position."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self._back = b""
        self.pos = 0
        try:  # a file handed over part-read (stdin redirected from a file) starts where it is
            self._origin = raw.tell() if raw.seekable() else 0
        except (AttributeError, OSError, ValueError):
            self._origin = 0

    def read(self, n: int) -> bytes:
        if self._back:
            out, self._back = self._back[:n], self._back[n:]
        else:
            out = self._raw.read(n)
        self.pos += len(out)
        return out

    def read_exact(self, n: int) -> bytes:
        parts, need = [], n
        while need:
            got = self.read(need)
            if not got:
                break
            parts.append(got)
            need -= len(got)
        return b"".join(parts)

    def unread(self, data: bytes) -> None:
        if data:
            self._back = data + self._back
            self.pos -= len(data)

    def underlying_file(self) -> BinaryIO | None:
        """The seekable file under this reader, positioned where the reader is, if there is one."""
        raw = self._raw
        if not (hasattr(raw, "seekable") and raw.seekable()):
            return None
        raw.seek(self._origin + self.pos)
        self._back = b""
        return raw

    def peek(self, n: int) -> bytes:
        data = self.read_exact(n)
        self.unread(data)
        return data
