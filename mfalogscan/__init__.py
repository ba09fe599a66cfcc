"""mfalogscan: find every record of a user in Azure MFA Server logs and their backups.

The library API: build a `ScanConfig`, call `scan()` for a `Report`, or
`scan_events()` to stream findings and source statuses as they are made;
`inventory()` gives the data map (every identity, with no names given).

The house (docs/architecture.md), data flowing down the list:

    cli           the command line over this API
    printers      a finished Report -> table, JSON, JSON Lines, CSV, Markdown, HTML; report files written safely
    inventory     the data map: every identity the logs hold, counted as a scan counts it
    evidence      what a whole scan proves: the Report, events across sources, verify
    scanning      one source end to end, and many (in worker processes)
    config        what a scan is asked to do
    eventlogs     Windows event logs (EVTX, Event Viewer's exports) -> EventRecords
    search        raw bytes -> candidate lines (the name search, case folding, line counting, read-ahead)
    framings      a line -> a Record;  rules: a Record -> category, kind, role
    sources       paths -> byte streams (discovery, archives, decompression, encodings, snapshots)
    timeline      stamps, zones, years, the time window
    model, errors the vocabulary every layer shares
"""

from __future__ import annotations

from .model import VERSION as __version__

__all__ = ["ScanConfig", "Subject", "Finding", "SourceStatus", "Report", "scan", "scan_events", "inventory",
           "__version__"]


def __getattr__(name):
    # Lazy, so that `mfalogscan --help` does not pay for the scanner's imports.
    if name in ("ScanConfig", "Subject"):
        from . import config

        return getattr(config, name)
    if name in ("Finding", "SourceStatus"):
        from . import model

        return getattr(model, name)
    if name in ("Report", "scan"):
        from .evidence import report

        return getattr(report, name)
    if name == "inventory":
        from .inventory import inventory

        return inventory
    if name == "scan_events":
        from .scanning.pipeline import scan_events

        return scan_events
    raise AttributeError(name)
