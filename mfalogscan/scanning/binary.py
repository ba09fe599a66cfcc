"""Quoted names in bytes that are not read as text: raw matches, counted in every width, so nothing goes unseen.

- A source judged binary is not parsed, but its raw quoted matches are
  counted (UTF-8, UTF-16LE, UTF-16BE), and any is a finding-level signal
  (grep's "binary file matches": exit 0, never "no findings").
- A text source read as UTF-8 or a code page may hold stretches of UTF-16
  (a line written by another program, a crash remnant): the chunks with NUL
  bytes are searched for UTF-16 quoted names too, and those are its raw
  matches.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import STATUS_SKIPPED, SourceStatus
from ..sources.openers import Unit
from .context import Context
from .reading import Counts, raw_chunks
from .status import source_status

ALL_WIDTHS = ("utf-8", "utf-16-le", "utf-16-be")
WIDE = ("utf-16-le", "utf-16-be")


class RawQuoted:
    """Counts quoted subject names in a stream of raw chunks, per subject, once per position.

    A UTF-16-LE `"name"` after an ASCII byte also reads as UTF-16-BE one byte
    earlier (and the reverse), so UTF-16 hits are counted once per position of
    their first letter, whichever byte order found them. `only_with_nul`: look
    only at chunks holding a NUL byte (UTF-16 of Latin text always does).
    """

    def __init__(self, ctx: Context, encodings=ALL_WIDTHS, only_with_nul: bool = False):
        self._ctx = ctx
        self._encodings = encodings
        self._searchers: list | None = None  # built on first need: most text sources never hold a NUL
        self._keep = ctx.matcher.max_bytes() + 8
        self._only_with_nul = only_with_nul
        self.per_subject = [0] * len(ctx.subjects)
        self._wide_seen: set[int] = set()  # absolute positions of UTF-16 hits near the current buffer
        self._tail, self._base = b"", 0

    @property
    def found(self) -> bool:
        return any(self.per_subject)

    def feed(self, data: bytes, has_nul: bool | None = None) -> None:
        """`has_nul`: whether `data` holds a NUL byte, when the caller already knows (it searched for one)."""
        if has_nul is None:
            has_nul = b"\x00" in data
        if self._only_with_nul and not has_nul and b"\x00" not in self._tail:
            self._tail, self._base = data[-self._keep:], self._base + len(data) - len(data[-self._keep:])
            return
        buf = self._tail + data
        limit = max(0, len(buf) - self._keep)  # matches starting later are counted with the next chunk
        self._count(buf, limit)
        self._tail, self._base = buf[limit:], self._base + limit
        self._wide_seen = {p for p in self._wide_seen if p >= self._base - 4}

    def finish(self) -> None:
        if not (self._only_with_nul and b"\x00" not in self._tail):
            self._count(self._tail, len(self._tail))
        self._tail = b""

    def _count(self, buf: bytes, limit: int) -> None:
        if self._searchers is None:
            if not buf:
                return
            self._searchers = [(self._ctx.matcher.quoted_names(e), e) for e in self._encodings]
        for names, encoding in self._searchers:
            wide = encoding != "utf-8"
            for at, start, name in names(buf):
                if at >= limit:
                    break
                if wide:
                    # Read as BE, an LE hit's first letter starts one byte earlier (and the reverse).
                    letter = self._base + start + (1 if encoding == "utf-16-be" else 0)
                    if letter in self._wide_seen:
                        continue
                    self._wide_seen.add(letter)
                for s in self._ctx.matcher.subjects_of(name):
                    self.per_subject[s] += 1


def count_binary(unit: Unit, ctx: Context, reason: str) -> SourceStatus:
    """The skipped status of a unit not parsed (binary, or an output of mfalogscan), with its raw quoted matches."""
    counts = Counts()
    raw_count = RawQuoted(ctx)
    raw, _ = raw_chunks(unit, ctx.config, counts)
    try:
        for data in raw:
            raw_count.feed(data)
        raw_count.finish()
    finally:
        raw.close()
    status = source_status(unit, STATUS_SKIPPED, reason, counts)
    return replace(status, raw_matches=ctx.by_name(raw_count.per_subject))
