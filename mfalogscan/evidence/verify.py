"""Check a JSON report against its sources: are they, and everything said of them, still as reported?

`verify(report_doc, paths, rules)` rebuilds the scan's configuration from
the report's own parameters (its paths replaced, in order, by `paths` when
the sources have moved; its `--rules` files by `rules`), scans again under
the same rules and the same `as_of`, and compares the two documents field
by field (`evidence.compare`): every source, every finding, each person's
counts and the summary, so classification and retention are recomputed
too. A report whose rules cannot be had again (a rules file gone, or a
`rules_sha256` no rules hash to) does not verify: its classification is
not compared and that is a difference.

The parameters themselves are what the scan is made again from: a report
edited to ask for something else (another retention period) is checked
against that. What proves the parameters are the ones used is the report's
signature (`evidence.seal`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..config import MAX_EXPANSION, ScanConfig, Subject
from ..errors import ConfigError, MfaLogScanError
from ..model import TOOL, VERSION
from ..timeline.policy import TimePolicy, parse_zone
from .compare import Comparison

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


def _ran_in(params: dict) -> str | None:
    """The folder the scan ran in, when it is not this one (its relative paths are relative to it)."""
    where = params.get("working_directory")
    if not isinstance(where, str) or not where:
        return None
    try:
        return None if os.path.samefile(where, os.getcwd()) else where
    except OSError:
        return where


def _from_where_it_ran(params: dict, original: list[str]) -> dict:
    """Relative paths of a report made in another folder, read from that folder (if it is still there)."""
    where = _ran_in(params)
    if where is None or not os.path.isdir(where):
        return {}
    return {o: os.path.join(where, o) for o in original if o != "-" and not os.path.isabs(o)}


def _config(doc: dict, paths: tuple[str, ...]) -> tuple[ScanConfig, dict]:
    params = doc.get("parameters")
    if not isinstance(params, dict) or "paths" not in params or "users" not in params:
        raise ConfigError("not an mfalogscan JSON report (no parameters); write one with --format json")
    original = [_norm(p) for p in _str_list(params["paths"], "parameters.paths")]
    if paths and len(paths) != len(original):
        raise ConfigError(f"the report searched {len(original)} path(s) ({', '.join(original)}); give as many PATHs, in the same order")
    moved = {o: _norm(p) for o, p in zip(original, paths)} if paths else _from_where_it_ran(params, original)
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
            deleted_on=tuple((d["user"], datetime.fromisoformat(d["date"].replace("Z", "+00:00")))
                             for d in params.get("deleted_on") or []),
            checklist=_here(params, params.get("checklist")),
        )
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        raise ConfigError(f"malformed report parameters: {type(e).__name__} {e}") from None
    return config, moved


def _here(params: dict, path):
    """A file the report names (a checklist, an attachment), read from where the scan ran when relative."""
    if not isinstance(path, str) or not path:
        return None
    where = _ran_in(params)
    return os.path.join(where, path) if where and not os.path.isabs(path) and os.path.isdir(where) else path


def _attachments(doc: dict, config: ScanConfig, outcome: "Outcome") -> tuple[tuple[tuple[str, str], ...], dict]:
    """The report's attachments that can be read again as exports, and where each is now ({as recorded: now});
    one missing, changed or no longer an export of the person is a difference."""
    from .attachment import digest, load_export

    params = doc["parameters"]
    recorded = {(a.get("user"), a.get("path")): a for u in doc.get("users", []) if isinstance(u, dict)
                for a in u.get("attachments") or [] if isinstance(a, dict)}
    names = {s.name: s.names for s in config.subjects}
    present, moved = [], {}
    for item in params.get("gdpr_exports") or []:
        user, path = item.get("user"), item.get("path")
        if not isinstance(user, str) or not isinstance(path, str):
            raise ConfigError("malformed report: parameters.gdpr_exports must list objects with a user and a path")
        where = _here(params, path)
        now, then = digest(where), recorded.get((user, path), {})
        if now is None:
            outcome.changed.append(f"missing: attachment {path} ({user}'s export): it cannot be read now")
            continue
        if now != (then.get("sha256"), then.get("bytes")):
            outcome.changed.append(f"changed: attachment {path} ({user}'s export): SHA-256 in the report "
                                   f"{then.get('sha256')}, {then.get('bytes')} bytes; now {now[0]}, {now[1]} bytes")
        else:
            outcome.holds.append(f"ok: attachment {path} ({user}'s export)")
        try:
            load_export(where, user, names.get(user))
        except ConfigError as e:
            outcome.changed.append(f"changed: attachment {path} ({user}'s export) is no export of the person now: {e}")
            continue
        present.append((user, where))
        moved[path] = where
    return tuple(present), moved


def _rules(params: dict, given: tuple[str, ...] | None, outcome: "Outcome"):
    """The rules the report was classified under: its --rules files (or where they are now), then the shipped ones."""
    from ..rules.load import load_rules

    named = tuple(_str_list(params.get("rules_files", []), "parameters.rules_files"))
    where = _ran_in(params)
    files = given if given is not None else tuple(
        os.path.join(where, f) if where and not os.path.isabs(f) and os.path.isdir(where) else f for f in named)
    if given is not None and len(given) != len(named):
        raise ConfigError(f"the report was made with {len(named)} --rules file(s) ({', '.join(named) or 'none'}); "
                          "give as many --rules, in the same order")
    try:
        return load_rules(files)
    except MfaLogScanError as e:
        outcome.changed.append(f"rules: a rules file of the report cannot be used ({e}): classification was not "
                               "compared; give the report's rules files with --rules")
        return load_rules(())


def verify(doc: dict, paths: tuple[str, ...] = (), rules: tuple[str, ...] | None = None) -> Outcome:
    from .document import document
    from .report import scan

    config, moved = _config(doc, paths)
    outcome = Outcome()
    where = _ran_in(doc["parameters"])
    if where is not None and not paths:
        outcome.holds.append(f"note: the scan ran in {where}; its relative paths are read from there"
                             if moved else f"note: the scan ran in {where}, which is not here now; its relative "
                             "paths are read from this folder (give PATHs where the sources are now)")
    if doc.get("tool") != TOOL:
        raise ConfigError("not an mfalogscan JSON report (no 'tool': 'mfalogscan')")
    if doc.get("version") != VERSION:
        outcome.holds.append(f"note: the report was made by mfalogscan {doc.get('version')}, this is {VERSION}")
    ruleset = _rules(doc["parameters"], rules, outcome)
    exports, attached_at = _attachments(doc, config, outcome)
    config = replace(config, gdpr_exports=exports)
    present = tuple(p for p in config.paths if p == "-" or os.path.lexists(p))
    if "-" in present:
        raise ConfigError("the report searched standard input, which cannot be read again; save it to a file and scan that")
    for p in config.paths:
        if p not in present:
            outcome.changed.append(f"missing: {p} (a searched path of the report does not exist)")
    if not present:  # nothing to compare: say what to do instead of listing every source and count as gone
        outcome.changed.append("nothing of what the report searched is there: if the logs moved, give where they are "
                               "now, in the report's order: mfalogscan verify REPORT.json PATH...")
        return outcome
    now = (document(scan(replace(config, paths=present, rules_files=ruleset.files), ruleset)) if present
           else {"sources": [], "users": [], "summary": {}})
    same_rules = ruleset.sha256 == doc.get("rules_sha256")
    if not same_rules and not any(line.startswith("rules:") for line in outcome.changed):
        outcome.changed.append(f"rules: the report says it was classified under rules with SHA-256 "
                               f"{doc.get('rules_sha256')}; its rules now hash to {ruleset.sha256}: classification "
                               "was not compared")
    try:
        done = Comparison(doc, now, moved, same_rules, attached_at).run()
    except (KeyError, TypeError, AttributeError) as e:
        raise ConfigError(f"malformed report: {type(e).__name__} {e}") from None
    outcome.changed += done.changed
    outcome.holds += done.holds
    outcome.sources, outcome.findings = done.sources, done.findings
    return outcome
