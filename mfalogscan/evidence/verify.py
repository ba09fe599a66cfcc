"""Check a JSON report against its sources: are they, and everything said of them, still as reported?

`verify(report_doc, paths)` rebuilds the scan's configuration from the
report's own parameters (its paths replaced, in order, by `paths` when the
sources have moved), scans again, and compares field by field:

- every source (its content and stored SHA-256, sizes, lines, status,
  issues, framing, encoding, ...), and that no source is new or gone;
- every finding (the same source, line and offset, the same person, the
  same text, spelling, quoting, message and record), attributed to the
  person whose section lists it, and none listed twice or missing;
- each person's counts.

What may legitimately differ is left out: when the run was made, file
modification times, and what depends on them (times of RFC 3164 stamps
whose year came from a file time, retention, events). Classification is
compared only when the rules in force are the same (the report's
`rules_sha256`); a report made with `--rules` files is checked against the
shipped rules, so those files need not exist any more.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..config import MAX_EXPANSION, ScanConfig, Subject
from ..errors import ConfigError
from ..timeline.policy import TimePolicy, parse_zone

SOURCE_FIELDS = ("status", "format", "encoding", "compression", "container", "stored_bytes", "stored_sha256", "bytes",
                 "lines", "undecodable_bytes", "nul_bytes", "unparsed_lines", "sha256", "timezone", "findings", "mentions",
                 "raw_matches", "copy_of", "rotation_set", "issues", "reason")
SOURCE_TIMED = ("first_timestamp", "last_timestamp", "year_from", "outside_window", "rotation_order", "gap_before",
                "overlaps_previous")
FINDING_FIELDS = ("matched", "quoted", "format", "component", "text", "text_truncated", "message", "level", "pid", "tid",
                  "request_id", "record_line", "timestamp_raw")
FINDING_TIMED = ("timestamp", "event", "duplicate_of")
FINDING_RULED = ("category", "kind", "role", "rule", "call_status", "field", "details")
COUNT_FIELDS = ("findings", "quoted", "mentions", "undated", "raw_matches_in_skipped")
COUNT_TIMED = ("events", "first_seen", "last_seen", "outside_window")
COUNT_RULED = ("by_category", "by_kind", "by_role")
_FILE_TIME = ("the file's modification time", "the time of this run")


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


def _norm(path: str) -> str:
    return os.path.normpath(path) if path not in ("", "-") else path


def _str_list(value, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"malformed report: {what} must be a list of strings")
    return value


def _config(doc: dict, paths: tuple[str, ...]) -> tuple[ScanConfig, dict]:
    params = doc.get("parameters")
    if not isinstance(params, dict) or "paths" not in params or "users" not in params:
        raise ConfigError("not an mfalogscan JSON report (no parameters); write one with --format json")
    original = [_norm(p) for p in _str_list(params["paths"], "parameters.paths")]
    if paths and len(paths) != len(original):
        raise ConfigError(f"the report searched {len(original)} path(s) ({', '.join(original)}); give as many PATHs, in the same order")
    moved = {o: _norm(p) for o, p in zip(original, paths)} if paths else {}
    users = params["users"]
    if not isinstance(users, list) or not all(isinstance(u, dict) and isinstance(u.get("user"), str) for u in users):
        raise ConfigError("malformed report: parameters.users must list objects with a 'user'")
    try:
        zone, label = parse_zone(params.get("timezone") or "UTC")
        when = {k: datetime.fromisoformat(params[k]) if params.get(k) else None for k in ("since", "until", "as_of")}
        config = ScanConfig(
            paths=tuple(moved.get(p, p) for p in original),
            subjects=tuple(Subject(u["user"], tuple(_str_list(u.get("aliases", []), "aliases"))) for u in users),
            list_mentions=params.get("mentions") is True,
            encoding=params.get("encoding"),
            framing=params.get("framing"),
            time=TimePolicy(zone, label, params.get("year"), when["since"], when["until"], params.get("date_order")),
            retention_days=int(params.get("retention_days", 90)),
            as_of=when["as_of"],
            max_expansion=int(params.get("max_expansion", MAX_EXPANSION)),
            follow_links=params.get("follow_links") is True,
            short_names=params.get("short_names") is True,
        )
    except (TypeError, ValueError) as e:
        raise ConfigError(f"malformed report parameters: {e}") from None
    return config, moved


def _relocate(path: str, moved: dict) -> str:
    for old, new in moved.items():
        for sep in ("/", "\\\\", "!"):
            if path == old or path.startswith(old + sep) or (sep == "/" and path.startswith(old + os.sep)):
                return new + path[len(old):]
    return path


def _moved_text(text, moved: dict):
    """A text that may hold paths (gap_before), with moved roots replaced."""
    if not isinstance(text, str):
        return text
    for old, new in moved.items():
        text = text.replace(old, new)
    return text


def _diffs(then: dict, now: dict, keys) -> list[str]:
    return [f"{k} in the report {then.get(k)!r}, now {now.get(k)!r}" for k in keys if then.get(k) != now.get(k)]


def verify(doc: dict, paths: tuple[str, ...] = ()) -> Outcome:
    from .document import document
    from .report import scan

    config, moved = _config(doc, paths)
    outcome = Outcome()
    present = tuple(p for p in config.paths if p == "-" or os.path.lexists(p))
    if "-" in present:
        raise ConfigError("the report searched standard input, which cannot be read again; save it to a file and scan that")
    for p in config.paths:
        if p not in present:
            outcome.changed.append(f"missing: {p} (a searched path of the report does not exist)")
    now = document(scan(replace(config, paths=present))) if present else {"sources": [], "users": [], "rules_sha256": None}
    same_rules = now.get("rules_sha256") == doc.get("rules_sha256")
    if not same_rules:
        outcome.holds.append("note: the rules in force differ from the report's; classification was not compared")
    try:
        _compare(doc, now, moved, same_rules, outcome)
    except (KeyError, TypeError, AttributeError) as e:
        raise ConfigError(f"malformed report: {type(e).__name__} {e}") from None
    return outcome


def _compare(doc: dict, now: dict, moved: dict, same_rules: bool, outcome: Outcome) -> None:
    then_sources = [
        dict(s, path=_relocate(s["path"], moved), container=_relocate(s.get("container") or "", moved) or None,
             copy_of=_relocate(s.get("copy_of") or "", moved) or None, gap_before=_moved_text(s.get("gap_before"), moved))
        for s in doc.get("sources", [])
    ]
    for path, n in Counter(s["path"] for s in then_sources).items():
        if n > 1:
            outcome.changed.append(f"listed twice: source {path}")
    now_sources = {s["path"]: s for s in now["sources"]}
    file_timed = set()
    for then in then_sources:
        outcome.sources += 1
        n = now_sources.get(then["path"])
        if n is None:
            outcome.changed.append(f"missing: {then['path']} (in the report, not found now)")
            continue
        timed = str(then.get("year_from") or "").startswith(_FILE_TIME)
        if timed:
            file_timed.add(then["path"])
        diffs = _diffs(then, n, SOURCE_FIELDS + (() if timed else SOURCE_TIMED))
        outcome.changed.extend(f"changed: {then['path']}: {d}" for d in diffs)
        if not diffs:
            outcome.holds.append(f"ok: {then['path']}")
    for path in set(now_sources) - {s["path"] for s in then_sources}:
        outcome.changed.append(f"new: {path} (found now, not in the report)")
    now_users = {u["user"]: u for u in now["users"]}
    now_findings = {(f["source"], f["line"], f["offset"], f["user"]): f for u in now["users"] for f in u["findings"]}
    seen: Counter = Counter()
    for user in doc.get("users", []):
        name = user["user"]
        for then in user.get("findings", []):
            then = dict(then, source=_relocate(then["source"], moved),
                        duplicate_of=_relocate(then.get("duplicate_of") or "", moved) or None)
            key = (then["source"], then["line"], then["offset"], then["user"])
            seen[key] += 1
            outcome.findings += 1
            where = f"{key[0]}:{key[1]} ({key[3]})"
            if then["user"] != name:
                outcome.changed.append(f"finding misattributed: {where} is listed under {name}")
            n = now_findings.get(key)
            if n is None:
                outcome.changed.append(f"finding gone: {where}: the report says {then.get('text')!r}, the source no longer has it there")
                continue
            keys = FINDING_FIELDS + (() if key[0] in file_timed else FINDING_TIMED) + (FINDING_RULED if same_rules else ())
            outcome.changed.extend(f"finding differs: {where}: {d}" for d in _diffs(then, n, keys))
        if name in now_users:
            keys = COUNT_FIELDS + (() if file_timed else COUNT_TIMED) + (COUNT_RULED if same_rules else ())
            diffs = _diffs(user.get("counts", {}) | {k: user.get(k) for k in ("first_seen", "last_seen")},
                           now_users[name]["counts"] | {k: now_users[name].get(k) for k in ("first_seen", "last_seen")}, keys)
            outcome.changed.extend(f"counts differ for {name}: {d}" for d in diffs)
        else:
            outcome.changed.append(f"person not searched now: {name}")
    for key, n in seen.items():
        if n > 1:
            outcome.changed.append(f"listed twice: finding {key[0]}:{key[1]} ({key[3]})")
    for key, n in now_findings.items():
        if key not in seen:
            outcome.changed.append(f"finding not in the report: {key[0]}:{key[1]} ({key[3]}): {n['text']!r}")
    if seen and not any(line.startswith(("finding", "listed twice: finding")) for line in outcome.changed):
        outcome.holds.append(f"ok: all {len(seen)} finding(s) still read as reported")
