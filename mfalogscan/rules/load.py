"""Read, validate and compile rules files; every error names file, line and rule."""

from __future__ import annotations

import hashlib
import re as _re
import string
import sys
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Sequence

import regex

from ..errors import RuleError
from ..model import ROLES as RULE_ROLES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

RULE_CATEGORIES = ("user-change", "operational")
_KEYS = {"id", "category", "kind", "description", "pattern", "patterns", "components", "role", "channels", "providers",
         "event_ids"}
_KIND = _re.compile(r"[a-z0-9][a-z0-9-]*\Z")
DEFAULT_RULES = "(shipped rules)"


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    kind: str
    patterns: tuple  # compiled `regex` patterns
    components: tuple[str, ...] = ()
    role: str | None = None
    description: str = ""
    origin: str = ""
    #: Skip a pattern when a message lacks one of its required_literals(): only for the shipped rules (see there).
    prefilter: bool = field(default=False, compare=False, repr=False)
    #: Windows event logs: the rule applies only to events of these channels / providers (lower case) / event IDs.
    #: A rule with a channel or provider may have no pattern: it then classifies every such event.
    channels: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    event_ids: tuple[int, ...] = ()

    @property
    def for_events(self) -> bool:
        return bool(self.channels or self.providers or self.event_ids)

    @cached_property
    def decides_role(self) -> bool:
        return any({"actor", "target"} & set(p.groupindex) for p in self.patterns)

    @cached_property
    def checks(self) -> tuple:
        """(pattern, strings every match of it contains) per pattern; no strings unless `prefilter`."""
        return tuple((p, required_literals(p) if self.prefilter else ()) for p in self.patterns)


_ESCAPED_SELF = frozenset(string.punctuation)  # `\.`, `\"`, `\'`: the character itself
_NO_ARGUMENT = frozenset("abBdDfGKmMnrsStvwWXAZ")  # escapes that stand alone (\b, \d, ...)
# Inline flags (global in V0 wherever they stand) and comments: the literal scan gives up on them.
_INLINE = _re.compile(r"\(\?[a-zA-OQ-Z#-]")


def required_literals(pattern) -> tuple[str, ...]:
    """Strings that every match of `pattern` contains, longest first; () when unsure.

    Only runs of plain characters outside any group, class or alternation
    count (a character followed by a quantifier or a `{` is left out), and
    only for patterns without case-insensitive, verbose or V1 flags, inline
    flags or comments: then search() can match only a message that contains
    each run as it stands. classify() tests them with `in` (about 0.05 us)
    before a search with a timeout (3-5 us) -- for the shipped rules only:
    their patterns fail in linear time when a run is missing, so skipping
    them cannot hide a timeout, while a --rules pattern may backtrack past
    RULE_TIMEOUT before failing and its timeout is reported
    (`rules_timed_out`), so it always runs. tests/test_fast_findings.py
    checks both claims.
    """
    import regex

    src = pattern.pattern
    if (pattern.flags & (regex.IGNORECASE | regex.VERBOSE | regex.VERSION1)) or not isinstance(src, str) or _INLINE.search(src):
        return ()
    runs: list[str] = []
    run: list[str] = []

    def close() -> None:
        if run:
            runs.append("".join(run))
            run.clear()

    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "\\":
            if i + 1 >= n:
                return ()
            nxt = src[i + 1]
            i += 2
            if nxt in _ESCAPED_SELF:
                run.append(nxt)
                continue
            close()  # \d, \b, \x41, \N{...}, \p{L}, \g<1>, \12: no literal
            if nxt in _NO_ARGUMENT:
                continue
            # Skip what may be its argument (hex digits, a name, a property).
            if i < n and src[i] in "{<":
                end = src.find("}" if src[i] == "{" else ">", i)
                if end < 0:
                    return ()
                i = end + 1
            while i < n and src[i].isalnum():
                i += 1
        elif ch in "*+?{":
            if run:
                run.pop()  # the character before a quantifier may be missing or repeated
            close()
            if ch == "{":
                end = src.find("}", i)
                if end < 0:
                    return ()
                i = end + 1
            else:
                i += 1
        elif ch == "(":
            close()
            i = _skip_group(src, i)
            if i < 0:
                return ()
        elif ch == "[":
            close()
            i = _skip_class(src, i)
            if i < 0:
                return ()
        elif ch == "|":
            return ()  # an alternation at the top: no run is needed by every branch
        elif ch in ".^$)]}":
            close()
            i += 1
        else:
            run.append(ch)
            i += 1
    close()
    return tuple(sorted(set(runs), key=lambda r: (-len(r), r)))


def _skip_class(src: str, i: int) -> int:
    """The index after the character class starting at src[i] ('['), or -1 (a nested set, an unclosed class)."""
    i += 1
    if i < len(src) and src[i] == "^":
        i += 1
    if i < len(src) and src[i] == "]":
        i += 1
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
        elif ch == "[":
            return -1  # POSIX classes, nested sets: not worth the risk
        elif ch == "]":
            return i + 1
        else:
            i += 1
    return -1


def _skip_group(src: str, i: int) -> int:
    """The index after the group starting at src[i] ('('), or -1."""
    depth = 0
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
        elif ch == "[":
            i = _skip_class(src, i)
            if i < 0:
                return -1
        elif ch == "(":
            depth += 1
            i += 1
        elif ch == ")":
            depth -= 1
            i += 1
            if depth == 0:
                return i
        else:
            i += 1
    return -1


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    sha256: str
    files: tuple[str, ...]

    @cached_property
    def for_events(self) -> tuple[Rule, ...]:
        """The order rules are tried on an event: the rules for events first, then those for any message (an event
        may carry an MFA Server message, `User "A" changed user "T" ...`)."""
        return tuple(r for r in self.rules if r.for_events) + tuple(r for r in self.rules if not r.for_events)


def _rule_lines(text: str) -> list[int]:
    """1-based line number of each [[rule]] header, in order."""
    return [n for n, line in enumerate(text.splitlines(), 1) if _re.match(r"\s*\[\[\s*rule\s*\]\]", line)]


def _key_line(text: str, start: int, key: str) -> int:
    lines = text.splitlines()
    for n in range(start, len(lines) + 1):
        if n > start and _re.match(r"\s*\[", lines[n - 1]):
            break
        if _re.match(rf"\s*{key}\s*=", lines[n - 1]):
            return n
    return start


def parse_rules(text: str, origin: str, prefilter: bool = False) -> list[Rule]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = _re.search(r"line (\d+)", str(e))
        raise RuleError(f"not valid TOML: {e}", origin, int(m.group(1)) if m else None) from None
    unknown = set(doc) - {"rule", "version"}
    if unknown:
        raise RuleError(f"unknown top-level key(s): {', '.join(sorted(unknown))} (expected [[rule]] tables)", origin)
    if doc.get("version", 1) != 1:
        raise RuleError(f"rules format version {doc['version']!r} is not supported (expected 1)", origin)
    raw_rules = doc.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleError("no [[rule]] tables found", origin)
    headers = _rule_lines(text)
    rules, seen = [], {}
    for i, raw in enumerate(raw_rules):
        line = headers[i] if i < len(headers) else None
        rule = _build(raw, origin, text, line, prefilter)
        if rule.id in seen:
            raise RuleError(f"duplicate rule id (first defined at line {seen[rule.id]})", origin, line, rule.id)
        seen[rule.id] = line
        rules.append(rule)
    return rules


def _build(raw: dict, origin: str, text: str, line: int | None, prefilter: bool = False) -> Rule:
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise RuleError("rule has no 'id' (a non-empty string)", origin, line)

    def fail(message: str, key: str | None = None):
        where = _key_line(text, line, key) if (key and line) else line
        raise RuleError(message, origin, where, rid)

    unknown = set(raw) - _KEYS
    if unknown:
        fail(f"unknown key(s): {', '.join(sorted(unknown))}", sorted(unknown)[0])
    category = raw.get("category")
    if category == "unclassified":
        fail("category 'unclassified' is what no rule matches; a rule cannot assign it", "category")
    if category not in RULE_CATEGORIES:
        fail(f"unknown category {category!r} (expected one of: {', '.join(RULE_CATEGORIES)})", "category")
    kind = raw.get("kind")
    if not isinstance(kind, str) or not _KIND.match(kind):
        fail(f"'kind' must be lower-case words joined by '-', got {kind!r}", "kind")
    channels = _names(raw, "channels", fail, "event-log channels such as \"Microsoft-AzureMfa-AuthZ/AuthZOptCh\"")
    providers = _names(raw, "providers", fail, "event providers such as \"Microsoft-AzureMfa-AuthZ\"")
    event_ids = raw.get("event_ids", [])
    if not isinstance(event_ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= 65535
                                                  for i in event_ids):
        fail("'event_ids' must be a list of event IDs (whole numbers 0-65535)", "event_ids")
    compiled = []
    if "pattern" in raw and "patterns" in raw:
        fail("give one of 'pattern' (a string) or 'patterns' (a list of strings), not both")
    if "pattern" not in raw and "patterns" not in raw:
        if not (channels or providers):
            fail("give 'pattern' (a string) or 'patterns' (a list of strings); only a rule for event-log 'channels' "
                 "or 'providers' may have none")
        sources, key = [], "pattern"
    else:
        sources = [raw["pattern"]] if "pattern" in raw else raw["patterns"]
        key = "pattern" if "pattern" in raw else "patterns"
        if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
            fail(f"'{key}' must be a non-empty string or list of strings", key)
    for src in sources:
        try:
            pat = regex.compile(src, regex.V0)
        except regex.error as e:
            fail(f"bad regular expression {src!r}: {e}", key)
        if pat.search("") is not None:
            fail(f"pattern {src!r} matches an empty message, so it would match every line (catch-all rules are not allowed)", key)
        compiled.append(pat)
    components = raw.get("components", [])
    if not isinstance(components, list) or not all(isinstance(c, str) and c for c in components):
        fail("'components' must be a list of component names such as \"pfsvc\"", "components")
    role = raw.get("role")
    if role is not None and role not in RULE_ROLES:
        fail(f"unknown role {role!r} (expected one of: {', '.join(RULE_ROLES)})", "role")
    description = raw.get("description", "")
    if not isinstance(description, str):
        fail("'description' must be a string", "description")
    return Rule(rid, category, kind, tuple(compiled), tuple(c.lower() for c in components), role, description, origin,
                prefilter, channels, providers, tuple(event_ids))


def _names(raw: dict, key: str, fail, what: str) -> tuple[str, ...]:
    """A rule's list of names (channels, providers), compared without case."""
    names = raw.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        fail(f"'{key}' must be a list of {what}", key)
    return tuple(n.strip().lower() for n in names)


def load_rules(extra: Sequence[str] = ()) -> RuleSet:
    """The user's rules files (tried first, in the order given), then the shipped rules.

    A user rule with the id of a shipped rule replaces it.
    """
    digest = hashlib.sha256()
    user_rules: list[Rule] = []
    for path in extra:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise RuleError(f"cannot read rules file: {e.strerror or e}", path) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise RuleError(f"rules file is not UTF-8 text (byte {e.start})", path) from None
        digest.update(data)
        ids = {r.id for r in user_rules}
        for r in parse_rules(text, path):
            if r.id in ids:
                raise RuleError("rule id defined in two --rules files", path, None, r.id)
            user_rules.append(r)
    shipped_bytes = resources.files(__package__).joinpath("default.toml").read_bytes()
    digest.update(shipped_bytes)
    overridden = {r.id for r in user_rules}
    shipped = [r for r in parse_rules(shipped_bytes.decode("utf-8"), DEFAULT_RULES, prefilter=True) if r.id not in overridden]
    return RuleSet(tuple(user_rules + shipped), digest.hexdigest(), tuple(extra))
