"""Framings: a decoded line in, a Record (stamp, fields, message) out; one module per way a log wraps a message.

A framing has:
- `name`, the value of `format` on findings and of the source's `format`;
- `sniff(lines) -> float`, a cheap score in [0, 1] over a source's first
  decoded lines (0: not this framing);
- `for_sample(lines, date_order) -> framing`, the framing set up for one source (a CSV
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

from typing import Sequence

from . import csv_export, kiwi, native, plain, rfc5424, syslog
from .base import BaseFraming, Record

__all__ = ["BaseFraming", "Record", "by_name", "detect", "names", "reads_yearless"]


def _table() -> list:
    return [native.FRAMING, rfc5424.FRAMING, syslog.FRAMING, kiwi.FRAMING, csv_export.FRAMING, plain.FRAMING]


def by_name(name: str):
    for f in _table():
        if f.name == name:
            return f
    raise KeyError(name)


def names() -> list[str]:
    return [f.name for f in _table()]


def detect(lines: Sequence[str], forced: str | None = None, date_order: str | None = None):
    """The framing for a source, set up from its sample; `forced` names one to use regardless; `date_order`
    (--date-order) is how numeric dates are read where the sample cannot prove it."""
    if forced is not None:
        return by_name(forced).for_sample(lines, date_order)
    best, best_score = None, 0.0
    for framing in _table():
        score = framing.sniff(lines)
        if score > best_score:
            best, best_score = framing, score
    return (best or by_name("plain")).for_sample(lines, date_order)


def reads_yearless(framing, lines: Sequence[str]) -> bool:
    """True when the framing reads stamps without a year (RFC 3164) among these lines."""
    return any(r is not None and r.stamp is not None and r.stamp.year is None for r in map(framing.parse, lines))
