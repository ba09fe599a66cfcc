"""A source judged binary: not parsed, but its raw quoted matches counted, in every width, so the admin knows to look."""

from __future__ import annotations

from dataclasses import replace

from ..model import STATUS_SKIPPED, SourceStatus
from ..sources.decode import Layout
from ..sources.openers import Unit
from .context import Context
from .reading import Counts, raw_chunks
from .status import source_status

_RAW_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


def count_binary(unit: Unit, ctx: Context, layout: Layout) -> SourceStatus:
    """The skipped status of a binary unit, with its raw quoted matches per subject.

    A UTF-16-LE `"name"` after an ASCII byte also reads as UTF-16-BE one byte
    earlier (and the reverse), so UTF-16 hits are counted once per position of
    their first letter, whichever byte order found them.
    """
    counts = Counts()
    searchers = [(p, e) for e in _RAW_ENCODINGS if (p := ctx.matcher.quoted_searcher(e)) is not None]
    keep = ctx.matcher.max_bytes() + 8
    per_subject = [0] * len(ctx.subjects)
    wide_seen: set[int] = set()  # absolute positions of UTF-16 hits near the current buffer

    def count(buf: bytes, base: int, limit: int) -> None:
        for pattern, encoding in searchers:
            wide = encoding != "utf-8"
            for m in pattern.finditer(buf):
                if m.start() >= limit:
                    break
                if wide:
                    # Read as BE, an LE hit's first letter starts one byte earlier (and the reverse).
                    letter = base + m.start(1) + (1 if encoding == "utf-16-be" else 0)
                    if letter in wide_seen:
                        continue
                    wide_seen.add(letter)
                for s in ctx.matcher.subjects_of(m.group(1).decode(encoding, "replace")):
                    per_subject[s] += 1

    tail, base = b"", 0
    raw, _ = raw_chunks(unit, ctx.config, counts)
    try:
        for data in raw:
            buf = tail + data
            limit = max(0, len(buf) - keep)  # matches starting later are counted with the next chunk
            count(buf, base, limit)
            tail, base = buf[limit:], base + limit
            wide_seen = {p for p in wide_seen if p >= base - 4}
        count(tail, base, len(tail))
    finally:
        raw.close()
    status = source_status(unit, STATUS_SKIPPED, layout.why + "; not parsed (raw quoted matches counted)", counts)
    return replace(status, raw_matches=ctx.by_name(per_subject))
