"""Check a JSON report against its sources: are they, and every finding, still as reported?

`verify(report_doc, paths)` rebuilds the scan's configuration from the
report's own parameters (its paths replaced, in order, by `paths` when the
sources have moved), scans again, and compares:

- every source: still there, same SHA-256 of its content (and of the file
  as stored), nothing new among the searched paths;
- every finding: at the same source, line and offset, for the same person,
  the line still says what the report says (its text, the name as spelled,
  quoted or not), and no finding appears that the report does not list.

Classification and timestamps are not compared: a newer rules file, or a
copy of a log with a new modification time, does not change the evidence.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime

from .config import ScanConfig, Subject
from .errors import ConfigError
from .timepolicy import TimePolicy, parse_zone

SOURCE_KEYS = ("sha256", "stored_sha256", "bytes", "lines", "status")
FINDING_KEYS = ("text", "matched", "quoted")


@dataclass
class Outcome:
    """What holds and what changed."""

    holds: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    sources: int = 0
    findings: int = 0

    @property
    def ok(self) -> bool:
        return not self.changed


def _config(doc: dict, paths: tuple[str, ...]) -> tuple[ScanConfig, dict]:
    params = doc.get("parameters")
    if not isinstance(params, dict) or "paths" not in params or "users" not in params:
        raise ConfigError("not an mfalogscan JSON report (no parameters); write one with --format json")
    original = tuple(params["paths"])
    if paths and len(paths) != len(original):
        raise ConfigError(f"the report searched {len(original)} path(s) ({', '.join(original)}); give as many PATHs, in the same order")
    moved = dict(zip(original, paths)) if paths else {}
    zone, label = parse_zone(params.get("timezone") or "UTC")
    when = {k: datetime.fromisoformat(params[k]) if params.get(k) else None for k in ("since", "until")}
    config = ScanConfig(
        paths=tuple(moved.get(p, p) for p in original),
        subjects=tuple(Subject(u["user"], tuple(u.get("aliases", ()))) for u in params["users"]),
        list_mentions=bool(params.get("mentions")),
        encoding=params.get("encoding"),
        rules_files=tuple(params.get("rules_files", ())),
        framing=params.get("framing"),
        time=TimePolicy(zone, label, params.get("year"), when["since"], when["until"]),
    )
    return config, moved


def _relocate(path: str, moved: dict) -> str:
    for old, new in moved.items():
        if path == old or path.startswith(old.rstrip("/\\") + "/") or path.startswith(old.rstrip("/\\") + "!"):
            return new + path[len(old):]
    return path


def verify(doc: dict, paths: tuple[str, ...] = ()) -> Outcome:
    from . import scan

    config, moved = _config(doc, paths)
    outcome = Outcome()
    present = tuple(p for p in config.paths if p == "-" or os.path.lexists(p))
    for p in config.paths:
        if p not in present:
            outcome.changed.append(f"missing: {p} (a searched path of the report does not exist)")
    if "-" in present:
        raise ConfigError("the report searched standard input, which cannot be read again; save it to a file and scan that")
    sources, findings = [], []
    if present:
        report = scan(replace(config, paths=present))
        sources, findings = report.sources, report.findings
    now_sources = {s.path: s for s in sources}
    then_sources = {_relocate(s["path"], moved): s for s in doc.get("sources", [])}
    for path, then in then_sources.items():
        outcome.sources += 1
        now = now_sources.get(path)
        if now is None:
            outcome.changed.append(f"missing: {path} (in the report, not found now)")
            continue
        diffs = [f"{k} was {then.get(k)!r}, now {getattr(now, k)!r}" for k in SOURCE_KEYS if then.get(k) != getattr(now, k)]
        if diffs:
            outcome.changed.append(f"changed: {path}: " + "; ".join(diffs))
        else:
            outcome.holds.append(f"ok: {path}")
    for path in now_sources:
        if path not in then_sources:
            outcome.changed.append(f"new: {path} (found now, not in the report)")
    then_findings = {}
    for user in doc.get("users", []):
        for f in user.get("findings", []):
            then_findings[(_relocate(f["source"], moved), f["line"], f["offset"], f["user"])] = f
    now_findings = {(f.source, f.line, f.offset, f.user): f for f in findings}
    for key, then in then_findings.items():
        outcome.findings += 1
        where = f"{key[0]}:{key[1]} ({key[3]})"
        now = now_findings.get(key)
        if now is None:
            outcome.changed.append(f"finding gone: {where}: the report says {then.get('text')!r}, the source no longer has it there")
            continue
        diffs = [k for k in FINDING_KEYS if then.get(k) != getattr(now, k)]
        if diffs:
            outcome.changed.append(
                f"finding differs: {where}: " + "; ".join(f"{k} in the report {then.get(k)!r}, in the source {getattr(now, k)!r}" for k in diffs)
            )
    for key, now in now_findings.items():
        if key not in then_findings:
            outcome.changed.append(f"finding not in the report: {key[0]}:{key[1]} ({key[3]}): {now.text!r}")
    if then_findings and not any(line.startswith("finding") for line in outcome.changed):
        outcome.holds.append(f"ok: all {len(then_findings)} finding(s) still read as reported")
    return outcome
