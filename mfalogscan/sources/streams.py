"""Decompressing streams that record damage instead of raising.

Each stream is read with `read(n)` (at most n bytes out, so a zip bomb never
fills memory) and ends with b''. Whatever can be decompressed before a
problem is returned; the problem becomes a `SourceIssue` in `issues` with
the decompressed offset where the readable data stops. gzip members are
checked against their own CRC-32 and length, zip members against the
archive directory's CRC-32, so a damaged member is reported, not trusted.
"""

from __future__ import annotations

import bz2
from abc import ABC, abstractmethod
import lzma
import struct
import zlib
from typing import BinaryIO, Callable

from ..errors import DAMAGED, LOST, SourceIssue
from .budget import Budget
from .peek import PeekReader

BLOCK = 256 * 1024
try:  # zlib-ng (the `fast` extra) inflates the same deflate data about 1.6 times as fast; the same API
    from zlib_ng import zlib_ng as inflate
except ImportError:  # pragma: no cover - depends on what is installed
    inflate = zlib

#: What zlib (or zlib-ng), bz2 and lzma raise on data that is not theirs or is corrupt.
DECODE_ERRORS = (zlib.error,) + ((inflate.error,) if inflate is not zlib else ()) + (OSError, EOFError, lzma.LZMAError, ValueError)
GZIP_MAGIC = b"\x1f\x8b"
BZ2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"


class _ZlibAdapter:
    """zlib's decompressobj with the bz2/lzma decompressor interface.

    zlib raises on corrupt data and drops what it had decompressed in the
    same call, so on an error the call is made again from a copy of the
    state before it, in small steps, and what came before the damage is
    returned; the error is raised on the next call.
    """

    _STEP = 512

    def __init__(self, wbits: int):
        self._d = inflate.decompressobj(wbits)
        self._full = False
        self._error: Exception | None = None

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._error is not None:
            raise self._error
        data = self._d.unconsumed_tail + data
        before = self._d.copy()
        try:
            out = self._d.decompress(data, max_length)
        except inflate.error as e:
            self._d, out = before, self._salvage(before, data, max_length)
            self._error = e
            self._full = False
            if not out:
                raise
            return out
        self._full = len(out) >= max_length
        return out

    @staticmethod
    def _salvage(d, data: bytes, max_length: int) -> bytes:
        """What `d` gives from `data` up to the corrupt byte: fed a step at a time, the failing step a byte at a time."""
        parts, size, at, step = [], 0, 0, _ZlibAdapter._STEP
        while at < len(data) and size < max_length:
            saved = d.copy()
            try:
                got = d.decompress(data[at : at + step], max_length - size)
            except inflate.error:
                if step == 1:
                    break
                d, step = saved, 1  # again from before this step, byte by byte
                continue
            parts.append(got)
            size += len(got)
            if d.unconsumed_tail or d.eof:
                break
            at += step
        return b"".join(parts)

    @property
    def needs_input(self) -> bool:
        return not self._d.unconsumed_tail and not self._full

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data


class _Stored:
    """The identity 'decompressor' for stored zip members."""

    def __init__(self, size: int):
        self._left = size
        self._pending = b""
        self.unused_data = b""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        data = self._pending + data
        take = min(len(data), max_length, self._left)
        out, self._pending = data[:take], data[take:]
        self._left -= take
        if self._left == 0:
            self.unused_data, self._pending = self._pending, b""
        return out

    @property
    def needs_input(self) -> bool:
        return not self._pending and self._left > 0

    @property
    def eof(self) -> bool:
        return self._left == 0


class DecompressedStream(ABC):
    """Base: one or more compressed members read back to back."""

    name = "compressed"
    #: The stored file's expansion budget, shared by all its streams (None: unlimited).
    budget: Budget | None = None

    def __init__(self, raw: BinaryIO):
        self.raw = PeekReader(raw)
        self.issues: list[SourceIssue] = []
        self.out_pos = 0
        self._dec = None
        self._done = False
        self._crc = 0
        self._size = 0

    # Hooks for subclasses.
    @abstractmethod
    def _start_member(self) -> bool:
        """Read a member header; return False at a clean end of input."""

    def _finish_member(self) -> None:
        """Check the member's trailer or checksum after its last byte."""

    def _fail(self, message: str, severity: str = LOST) -> None:
        self.issues.append(SourceIssue(message, self.out_pos, severity))
        if severity == LOST:
            self._done = True

    def read(self, n: int) -> bytes:
        while not self._done:
            if self._dec is None:
                self._crc, self._size = 0, 0
                if not self._start_member():
                    self._done = True
                    break
            if self._dec.eof:
                self.raw.unread(self._dec.unused_data)
                self._dec = None
                self._finish_member()
                continue
            data = b""
            if self._dec.needs_input:
                data = self.raw.read(BLOCK)
                if not data:
                    self._fail(
                        f"{self.name} data ends early (truncated at compressed byte {self.raw.pos}); "
                        f"the {self.out_pos} bytes before it were scanned"
                    )
                    break
            stop = self.budget.check(self.out_pos, self.raw.pos) if self.budget is not None else None
            if stop is not None:
                self._fail(stop)
                break
            try:
                out = self._dec.decompress(data, n)
            except DECODE_ERRORS as e:
                self._fail(f"{self.name} data is corrupt near compressed byte {self.raw.pos} ({e}); the rest was not scanned")
                break
            if out:
                if self.budget is not None:
                    self.budget.used += len(out)
                self._crc = inflate.crc32(out, self._crc)
                self._size += len(out)
                self.out_pos += len(out)
                return out
        return b""

    def _trailing(self, what: str) -> None:
        """After the last member: allow zero padding, report anything else."""
        rest, start = 0, self.raw.pos
        nonzero = False
        while True:
            data = self.raw.read(BLOCK)
            if not data:
                break
            rest += len(data)
            nonzero = nonzero or data.count(0) != len(data)
        if nonzero:
            self.issues.append(
                SourceIssue(f"{rest} bytes after the {what} data (from stored byte {start}) are not {what} data "
                            "and were not scanned", self.out_pos)
            )


class GzipStream(DecompressedStream):
    """gzip, any number of members, each checked against its CRC-32 and size."""

    name = "gzip"

    def __init__(self, raw: BinaryIO):
        super().__init__(raw)
        self.mtime: int | None = None
        self._members = 0

    def _start_member(self) -> bool:
        head = self.raw.peek(2)
        if not head:
            return False
        if head != GZIP_MAGIC:
            if self._members == 0:
                self._fail("not gzip data")
            else:
                self._trailing("gzip")
            return False
        fixed = self.raw.read_exact(10)
        if len(fixed) < 10:
            self._fail("gzip header is truncated")
            return False
        method, flags, mtime = fixed[2], fixed[3], struct.unpack("<I", fixed[4:8])[0]
        if method != 8:
            self._fail(f"gzip member uses unknown compression method {method}")
            return False
        if flags & 4:  # FEXTRA
            xlen = self.raw.read_exact(2)
            self.raw.read_exact(struct.unpack("<H", xlen)[0] if len(xlen) == 2 else 0)
        for flag in (8, 16):  # FNAME, FCOMMENT: NUL-terminated
            if flags & flag:
                while True:
                    c = self.raw.read(1)
                    if c in (b"", b"\x00"):
                        break
        if flags & 2:  # FHCRC
            self.raw.read_exact(2)
        if self._members == 0 and mtime:
            self.mtime = mtime
        self._members += 1
        self._dec = _ZlibAdapter(-15)
        return True

    def _finish_member(self) -> None:
        trailer = self.raw.read_exact(8)
        if len(trailer) < 8:
            self._fail("gzip member trailer is truncated (its data was scanned, its checksum could not be checked)", DAMAGED)
            self._done = True
            return
        crc, size = struct.unpack("<II", trailer)
        if crc != self._crc or size != self._size & 0xFFFFFFFF:
            self._fail(
                f"gzip member {self._members} fails its CRC-32/length check (data scanned, but it is damaged)",
                DAMAGED,
            )


class _MagicMultiStream(DecompressedStream):
    """bz2 and xz: streams back to back, each starting with the format's magic."""

    magic = b""
    make: Callable = staticmethod(lambda: None)

    def __init__(self, raw: BinaryIO):
        super().__init__(raw)
        self._streams = 0

    #: Zero bytes allowed between streams (xz's stream padding).
    padding = False

    def _start_member(self) -> bool:
        head = self.raw.peek(len(self.magic))
        if self.padding and self._streams and head[:1] == b"\x00":
            self._skip_zeros()
            head = self.raw.peek(len(self.magic))
        if not head:
            return False
        if not head.startswith(self.magic[:3]):
            if self._streams == 0:
                self._fail(f"not {self.name} data")
            else:
                self._trailing(self.name)
            return False
        self._streams += 1
        self._dec = self.make()
        return True


    def _skip_zeros(self) -> None:
        while True:
            data = self.raw.read(BLOCK)
            if not data:
                return
            rest = data.lstrip(b"\x00")
            if rest:
                self.raw.unread(rest)
                return


class Bz2Stream(_MagicMultiStream):
    name = "bzip2"
    magic = BZ2_MAGIC
    make = staticmethod(bz2.BZ2Decompressor)


class XzStream(_MagicMultiStream):
    name = "xz"
    magic = XZ_MAGIC
    padding = True
    make = staticmethod(lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ))


class ZipMemberStream(DecompressedStream):
    """One zip member's data, checked against the CRC-32 the archive records for it."""

    name = "zip member"
    METHODS = (0, 8, 12)  # stored, deflate, bzip2

    def __init__(self, raw: BinaryIO, method: int, size: int | None, crc: int | None):
        super().__init__(raw)
        self._method = method
        self._usize = size
        self._expected_crc = crc
        self._started = False

    @property
    def readable(self) -> bool:
        """False when the member cannot be read at all (a method not supported, a stored member of no size)."""
        return self._method in self.METHODS and (self._method != 0 or self._usize is not None)

    def _start_member(self) -> bool:
        if self._started:
            return False
        self._started = True
        if self._method == 0:
            if self._usize is None:
                self._fail("stored zip member of unknown size")
                return False
            self._dec = _Stored(self._usize)
        elif self._method == 8:
            self._dec = _ZlibAdapter(-15)
        elif self._method == 12:
            self._dec = bz2.BZ2Decompressor()
        else:
            self._fail(f"zip compression method {self._method} is not supported; member not scanned")
            return False
        return True

    def _finish_member(self) -> None:
        if self._expected_crc is not None and (self._crc & 0xFFFFFFFF) != self._expected_crc:
            self._fail("zip member fails its CRC-32 check (data scanned, but it is damaged)", DAMAGED)
        self._done = True
