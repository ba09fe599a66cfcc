"""Scanning sources in worker processes, with the output of a serial run.

`--jobs N` hands whole sources (files) to N worker processes. The scan of a
source holds Python's GIL nearly all the time, so threads cannot share it;
processes can. Results come back in the order of discovery, whatever order
the workers finish in, so a report is byte-identical to the one `--jobs 1`
writes. At most a few sources per worker are in flight, so memory stays
bounded however many files there are. Standard input is read by the main
process (a worker cannot share it), in its place in the order.

Workers start by fork where the platform allows it safely (Linux): they
inherit the compiled matcher and rules at no cost. Elsewhere (Windows,
macOS) they are spawned and build them once each.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Iterable, Iterator

from ..model import SourceStatus
from . import source

_IN_FLIGHT_PER_JOB = 4
_context = None  # the worker's Context


def default_jobs() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _init(ctx) -> None:
    global _context
    _context = ctx


def _scan_one(found) -> list:
    return list(source.scan_found(found, _context))


def scan_parallel(items: Iterable, ctx, jobs: int) -> Iterator:
    """Yield what scanning each of `items` (Found, or a SourceStatus passed through) gives, in order.

    If a worker dies (killed, out of memory), the sources still waiting are
    scanned here, in this process, as a serial run would: the output stays
    the same. When the consumer stops early, work not yet started is
    cancelled rather than waited for.
    """
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    pool = ProcessPoolExecutor(jobs, multiprocessing.get_context(method), initializer=_init, initargs=(ctx,))
    pending: deque[tuple[object, Future | None]] = deque()
    broken = False

    def here(item) -> Iterator:
        return iter([item]) if isinstance(item, SourceStatus) else source.scan_found(item, ctx)

    def drain(keep: int) -> Iterator:
        nonlocal broken
        while len(pending) > keep:
            item, future = pending.popleft()
            if future is None or broken:
                yield from here(item)
                continue
            try:
                results = future.result()
            except BrokenProcessPool:
                broken = True
                yield from here(item)
                continue
            yield from results

    finished = False
    try:
        for item in items:
            remote = not broken and not isinstance(item, SourceStatus) and item.fs_path is not None
            pending.append((item, pool.submit(_scan_one, item) if remote else None))
            yield from drain(jobs * _IN_FLIGHT_PER_JOB)
        yield from drain(0)
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started (the consumer has gone); what runs already ends on its own.

    Terminating the workers instead can cut a result in half in the pool's
    pipe and leave its manager thread waiting for the rest for ever.
    """
    pool.shutdown(wait=False, cancel_futures=True)
