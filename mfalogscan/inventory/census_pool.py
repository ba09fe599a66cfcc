"""Both cores on one big unit: blocks of its lines counted in worker processes, their counts merged in order.

The census holds the GIL for every line, so one unit is one core. A unit
larger than POOL_FROM is cut here into blocks of whole lines (about BLOCK
bytes). Each block goes with its first line's number and the record head
before it (`Census.head_after`) to a worker, which counts it into a tally of
its own and sends back its persons, its unit's stats, its findings still
waiting for their name and the identities it found first. They are merged
here in block order, so the map is the one a single process makes:

- the identities' first spellings are taken in line order;
- every finding keeps its unit and line, so first and last seen break ties
  as before;
- a finding whose string the worker did not know as an identity waits, and
  is counted at the end if it is one (`MapTally.settle`).

If a worker dies, the census gives the unit up and it takes the reference
path, as for any other reason the census cannot read it.

The reading stays in this process (the scan's own, for the unit's status);
it is a small part of the work.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import shutil
import signal
import sys
import tempfile

from .census import Census
from .census_lines import RulePlan, lone_crs
from .tally import MapTally

POOL_FROM = 64 << 20  # units smaller than this are counted here: starting workers costs more than it saves
BLOCK = 16 << 20
_IN_FLIGHT = 1  # blocks waiting for each worker (each holds BLOCK bytes)


def _work(inbox, outbox, number: int, cutoff_key: str, plan: RulePlan, framing, people, person_keys, known: dict,
          options: tuple, spool: str, worker: int) -> None:
    """A worker: its blocks, in line order, into one tally of its own; at the end (None), its answer."""
    # Forked with the command line's handlers: Ctrl-C reaches the whole process group and the parent ends the
    # run; SIGTERM (the parent's terminate()) ends a worker at once, without a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    tally = MapTally(cutoff_key)
    cache: dict = {}
    found: list[tuple[int, list]] = []  # (block, the identities it met first)
    failed = None
    path = os.path.join(spool, f"waiting-{worker}")
    try:
        with open(path, "wb") as waiting:
            tally.waiting = _Batches(waiting)
            while (block := inbox.get()) is not None:
                index, data, last, line, head = block
                if failed is not None:
                    continue
                census = Census(number, tally, plan, framing, people, person_keys, known, *options, cache)
                census.resume(line, head)
                census.lines(data, last)
                census.flush()
                found.append((index, census.found))
                failed = census.failed
        outbox.put((worker, tally.people, tally.unit(number), path, found, failed))
    except BaseException as e:  # noqa: BLE001 - said to the parent, which gives the unit to the reference
        outbox.put((worker, None, None, None, None, f"a worker process of the census failed ({type(e).__name__}: {e})"))


class Blocks:
    """The unit's chunks as blocks of whole lines, each with the number of lines before it."""

    def __init__(self, size: int | None = None, max_line: int = 1 << 20):
        self.size = size or BLOCK
        self.max_line = max_line
        self.too_long = False  # a line longer than max_line: the census gives the unit up
        self._parts: list[bytes] = []
        self._held = 0
        self.lines = 0  # lines in the blocks given out so far

    def feed(self, chunk: bytes):
        if self.too_long:
            return
        self._parts.append(chunk)
        self._held += len(chunk)
        if self._held < self.size:
            return
        data = lone_crs(b"".join(self._parts), False)
        start = 0
        while len(data) - start >= self.size:
            end = data.find(b"\n", start + self.size - 1) + 1
            if end == 0:
                break
            yield self._give(data[start:end], False)
            start = end
        rest = data[start:]
        if len(rest) > max(self.size, self.max_line) + self.size:  # no line end for longer than a line may be
            self.too_long, self._parts, self._held = True, [], 0
            return
        self._parts, self._held = ([rest], len(rest)) if rest else ([], 0)

    def finish(self):
        data = lone_crs(b"".join(self._parts), True)
        self._parts, self._held = [], 0
        if data:
            yield self._give(data, not data.endswith(b"\n"))

    def _give(self, data: bytes, last: bool) -> tuple[bytes, bool, int]:
        before = self.lines
        self.lines += data.count(b"\n") + (1 if last else 0)
        return data, last, before


class CensusPool:
    """Blocks of one unit to `jobs` worker processes, in turn (each gets its blocks in line order); `finish`
    merges their tallies into the unit's census."""

    def __init__(self, census: Census, tally: MapTally, jobs: int):
        self.census, self.tally, self.jobs = census, tally, jobs
        mp = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        # The workers' waiting findings go to files in a folder of the census's own (mode 0700), removed whole.
        self.spool = tempfile.mkdtemp(prefix="mfalogscan-census-")
        options = (census.max_line, census.code_page_lines, census.timed, census.rule_timeout)
        self.outbox = mp.Queue()
        self.inboxes = [mp.Queue(maxsize=_IN_FLIGHT) for _ in range(jobs)]
        self.workers = [mp.Process(target=_work, daemon=True, args=(
            inbox, self.outbox, census.unit, tally.cutoff_key, census.plan, census.framing, census.people,
            census.person_keys, dict(census.known), options, self.spool, n)) for n, inbox in enumerate(self.inboxes)]
        for w in self.workers:
            w.start()
        self.blocks = 0
        self.head = None  # the record head before the next block

    def submit(self, data: bytes, last: bool, before: int) -> None:
        if self.census.failed is not None:
            return
        head = self.head
        after = self.census.head_after(data)
        if after is not None:
            self.head = after
        try:
            self._put(self.inboxes[self.blocks % self.jobs], (self.blocks, data, last, before, head))
        except _Died:
            self.census.failed = _DIED
        self.blocks += 1

    def _put(self, inbox, item) -> None:
        """Put, waiting while the worker is alive (a worker only ends once it has had its None)."""
        while True:
            try:
                inbox.put(item, timeout=1)
                return
            except queue.Full:
                if not all(w.is_alive() for w in self.workers):
                    raise _Died() from None

    def _answers(self) -> list:
        """Every worker's answer; _Died when one ended without it (its answer can still be on its way in the
        pipe after it ended: it is waited for once more)."""
        answers: dict[int, tuple] = {}
        late = False
        while len(answers) < self.jobs:
            try:
                answer = self.outbox.get(timeout=1)
            except queue.Empty:
                dead = [n for n, w in enumerate(self.workers) if n not in answers and not w.is_alive()]
                if dead and late:
                    raise _Died() from None
                late = bool(dead)
                continue
            answers[answer[0]] = answer
        return [answers[n] for n in sorted(answers)]

    def finish(self) -> None:
        """Every worker's tally merged in; the census fails (the unit takes the reference path) if one failed."""
        census = self.census
        if census.failed is not None:
            return  # close() ends the workers
        try:
            for inbox in self.inboxes:
                self._put(inbox, None)
            answers = self._answers()
        except _Died:
            census.failed = _DIED
            return
        failed = [a[5] for a in answers if a[5] is not None]
        if failed:
            census.failed = failed[0]
            return
        found = sorted((item for a in answers for item in a[4]), key=lambda item: item[0])
        for _block, names in found:  # in line order: the first spelling met is the one kept
            for key, identity in names:
                if key not in census.known:
                    census.known[key] = identity
                    census.found.append((key, identity))
        for _worker, people, stats, path, _found, _failed in answers:
            self.tally.take(people, stats, census.unit)
            self.tally.waiting_in(path)
        self.spool = None  # the tally has it now (removed when it is closed)

    def close(self) -> None:
        for inbox in self.inboxes:  # blocks still on their way to a worker that is gone must not hold up the exit
            inbox.cancel_join_thread()
            inbox.close()
        for w in self.workers:
            w.join(timeout=2 if self.spool is None else 0)  # after a finish, they end on their own
            if w.is_alive():
                w.terminate()
                w.join()
        self.outbox.cancel_join_thread()
        self.outbox.close()
        if self.spool is not None:
            shutil.rmtree(self.spool, ignore_errors=True)


class _Batches:
    """A worker's waiting findings, written to its file a batch at a time (read back by `MapTally.settle`)."""

    def __init__(self, f):
        self._f = f

    def extend(self, items: list) -> None:
        if items:
            pickle.dump(items, self._f, protocol=pickle.HIGHEST_PROTOCOL)

    def close(self) -> None:
        pass


_DIED = "a worker process of the census ended before its work was done"


class _Died(Exception):
    """A worker process ended without its answer."""
