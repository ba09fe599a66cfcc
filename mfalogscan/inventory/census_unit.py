"""The inventory's first pass over one unit: the census where the census reads the unit as the scan would, else
the reference's discovery (`scanning.identities`), whose units a scan with every identity counts afterwards.

The census takes a text unit stored in UTF-8 (as sniffed and as the scan
searches it) in the native framing; every other unit (event logs, UTF-16,
code pages given with --encoding, syslog, CSV, ...) and a unit the census
gives up on (`Census.failed`) take the reference path. The unit is read by
the scan's own reading (`scanning.source._search`: chunks, line ends,
counts, status) with a matcher that finds nothing; the census taps the
chunks on their way to the line scanner.
"""

from __future__ import annotations

import copy
from typing import Iterator, NamedTuple

from ..config import Subject
from ..model import STATUS_SCANNED, SourceStatus
from ..rules.classify import RULE_TIMEOUT
from ..rules.load import RuleSet
from ..scanning.context import Context
from ..scanning.identities import EveryLine, Sighting, identities_of_unit
from ..scanning.reading import Counts
from ..scanning.status import source_status
from ..search.casefold import name_key
from ..sources.openers import Unit
from . import census as census_module  # its BLOCK: the size of a block counted in this process
from .census import Census
from .census_lines import RulePlan
from . import census_pool
from .tally import MapTally


class Counted(NamedTuple):
    """A unit the census read: its number in the tally, and why it gave up (None: it counted the whole unit)."""

    source: str
    number: int
    failed: str | None


class FirstPass:
    """What the first pass keeps across units: the census's tally, the identities found, the persons given."""

    def __init__(self, rules: RuleSet, given: tuple[Subject, ...], cutoff_key: str, timed: bool, census: bool = True,
                 jobs: int = 1):
        self.plan = RulePlan(rules)
        self.tally = MapTally(cutoff_key)
        self.known: dict[str, str] = {}  # identity key -> its first spelling
        self.people = {name_key(n): i for i, s in enumerate(given) for n in s.names}
        self.person_keys = [frozenset(name_key(n) for n in s.names) for s in given]
        self.timed = timed  # site rules: every search with classify()'s time-out
        self.units = 0
        self.census = census  # False: every unit takes the reference path (the oracle of tests/test_census.py)
        self.jobs = jobs  # worker processes for a big unit (census_pool)
        self.named: dict[str, tuple] = {}  # a rule group's value -> what it names (Census._named)
        self.numbers: dict[str, int] = {}  # a unit's path -> its number, in the order met
        self.given_up: dict[str, str] = {}  # a unit the census gave up on -> why (set at the pass's end)
        #: Per unit in the order met, the identities it named first ((key, spelling), in order; None: read again
        #: by the reference, the census having given up on it): the first spelling of each, in unit order.
        self.order: list[tuple[str, list | None]] = []

    def scan_unit(self, unit: Unit, ctx: Context) -> Iterator:
        """The unit scanner of the first pass (a Counted or a Sighting, then the unit's status): the reference's
        discovery, which hands the text units the census reads to it."""
        self.units += 1
        self.numbers[unit.path] = self.units  # every unit's place in the order met (first and last seen's ties)
        for item in identities_of_unit(unit, ctx, self._text if self.census else None):
            if isinstance(item, Sighting):  # its names in their place in the order met: first spellings
                names = [(name_key(name), name) for name in item.names]
                for key, name in names:
                    self.known.setdefault(key, name)
                self.order.append((unit.path, names))
            yield item

    def _text(self, unit: Unit, ctx: Context, layout, framing):
        """The census of a text unit stored in UTF-8 in the native framing; None for any other."""
        if framing.name != "native" or layout.encoding != "utf-8" or layout.transcoded:
            return None
        return self._census(unit, ctx, layout, framing)

    def _census(self, unit: Unit, ctx: Context, layout, framing) -> Iterator:
        from ..scanning.source import _search  # the scan's own reading

        cfg = ctx.config
        counts = Counts()
        counts.feed(unit.stream.read(layout.bom))
        quiet = copy.copy(ctx)
        quiet.matcher = EveryLine(none=True)
        number = self.units
        tally = MapTally(self.tally.cutoff_key)  # the unit's own: merged only if the census reads it all
        census = Census(number, tally, self.plan, framing, self.people, self.person_keys, self.known, cfg.max_line,
                        layout.code_page_lines, self.timed, RULE_TIMEOUT, self.named)
        scanner, raw, chunks = _search(unit, quiet, layout, framing, counts, False)
        pool = None
        if self.jobs > 1 and (unit.stored_bytes or 0) >= census_pool.POOL_FROM:
            pool = census_pool.CensusPool(census, tally, self.jobs)
            blocks, count = census_pool.Blocks(None, cfg.max_line), pool.submit
        else:
            blocks = census_pool.Blocks(census_module.BLOCK, cfg.max_line)

            def count(data: bytes, last: bool, before: int) -> None:
                census.lines(data, last)

        def tapped():
            for chunk in chunks:
                if census.failed is None:
                    for block in blocks.feed(chunk):
                        count(*block)
                    if blocks.too_long:
                        census.failed = f"a line longer than --max-line ({cfg.max_line} bytes)"
                yield chunk
            if census.failed is None:
                for block in blocks.finish():
                    count(*block)
            if pool is not None:
                pool.finish()

        try:
            for _ in scanner.run(tapped(), layout.bom):
                pass
        finally:
            raw.close()
            if pool is not None:
                pool.close()
        census.flush()
        if census.failed is None:
            self.tally.merge(tally)
            self.order.append((unit.path, census.found))
        else:
            tally.close()
            self.order.append((unit.path, None))  # its names come from the reference's reading, in its place
        yield Counted(unit.path, number, census.failed)
        yield source_status(unit, STATUS_SCANNED, None, counts, scanner.lines, layout, framing.name, counts.issues)


def only(paths: set[str], scanner):
    """A unit scanner that scans the units named in `paths` with `scanner` and gives nothing for the others."""

    def scan_unit(unit: Unit, ctx: Context) -> Iterator:
        if unit.path in paths:
            yield from scanner(unit, ctx)

    return scan_unit


def standing_in(statuses: dict[str, SourceStatus], scanner):
    """A unit scanner that gives the first pass's status for the units in `statuses` (the census counted them:
    the counting scan reads only the others) and scans the rest with `scanner`."""

    def scan_unit(unit: Unit, ctx: Context) -> Iterator:
        status = statuses.get(unit.path)
        if status is None:
            yield from scanner(unit, ctx)
        else:
            yield status

    return scan_unit
