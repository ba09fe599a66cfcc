"""The fallback framing: every line is a record, its whole text the message, time unknown."""

from __future__ import annotations

from typing import Sequence

from . import Record


class Plain:
    name = "plain"
    head = None
    multiline = False

    def for_sample(self, lines: Sequence[str]) -> "Plain":
        return self

    def sniff(self, lines: Sequence[str]) -> float:
        return 0.0  # never chosen on merit; detect() falls back to it

    def parse(self, line: str) -> Record:
        return Record(self.name, line)


FRAMING = Plain()
