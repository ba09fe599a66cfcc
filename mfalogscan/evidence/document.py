"""A Report as one JSON-ready document: tool, parameters, sources, and per user their counts and findings.

The JSON printer writes it, and `verify` compares a report file with the
document of a scan made again; both use this one shape.
"""

from __future__ import annotations

from ..model import TOOL, VERSION
from .procedure import person_procedure, procedure_facts


def document(report, findings=None) -> dict:
    """The report as a dict; `findings(i, user)`, if given, stands in for the i-th person's list of findings."""
    summary = report.summary
    users = []
    for i, u in enumerate(summary.users):
        d = u.to_dict()
        counts = {k: d.pop(k) for k in list(d) if k not in ("user", "aliases", "first_seen", "last_seen")}
        more = person_procedure(report, u.user)
        users.append(
            {
                "user": u.user,
                "aliases": list(u.aliases),
                "first_seen": u.first_seen,
                "last_seen": u.last_seen,
                "counts": counts,
                "stores": [s.to_dict() for s in more.stores],
                "attachments": [a.to_dict() for a in more.attachments],
                "deletion": more.deletion.to_dict() if more.deletion else None,
                "findings": findings(i, u.user) if findings else [f.to_dict() for f in report.findings.of(u.user)],
            }
        )
    return {
        "tool": TOOL,
        "version": VERSION,
        "generated_at": report.generated_at,
        "parameters": report.parameters(),
        "rules_sha256": report.rules_sha256,
        "procedure": procedure_facts(report.wording),
        "sources": [s.to_dict() for s in report.sources],
        "users": users,
        "summary": summary.to_dict(),
    }
