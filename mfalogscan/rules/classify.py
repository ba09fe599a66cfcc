"""Record + searched subject -> category, kind, role and the rule that said so."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Mapping

from .load import Rule, RuleSet

RULE_TIMEOUT = 0.5  # seconds one pattern may take on one message
#: Time-outs of one rule in one source after which it is switched off there (every message it would have been
#: tried on then counts as timed out at once): 200 slow lines would otherwise take 200 time-outs.
RULE_TIMEOUTS_PER_SOURCE = 4


@dataclass(frozen=True)
class Classification:
    category: str
    kind: str
    role: str
    rule: str | None = None
    call_status: str | None = None
    field: str | None = None
    details: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: The accounts the rule's `actor`, `target` and `subject` groups captured (the inventory's identities).
    accounts: tuple[str, ...] = dataclasses.field(default=(), compare=False)


UNCLASSIFIED = Classification("unclassified", "unrecognized", "subject")


class _Scoped:
    """The match of a rule with no pattern whose event scope (channel, provider, event ID) fits: no groups."""

    @staticmethod
    def groupdict() -> dict:
        return {}


_SCOPED = _Scoped()


def _in_scope(rule: Rule, event) -> bool:
    """Whether an event (channel, provider, event ID) is one the rule is for."""
    channel, provider, event_id = event
    # Channel or provider: an export may name only one (Event Viewer's CSV has the provider, as "Source").
    named = ((channel or "").lower() in rule.channels or (provider or "").lower() in rule.providers) \
        if rule.channels or rule.providers else True
    return named and (not rule.event_ids or event_id in rule.event_ids)


def _match(rule: Rule, message: str, component: str | None, timeouts: list, off: frozenset | set = frozenset(),
           event=None):
    if rule.for_events and event is None:  # rules for events are not tried on text records
        return None
    if rule.components and (component or "").lower() not in rule.components:
        return None
    if event is not None:
        if not _in_scope(rule, event):
            return None
        if not rule.patterns:
            return _SCOPED
    if rule.id in off:
        timeouts.append(rule.id)  # switched off for this source: as if it timed out, at once
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
    if not rule.decides_role:
        return role_of(rule, False, False)
    actor = "actor" in groups and groups["actor"] is not None and is_subject(groups["actor"])
    target = "target" in groups and groups["target"] is not None and is_subject(groups["target"])
    return role_of(rule, actor, target)


def role_of(rule: Rule, actor: bool, target: bool) -> str:
    """The role of a person on a record the rule matched, given whether they are its actor and its target."""
    if rule.decides_role:
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


def classify(rules: RuleSet, message: str, component: str | None, is_subject: Callable[[str], bool],
             off: frozenset | set = frozenset(), event=None) -> Classification:
    """The first matching rule's verdict, or UNCLASSIFIED; never a guess. Rules in `off` are not tried: they count
    as timed out (see RuleBudget). `event` is (channel, provider, event ID) for a Windows event: rules for events
    (with channels, providers or event_ids) are tried on events only, before the others (`RuleSet.for_events`)."""
    timeouts: list[str] = []
    for rule in rules.for_events if event is not None else rules.rules:
        m = _match(rule, message, component, timeouts, off, event)
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
            tuple(groups[k] for k in ("actor", "target", "subject") if groups.get(k)),
        )
    if timeouts:
        return Classification("unclassified", "unrecognized", "subject", details={"rules_timed_out": ",".join(timeouts)})
    return UNCLASSIFIED


class RuleBudget:
    """One source's time-outs per rule; a rule over RULE_TIMEOUTS_PER_SOURCE is switched off for the source."""

    def __init__(self):
        self.off: set[str] = set()
        self._count: dict[str, int] = {}
        self.skipped: dict[str, int] = {}  # rule -> messages not tried against it once switched off

    def note(self, verdict: Classification) -> None:
        timed_out = verdict.details.get("rules_timed_out") if verdict.details else None
        if not timed_out:
            return
        for rule in timed_out.split(","):
            if rule in self.off:
                self.skipped[rule] = self.skipped.get(rule, 0) + 1
                continue
            self._count[rule] = self._count.get(rule, 0) + 1
            if self._count[rule] >= RULE_TIMEOUTS_PER_SOURCE:
                self.off.add(rule)

    def messages(self) -> list[str]:
        return [f"rule {rule!r} ran out of time ({RULE_TIMEOUT} s) on {RULE_TIMEOUTS_PER_SOURCE} messages and was "
                f"switched off for the rest of this source: {self.skipped.get(rule, 0)} later message(s) were not "
                "tried against it (their findings name it in details.rules_timed_out); fix its pattern"
                for rule in sorted(self.off)]
