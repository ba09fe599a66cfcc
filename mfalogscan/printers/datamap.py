"""A DataMap -> table, json, jsonl, csv (here) or a Markdown/HTML report (datamap_report.py): who the logs hold,
and what is kept past retention.

The CSV is also a users file: `scan --users-file MAP.csv` reads its
`identity` and `aliases` columns (config.read_users_file), so a request can
start from the map. No log text is in any of them.
"""

from __future__ import annotations

import csv
import json

from ..model import TOOL, VERSION
from .csv_rows import cell
from .datamap_report import render_html, render_markdown, summary_line

FORMATS = ("table", "json", "jsonl", "csv", "markdown", "html")
CSV_COLUMNS = ("identity", "aliases", "key", "findings", "mentions", "user_change", "operational", "unclassified",
               "first_seen", "last_seen", "undated", "past_retention", "sources")
WIDE = 100  # columns: narrower terminals get no first/last seen and source counts (the JSON and CSV have them)
#: The CSV's aliases column joins a person's other names with this (account names hold no semicolon).
ALIAS_SEPARATOR = "; "


def _head(m) -> dict:
    return {"tool": TOOL, "version": VERSION, "format": "mfalogscan-data-map/1", **m.summary()}


def write_json(m, out) -> None:
    doc = {**_head(m), "identities": [e.to_dict() for e in m.identities], "sources": [s.to_dict() for s in m.sources],
           "rotation_sets": [r.to_dict() for r in m.rotation_sets],
           "names_not_searched": dict(sorted(m.skipped_names.items()))}
    doc.pop("type", None)
    json.dump(doc, out, indent=2, ensure_ascii=False)
    out.write("\n")


def write_jsonl(m, out) -> None:
    for item in [*m.identities, *m.sources, *m.rotation_sets]:
        out.write(json.dumps(item.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n")
    out.write(json.dumps(m.summary(), ensure_ascii=False, separators=(",", ":")) + "\n")


def write_csv(m, out) -> None:
    out.write("\ufeff")  # Excel reads UTF-8 only after a BOM
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for e in m.identities:
        cat = e.by_category
        row = [e.identity, ALIAS_SEPARATOR.join(e.aliases), e.key, e.findings, e.mentions, cat.get("user-change", 0),
               cat.get("operational", 0), cat.get("unclassified", 0), e.first_seen or "", e.last_seen or "", e.undated,
               e.past_retention, ALIAS_SEPARATOR.join(e.sources)]
        w.writerow([cell(v) for v in row])


def write_table(m, out) -> None:
    from rich import box
    from rich.table import Table

    from ..errors import visible
    from .table import _console, _text

    console, plain = _console(out)  # the terminal's width, colour only there, NO_COLOR, trailing spaces trimmed
    _text(console, summary_line(m))
    table = Table(box=box.SIMPLE_HEAD, header_style="" if plain else "bold", pad_edge=False, show_edge=False,
                  expand=True)
    wide = console.width >= WIDE  # a narrow terminal keeps the counts, not the dates and sources
    table.add_column("identity", overflow="fold", ratio=1)
    for name in ("chg.", "oper.", "uncl.", "ment."):
        table.add_column(name, justify="right", no_wrap=True)
    if wide:
        for name in ("first seen", "last seen"):
            table.add_column(name, no_wrap=True, width=10)
    table.add_column("past ret.", justify="right", no_wrap=True)
    if wide:
        table.add_column("src.", justify="right", no_wrap=True)
    for e in m.identities:
        cat = e.by_category
        row = [visible(e.identity), *(str(cat.get(k, 0)) for k in ("user-change", "operational", "unclassified")),
               str(e.mentions)]
        row += [(e.first_seen or "-")[:10], (e.last_seen or "-")[:10]] if wide else []
        row += [str(e.past_retention)] + ([str(len(e.sources))] if wide else [])
        table.add_row(*row)
    console.print(table)
    if len(m.identities) > 20:  # the sentence to act on, again where a long table ends
        _text(console, summary_line(m))
    console.file.flush()


def writers(pseudonyms: bool = False) -> dict:
    """Format name -> write(map, out); the reports with identities as pseudonyms when asked."""
    return {"table": write_table, "json": write_json, "jsonl": write_jsonl, "csv": write_csv,
            "markdown": lambda m, out: out.write(render_markdown(m, pseudonyms)),
            "html": lambda m, out: out.write(render_html(m, pseudonyms))}
