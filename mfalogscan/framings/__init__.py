"""Framings: how a log line wraps a message, one module each.

A framing has a `name`, a cheap `sniff(lines) -> score` over a source's first
decoded lines, `parse(line) -> Record | None` (None: the line does not start
a record, so it continues the one above), and `head` (a bytes pattern that
matches at the start of a line beginning a record, or None when every line
is a record of its own). `detect()` picks the framing for a source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Record:
    """One log record's fields, as far as its framing tells them."""

    format: str
    message: str
    timestamp: str | None = None
    level: str | None = None
    pid: int | None = None
    tid: int | None = None
    component: str | None = None
    request_id: str | None = None


class Framing(Protocol):
    name: str
    head: object  # compiled bytes pattern or None

    def sniff(self, lines: Sequence[str]) -> float: ...

    def parse(self, line: str) -> Record | None: ...


def _table() -> list:
    from . import native, plain

    return [native.FRAMING, plain.FRAMING]


def by_name(name: str):
    for f in _table():
        if f.name == name:
            return f
    raise KeyError(name)


def names() -> list[str]:
    return [f.name for f in _table()]


def detect(lines: Sequence[str]):
    """The framing that fits the sample best; `plain` when none fits."""
    best, best_score = None, 0.0
    for framing in _table():
        score = framing.sniff(lines)
        if score > best_score:
            best, best_score = framing, score
    return best or by_name("plain")
