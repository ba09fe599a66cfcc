"""The whole scan: every discovered source, one after another or in worker processes.

`scan_events(config)` yields, source by source, that source's findings in
line order and then its SourceStatus; `mfalogscan.scan(config)` collects
them into a Report. Nothing here prints: the CLI hands the events to a
printer.
"""

from __future__ import annotations

from typing import Iterator

from ..config import ScanConfig
from ..model import Finding, SourceStatus
from ..rules.load import RuleSet
from ..sources.discover import check_paths, discover
from ..sources.meter import METER
from .context import Context
from .relist import Seen, changed_meanwhile
from .source import scan_found


def _serial(listing, ctx) -> Iterator[Finding | SourceStatus]:
    for item in listing:
        if isinstance(item, SourceStatus):
            yield item
            continue
        yield from scan_found(item, ctx)


def scan_events(config: ScanConfig, rules: RuleSet | None = None, unit_scanner=None) -> Iterator[Finding | SourceStatus]:
    """Findings and source statuses, in source order then line order (or what `unit_scanner`, given each unit and
    the scan's Context, yields for a unit in place of its findings)."""
    check_paths(config.paths)
    ctx = Context(config, rules)
    ctx.unit_scanner = unit_scanner
    seen = Seen()
    listing = seen.note(discover(config.paths, config.exclude, config.follow_links))
    if METER.enabled:  # a progress display: list everything first, so it knows the total
        listing = list(listing)
        for item in listing:
            METER.listed(getattr(item, "size", None))
    if config.jobs > 1:
        from .parallel import scan_parallel  # only then: its imports cost start-up time

        yield from seen.scanned(scan_parallel(listing, ctx, config.jobs))
    else:
        yield from seen.scanned(_serial(listing, ctx))
    yield from changed_meanwhile(config, ctx, seen)  # renamed or added while the scan ran
