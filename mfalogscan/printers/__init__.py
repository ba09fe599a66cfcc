"""Printers: one module per output format, each a `write(report, out)` function.

A printer gets the finished Report (findings linked into events, sources
annotated) and writes it to `out`. Printers know findings, sources and
summaries, never files or framings.

`subject_view` is one person's part of a report, shared by the per-person
formats (table, Markdown, HTML); `reportfiles` writes one file per person
(--output-dir) and `safeopen` creates report files owner-only, published
whole or not at all.
"""

from __future__ import annotations

from importlib import import_module

FORMATS = ("table", "json", "jsonl", "csv", "markdown", "html")
_MODULES = {"table": "table", "json": "json_doc", "jsonl": "jsonl", "csv": "csv_rows", "markdown": "markdown", "html": "html"}
#: Formats that make one report per subject (and can be split with --output-dir).
PER_SUBJECT = {"markdown": ".md", "html": ".html"}


def get(name: str):
    """The write() function of the named format."""
    return import_module(f"{__name__}.{_MODULES[name]}").write



def stream(name: str, out):
    """The streaming writer of the named format (`finding(f)` as found, `end(report)`), or None if it has none."""
    if name == "jsonl":
        from .jsonl import Stream

        return Stream(out)
    return None
