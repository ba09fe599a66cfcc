"""Record + searched subject -> category, kind, role and the rule that said so."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Mapping

from .load import Rule, RuleSet

RULE_TIMEOUT = 0.5  # seconds one pattern may take on one message


@dataclass(frozen=True)
class Classification:
    category: str
    kind: str
    role: str
    rule: str | None = None
    call_status: str | None = None
    field: str | None = None
    details: Mapping[str, str] = dataclasses.field(default_factory=dict)


UNCLASSIFIED = Classification("unclassified", "unrecognized", "subject")


def _match(rule: Rule, message: str, component: str | None, timeouts: list):
    if rule.components and (component or "").lower() not in rule.components:
        return None
    for pat, needs in rule.checks:
        for need in needs:  # strings every match contains (load.required_literals): one missing, no match
            if need not in message:
                break
        else:
            try:
                m = pat.search(message, timeout=RULE_TIMEOUT)
            except TimeoutError:
                timeouts.append(rule.id)
                continue
            if m is not None:
                return m
    return None


def _role(rule: Rule, groups: dict, is_subject: Callable[[str], bool]) -> str:
    if rule.decides_role:
        actor = "actor" in groups and groups["actor"] is not None and is_subject(groups["actor"])
        target = "target" in groups and groups["target"] is not None and is_subject(groups["target"])
        if actor and target:
            return "self"
        if actor:
            return "actor"
        if target:
            return "target"
        return "mentioned"
    if rule.role:
        return rule.role
    return "target" if rule.category == "user-change" else "subject"


def classify(rules: RuleSet, message: str, component: str | None, is_subject: Callable[[str], bool]) -> Classification:
    """The first matching rule's verdict, or UNCLASSIFIED; never a guess."""
    timeouts: list[str] = []
    for rule in rules.rules:
        m = _match(rule, message, component, timeouts)
        if m is None:
            continue
        groups = m.groupdict()
        details = {
            k: v for k, v in groups.items() if v is not None and k not in ("actor", "target", "subject", "field", "call_status")
        }
        for k in ("actor", "target"):
            if groups.get(k) is not None:
                details[k] = groups[k]
        if timeouts:
            details["rules_timed_out"] = ",".join(timeouts)
        field_name = groups.get("field")
        status = groups.get("call_status")
        return Classification(
            rule.category,
            rule.kind,
            _role(rule, groups, is_subject),
            rule.id,
            status.strip() if status else None,
            field_name.strip() if field_name else None,
            details,
        )
    if timeouts:
        return Classification("unclassified", "unrecognized", "subject", details={"rules_timed_out": ",".join(timeouts)})
    return UNCLASSIFIED
