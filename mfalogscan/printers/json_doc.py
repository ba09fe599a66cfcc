"""One JSON document: tool, parameters, sources, and per user their counts and findings."""

from __future__ import annotations

import json

from ..report import TOOL


def document(report) -> dict:
    from .. import __version__

    summary = report.summary
    users = []
    for u in summary.users:
        d = u.to_dict()
        counts = {k: d.pop(k) for k in list(d) if k not in ("user", "aliases", "first_seen", "last_seen")}
        users.append(
            {
                "user": u.user,
                "aliases": list(u.aliases),
                "first_seen": u.first_seen,
                "last_seen": u.last_seen,
                "counts": counts,
                "findings": [f.to_dict() for f in report.findings if f.user == u.user],
            }
        )
    return {
        "tool": TOOL,
        "version": __version__,
        "generated_at": report.generated_at,
        "parameters": report.parameters(),
        "rules_sha256": report.rules_sha256,
        "sources": [s.to_dict() for s in report.sources],
        "users": users,
        "summary": summary.to_dict(),
    }


def write(report, out) -> None:
    json.dump(document(report), out, ensure_ascii=False, indent=2)
    out.write("\n")
