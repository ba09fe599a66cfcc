"""The fallback framing: every line is a record, its whole text the message.

A line that starts with an ISO 8601 date and time (`2019-06-14T10:40:20.912134`,
`2019-06-14 10:40:20,123 INFO ...`, with or without a zone) has that time,
read in `--timezone` when no zone is written; any other line's time is unknown.
"""

from __future__ import annotations

from typing import Sequence

from ..timeline.stamps import parse_iso
from .base import BaseFraming, Record


class Plain(BaseFraming):
    name = "plain"
    head = None


    def sniff(self, lines: Sequence[str]) -> float:
        return 0.0  # never chosen on merit; detect() falls back to it

    def parse(self, line: str) -> Record:
        stamp = parse_iso(line) if line[:1].isdigit() else None
        if stamp is not None and line[len(stamp.raw) : len(stamp.raw) + 1].isdigit():
            stamp = None  # `2019-06-14 10:40:201`: not a stamp that ends where the pattern does
        return Record(self.name, line, stamp)


FRAMING = Plain()
