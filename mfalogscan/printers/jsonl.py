"""JSON Lines: one object per line, findings first (as found), then sources, then the summary.

The schema is documented in docs/output.md and docs/jsonl.schema.json.
"""

from __future__ import annotations

import json

from ..model import Finding


def dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write(events, report, out) -> None:
    for item in events:
        report.add(item)
        if isinstance(item, Finding):
            out.write(dumps(item.to_dict()) + "\n")
    for source in report.sources:
        out.write(dumps(source.to_dict()) + "\n")
    out.write(dumps(report.summary.to_dict()) + "\n")
