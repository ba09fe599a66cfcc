"""JSON Lines: one object per line: findings as they are found, then events, sources and the summary.

Findings are written while the scan runs (so `| head` and `| jq` answer
at once); what needs every source comes after them: one `event` object per
event (which findings are one event, and which is the original), then one
`source` object per source, then the `summary`. The schema is documented
in docs/output.md and docs/jsonl.schema.json.
"""

from __future__ import annotations

import json

# What json.dumps(obj, ensure_ascii=False, separators=(",", ":")) builds for every call, built once
# (and without the check for circular references, which reports do not have): 9.3 -> 6.1 us a finding.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode

def dumps(obj: dict) -> str:
    return _ENCODE(obj)


class Stream:
    """Writes findings as the scan gives them (`finding`), and the rest once the report is finished (`end`)."""

    def __init__(self, out):
        self._out = out

    def finding(self, finding) -> None:
        d = finding.to_dict()
        d["event"] = d["duplicate_of"] = None  # known only once every source is read: see the event objects
        self._out.write(dumps(d) + "\n")

    def end(self, report) -> None:
        out = self._out
        for number, user, original, duplicates in report.events():
            out.write(dumps({"type": "event", "event": f"E{number}", "user": user, "original": original,
                             "duplicates": duplicates}) + "\n")
        for source in report.sources:
            out.write(dumps(source.to_dict()) + "\n")
        # The summary's people written one at a time, the line as json would write it whole: 100,000 of them as
        # one dict, then one string, took 100 MB.
        summary = report.summary
        head, tail = dumps(summary.to_dict(users=False)).split('"users":[]', 1)
        out.write(head + '"users":[')
        for i, user in enumerate(summary.users):
            out.write(("," if i else "") + dumps(user.to_dict()))
        out.write("]" + tail + "\n")


def write(report, out) -> None:
    """A finished report, written as the stream would have written it."""
    stream = Stream(out)
    for finding in report.findings:
        stream.finding(finding)
    stream.end(report)
