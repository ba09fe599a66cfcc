"""Printers: one module per output format, each a `write(events, report, out)` function.

A printer gets the scan's events (findings and source statuses, in order),
adds each to the Report as it goes, and writes to `out`. `jsonl` writes each
finding the moment it arrives; the others write once the scan is complete.
Printers know findings, sources and summaries, never files or framings.
"""

from __future__ import annotations

from importlib import import_module

FORMATS = ("table", "json", "jsonl", "csv")
_MODULES = {"table": "table", "json": "json_doc", "jsonl": "jsonl", "csv": "csv_rows"}


def get(name: str):
    """The write() function of the named format."""
    return import_module(f"{__name__}.{_MODULES[name]}").write


def collect(events, report) -> None:
    """Feed every event to the report (for printers that need the whole scan)."""
    for item in events:
        report.add(item)
