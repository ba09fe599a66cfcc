"""The fallback framing: every line is a record, its whole text the message, time unknown."""

from __future__ import annotations

from typing import Sequence

from .base import BaseFraming, Record


class Plain(BaseFraming):
    name = "plain"
    head = None


    def sniff(self, lines: Sequence[str]) -> float:
        return 0.0  # never chosen on merit; detect() falls back to it

    def parse(self, line: str) -> Record:
        return Record(self.name, line)


FRAMING = Plain()
