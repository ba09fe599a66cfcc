"""Running scans in tests."""

from __future__ import annotations

from mfalogscan import ScanConfig, Subject, scan


def run(paths, *users, **options):
    """scan() with subjects given as names or (name, aliases...) tuples."""
    subjects = tuple(Subject(u[0], tuple(u[1:])) if isinstance(u, tuple) else Subject(u) for u in users or ("jdoe",))
    if isinstance(paths, str):
        paths = (paths,)
    return scan(ScanConfig(paths=tuple(paths), subjects=subjects, **options))


def keyed(report):
    """Findings as comparable tuples (everything but the source path)."""
    return [tuple(v for k, v in sorted(f.to_dict().items()) if k != "source") for f in report.findings]
