"""A unit's SourceStatus: what was read, counted and noticed, and whether bytes were lost."""

from __future__ import annotations

from ..model import STATUS_PARTIAL, STATUS_SCANNED, STATUS_UNREADABLE, SourceStatus
from ..sources.decode import Layout
from ..sources.openers import Unit
from .reading import Counts


def source_status(
    unit: Unit, status: str, reason: str | None, counts: Counts, lines: int = 0,
    layout: Layout | None = None, framing: str | None = None, issues=(), undecodable: int = 0,
) -> SourceStatus:
    """The status of `unit`; a `scanned` one with a lost issue (its own or its stream's) is `partial`."""
    issues = list(issues) + unit.all_issues()
    if status == STATUS_SCANNED and any(i.fatal for i in issues):
        status = STATUS_PARTIAL
        reason = "; ".join(i.message for i in issues if i.fatal)
    return SourceStatus(
        path=unit.path,
        status=status,
        reason=reason,
        format=framing,
        encoding=layout.describe() if layout else None,
        compression=unit.compression,
        container=unit.container,
        stored_bytes=unit.stored_bytes,
        bytes=counts.bytes,
        lines=lines,
        undecodable_bytes=undecodable,
        nul_bytes=counts.nuls,
        sha256=counts.sha256 if status != STATUS_UNREADABLE else None,
        issues=tuple(issues),
    )
