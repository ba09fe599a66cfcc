"""Event Viewer's and wevtutil's exports: which one a text source is, and its events.

- `sniff_export(sample)`: the decoded first ~64 KiB of a text source -> "xml",
  "csv", "text" or None. It claims only what carries an exporter's own mark
  (the event schema's namespace at the first element, Event Viewer's CSV
  header, wevtutil's `Event[0]:` and `  Log Name:`), so an ordinary log is never
  taken for an export.
- `read_export(kind, chunks, encoding, start)`: the unit's bytes after its
  BOM -> EventRecords and ReadProblems, in stream order, with offsets in the
  stream (`start` is the BOM's length). Memory is about one event (CSV rows may
  also wait for the export to prove its date order: `exports_csv`).

The readers are `exports_xml`, `exports_csv` and `exports_text`; what they
share (lines with offsets, times) is in `exports_base`.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from .exports_base import encoding_of
from .exports_csv import header_delimiter, read_csv
from .exports_text import FIRST_KEY, HEAD, read_text
from .exports_xml import EVENT_NS, read_xml
from .record import EventRecord, ReadProblem

KINDS = ("xml", "csv", "text")
# What may come before an XML export's first element: the declaration, comments, whitespace.
_XML_PROLOGUE = re.compile(r"(?:\s+|<\?xml[^>]*\?>|<!--.*?-->)*", re.S)
_XML_FIRST = re.compile(r"<Events?[\s>/]")


def sniff_export(sample: str) -> str | None:
    """Which export `sample` (the decoded start of a text source) begins, or None."""
    sample = sample.lstrip("\ufeff")
    lines = sample.lstrip("\r\n").splitlines()
    if not lines:
        return None
    if HEAD.fullmatch(lines[0]) and len(lines) > 1 and lines[1].startswith(FIRST_KEY):
        return "text"
    if header_delimiter(lines[0]) is not None and (len(lines) > 1 or sample.endswith(("\n", "\r"))):
        return "csv"
    head = _XML_PROLOGUE.match(sample).end()
    if _XML_FIRST.match(sample, head) and f'"{EVENT_NS}"' in sample[head:head + 4096]:
        return "xml"
    return None


def read_export(kind: str, chunks: Iterable[bytes], encoding: str, start: int = 0, date_order: str | None = None
                ) -> Iterator[EventRecord | ReadProblem]:
    """The events of an export of `kind` (see the module's docstring); `date_order` (--date-order) is for CSV
    dates whose day/month order the export itself does not prove."""
    readers = {"xml": read_xml, "csv": read_csv, "text": read_text}
    if kind not in readers:
        raise ValueError(f"no export kind {kind!r} (one of {', '.join(KINDS)})")
    if kind == "csv":
        return read_csv(chunks, encoding_of(encoding), start, date_order)
    return readers[kind](chunks, encoding_of(encoding), start)
