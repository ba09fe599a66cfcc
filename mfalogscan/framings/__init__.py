"""Framings: how a log line wraps a message, one module each.

A framing has:
- `name`, the value of `format` on findings and of the source's `format`;
- `sniff(lines) -> float`, a cheap score in [0, 1] over a source's first
  decoded lines (0: not this framing);
- `for_sample(lines) -> framing`, the framing set up for one source (a CSV
  export learns its columns from the header; others return themselves);
- `parse(line) -> Record | None`, None when the line does not parse;
- `head`, a compiled *bytes* pattern matching at the start of a line that
  this framing can parse (used to count unparsed lines over the whole
  source without decoding it), or None when there is no such pattern;
- `multiline`: True when a line that does not parse continues the record
  above it (exception traces in the native log); False when it stands alone
  as an unparsed line whose findings are still reported;
- `header_lines` (optional, default 0): lines at the top that are neither
  records nor unparsed (a CSV export's header row);
- `head_fixed_digits` (optional, default False): True when changing digits
  of a matched head into any other digits always leaves a head (`head` takes
  digits only through digit classes and its other characters do not depend
  on them), so the unparsed-line count can use one literal search for the
  digits-as-zero shape of a head (see `headcount`).

`detect()` picks the framing for a source: the best score wins, and a source
where none fits is read as `plain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from abc import ABC, abstractmethod
from typing import Sequence

from ..timeparse import Stamp


@dataclass(frozen=True)
class Record:
    """One log record's fields, as far as its framing tells them."""

    format: str
    message: str
    stamp: Stamp | None = None
    level: str | None = None
    pid: int | None = None
    tid: int | None = None
    component: str | None = None
    request_id: str | None = None
    host: str | None = None


class BaseFraming(ABC):
    """The contract every framing meets, with its defaults: one line, one record, nothing learned from the sample."""

    name = "base"
    head = None  # compiled bytes pattern, or None
    multiline = False
    header_lines = 0
    head_fixed_digits = False

    @abstractmethod
    def sniff(self, lines: Sequence[str]) -> float:
        """How well the sample fits this framing, 0 to 1."""

    @abstractmethod
    def parse(self, line: str) -> Record | None:
        """The record a line starts, or None."""

    def for_sample(self, lines: Sequence[str]) -> "BaseFraming":
        return self


def _table() -> list:
    from . import csv_export, kiwi, native, plain, rfc5424, syslog

    return [native.FRAMING, rfc5424.FRAMING, syslog.FRAMING, kiwi.FRAMING, csv_export.FRAMING, plain.FRAMING]


def by_name(name: str):
    for f in _table():
        if f.name == name:
            return f
    raise KeyError(name)


def names() -> list[str]:
    return [f.name for f in _table()]


def detect(lines: Sequence[str], forced: str | None = None):
    """The framing for a source, set up from its sample; `forced` names one to use regardless."""
    if forced is not None:
        return by_name(forced).for_sample(lines)
    best, best_score = None, 0.0
    for framing in _table():
        score = framing.sniff(lines)
        if score > best_score:
            best, best_score = framing, score
    return (best or by_name("plain")).for_sample(lines)
