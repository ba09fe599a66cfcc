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
import pickle
import shutil
import sys
import tempfile
from collections import deque
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Iterable, Iterator

from ..model import SourceStatus
from ..sources.meter import METER
from . import source
from .spill import read_batches

_IN_FLIGHT_PER_JOB = 4
_SEND_AT_ONCE = 5000  # events a worker sends in one piece; more go through a file
_context = None  # the worker's Context


def default_jobs() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_spool = None  # the worker's folder for results too large to send at once
_LIVE = "scan-running"  # a file in the folder while the parent still reads from it


def _spool_abandoned() -> bool:
    return not os.path.exists(os.path.join(_spool, _LIVE))


def _init(ctx, spool: str, progress=None) -> None:
    global _context, _spool
    _context, _spool = ctx, spool
    METER.share(progress)  # bytes read, counted where the parent's progress display sees them
    # Ctrl-C reaches the whole process group: the parent stops the scan and cleans up; a worker stays quiet
    # (no traceback of its own) and ends with the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's handler (forked with it): end at once


class _OnDisk:
    """A worker's results too many to send at once: pickled in batches to an owner-only file the parent reads back."""

    def __init__(self, path: str):
        self.path = path

    def __iter__(self) -> Iterator:
        try:
            with open(self.path, "rb") as f:
                yield from read_batches(f)
        finally:
            try:
                os.unlink(self.path)
            except OSError:
                pass  # the scan's folder was removed already


def _scan_one(found):
    """One source's events: a list, or past _SEND_AT_ONCE of them, a file (memory stays bounded on both sides)."""
    batch, out = [], None
    try:
        for event in source.scan_found(found, _context):
            batch.append(event)
            if len(batch) >= _SEND_AT_ONCE:
                if out is None:
                    fd, path = tempfile.mkstemp(prefix="mfalogscan-worker-", dir=_spool)  # mode 0600
                    out = os.fdopen(fd, "wb")
                if _spool_abandoned():
                    # The parent stopped reading and is removing the folder, perhaps before this file
                    # was made: remove the file and the folder, so nothing outlives the scan.
                    _discard(out, path)
                    shutil.rmtree(_spool, ignore_errors=True)
                    return []
                pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        if out is None:
            return batch
        pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.close()
        return _OnDisk(path)
    except BaseException:
        if out is not None:
            _discard(out, path)
        raise


def _discard(out, path: str) -> None:
    out.close()
    try:
        os.unlink(path)
    except OSError:
        pass  # removed with the folder already


def scan_parallel(items: Iterable, ctx, jobs: int) -> Iterator:
    """Yield what scanning each of `items` (Found, or a SourceStatus passed through) gives, in order.

    If a worker dies (killed, out of memory), the sources still waiting are
    scanned here, in this process, as a serial run would: the output stays
    the same. When the consumer stops early, work not yet started is
    cancelled rather than waited for.
    """
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    # Workers' large results go to files in a folder of this scan's own (mode 0700), removed whole at the end:
    # a worker still running when the consumer stops (Ctrl-C, `| head`) can leave nothing behind it.
    spool = tempfile.mkdtemp(prefix="mfalogscan-workers-")
    live = os.path.join(spool, _LIVE)
    open(live, "x").close()
    mp = multiprocessing.get_context(method)
    shared = None
    if METER.enabled:
        shared = mp.Value("q", 0)
        METER.share(shared)
    pool = ProcessPoolExecutor(jobs, mp, initializer=_init, initargs=(ctx, spool, shared))
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

    finished = interrupted = False
    try:
        for item in items:
            remote = not broken and not isinstance(item, SourceStatus) and item.fs_path is not None
            future = None
            if remote:
                try:
                    future = pool.submit(_scan_one, item)
                except BrokenProcessPool:  # a worker died since the last result was read: here, as the rest
                    broken = True
            pending.append((item, future))
            yield from drain(jobs * _IN_FLIGHT_PER_JOB)
        yield from drain(0)
        finished = True
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the run is over, and so is every source a worker is reading
        interrupted = True
        raise
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop(pool, interrupted)
        # The mark goes first: a worker that makes a file after the folder was listed for removal
        # sees the mark gone and removes its file and the folder itself.
        try:
            os.unlink(live)
        except OSError:
            pass
        shutil.rmtree(spool, ignore_errors=True)


def _stop(pool: ProcessPoolExecutor, interrupted: bool = False) -> None:
    """Cancel what has not started (the consumer has gone); what runs already ends on its own.

    Terminating the workers instead can cut a result in half in the pool's
    pipe and leave its manager thread waiting for the rest for ever, so it is
    done only when the run itself is interrupted: then nothing waits for a
    result any more, and a worker reading a live log or a huge file would
    otherwise keep the process from exiting.
    """
    if interrupted:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        # With its workers gone the pool's manager thread ends at once; waiting for it keeps the interpreter's
        # exit from writing to the pool's half-closed wake-up pipe (a traceback on stderr).
        pool.shutdown(wait=True, cancel_futures=True)
        return
    pool.shutdown(wait=False, cancel_futures=True)
