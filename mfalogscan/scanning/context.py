"""What every source's scan shares: the config, the compiled matcher, the rules, the time of the run."""

from __future__ import annotations

from functools import cached_property

from ..config import ScanConfig
from ..rules.load import RuleSet, load_rules
from ..search.casefold import is_account_of, name_key
from ..search.match import NameMatcher
from ..timeline.policy import reference_now


class Context:
    """Built once per scan (and inherited by --jobs workers): the config, the matcher and the rules."""

    def __init__(self, config: ScanConfig, rules: RuleSet | None = None):
        self.config = config
        self.subjects = config.subjects
        names = [(n, i) for i, s in enumerate(config.subjects) for n in s.names]
        self.matcher = NameMatcher(names, config.accelerate, config.fast)
        self._names = names
        self.rules = rules if rules is not None else load_rules(config.rules_files)
        self.now = reference_now()
        #: What scans one unit (None: `scanning.source.scan_unit`); the inventory's first pass gives its own.
        self.unit_scanner = None

    @cached_property
    def event_names(self):
        """The names as event logs are searched (`eventlogs`): raw bytes of EVTX chunks, then field values.
        Made on the first event log met."""
        from ..eventlogs.fieldmatch import FieldMatcher
        from ..eventlogs.rawnames import RawNames

        return RawNames([n for n, _ in self._names], self.config.accelerate), FieldMatcher(self._names, self.matcher)

    def is_subject(self, index: int):
        keys = frozenset(name_key(n) for n in self.subjects[index].names)  # made on demand: most people have no finding
        return lambda value: is_account_of(value, keys)

    def by_name(self, counts: list[int]) -> dict:
        """Per-subject counts as {name: n}, the subjects with none left out."""
        return {s.name: n for s, n in zip(self.subjects, counts) if n}
