"""JSON Lines: one object per line, findings first, then sources, then the summary.

The schema is documented in docs/output.md and docs/jsonl.schema.json.
"""

from __future__ import annotations

import json

# What json.dumps(obj, ensure_ascii=False, separators=(",", ":")) builds for every call, built once
# (and without the check for circular references, which reports do not have): 9.3 -> 6.1 us a finding.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def dumps(obj: dict) -> str:
    return _ENCODE(obj)


def write(report, out) -> None:
    for finding in report.findings:
        out.write(dumps(finding.to_dict()) + "\n")
    for source in report.sources:
        out.write(dumps(source.to_dict()) + "\n")
    out.write(dumps(report.summary.to_dict()) + "\n")
