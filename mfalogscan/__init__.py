"""mfalogscan: find every record of a user in Azure MFA Server logs and their backups.

The library API: build a `ScanConfig`, call `scan()` for a `Report`, or
`scan_events()` to stream findings and source statuses as they are made.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["ScanConfig", "Subject", "Finding", "SourceStatus", "Report", "scan", "scan_events", "__version__"]


def __getattr__(name):
    # Lazy, so that `mfalogscan --help` does not pay for the scanner's imports.
    if name in ("ScanConfig", "Subject"):
        from . import config

        return getattr(config, name)
    if name in ("Finding", "SourceStatus"):
        from . import model

        return getattr(model, name)
    if name == "Report":
        from .report import Report

        return Report
    if name == "scan_events":
        from .pipeline import scan_events

        return scan_events
    if name == "scan":
        return _scan
    raise AttributeError(name)


def _scan(config, rules=None, progress=None):
    """Scan everything `config` names and return the whole Report.

    `progress`, if given, wraps the stream of findings and source statuses (the CLI counts sources with it).
    """
    from .report import Report
    from .rules.load import load_rules
    from .pipeline import scan_events

    rules = rules if rules is not None else load_rules(config.rules_files)
    report = Report(config, rules_sha256=rules.sha256)
    events = scan_events(config, rules)
    for item in progress(events) if progress else events:
        report.add(item)
    return report.finish()
