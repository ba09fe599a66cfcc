"""Reading ahead on a second thread: read, hash and pre-search chunks while the scanner works.

The scanner's own work (line counting, the unparsed-line count, cutting out
candidate lines) holds Python's GIL. Reading a file, decompressing gzip, bzip2
and xz, SHA-256 and the name automaton's search (`ahocorasick_rs`) do not,
so a thread doing them for the next chunks runs on the second core. It
hands over chunks in order through a queue of a few chunks (memory stays
bounded); for sources searched as they are stored, each chunk comes with its
candidate spans (`streamsearch`), which the scanner takes through a
`SpanCursor` instead of searching itself. A read error ends the stream where
it happened and is recorded as the same issue a serial read records; any
other error is raised again in the scanner's thread, so it is reported like
one there.

While any source is read ahead, the interpreter's thread switch interval is
cut from 5 ms to 0.1 ms (and restored when the last one ends): the scanner's
long C calls hold the GIL, and a reading thread that waits 5 ms for it at
every step cannot keep up. On the 1 GiB benchmark log that is 2.1 s against
1.4 s for one name.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import deque
from typing import Callable, Iterator

_END = object()
_SWITCH_INTERVAL = 0.0001
_STOP_WAIT = 1.0  # seconds close() waits for a reader stuck in a read (a terminal, a pipe)


class _SwitchInterval:
    """The short switch interval, held by every running read-ahead; the first saves, the last restores."""

    def __init__(self):
        self._lock = threading.Lock()
        self._holders = 0
        self._saved = 0.0

    def hold(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, _SWITCH_INTERVAL))
            self._holders += 1

    def release(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                sys.setswitchinterval(self._saved)


_INTERVAL = _SwitchInterval()


class SpanCursor:
    """A LineScanner searcher over candidates found ahead, in stream positions.

    From `handover` on (when the search ahead gave up on a dense name) it
    searches the scanner's buffers with `finder` itself.
    """

    def __init__(self, finder):
        self._spans: deque[tuple[int, int]] = deque()
        self._finder = finder
        self.handover: int | None = None

    def add(self, spans) -> None:
        self._spans.extend(spans)

    def __call__(self, buf: bytes, base: int):
        spans, handover = self._spans, self.handover
        own = None

        def find(pos: int):
            nonlocal own
            at = base + pos
            while spans and spans[0][0] < at:
                spans.popleft()
            if spans:
                a, b = spans[0]
                return a - base, b - base
            if handover is None:
                return None
            if own is None:
                own = self._finder(buf, base)
            return own(max(pos, handover - base))

        return find


class ReadAhead:
    """`chunks()` yields what `read_chunks()` yields, read (and searched, given a StreamSearch) on a thread."""

    def __init__(self, read_chunks: Callable[[], Iterator[bytes]], search=None, depth: int = 2):
        self._read_chunks = read_chunks
        self._search = search  # a streamsearch.StreamSearch, or None
        self.cursor = SpanCursor(search.finder) if search is not None else None
        self._queue: queue.Queue = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mfalogscan-read-ahead", daemon=True)
        self._holding = False

    def _run(self) -> None:
        """Read; hand a chunk over once every candidate starting in it is decided (see streamsearch)."""
        search, put = self._search, self._queue.put
        held: deque[tuple[bytes, int]] = deque()  # chunks read, and the stream position of their end
        spans: list = []
        end = 0

        def handover():
            return search.handover if search is not None else None

        def release(upto: float) -> None:
            nonlocal spans
            while held and held[0][1] <= upto:
                put((held.popleft()[0], spans, handover(), None))
                spans = []

        try:
            for data in self._read_chunks():
                if self._stop.is_set():
                    return
                end += len(data)
                held.append((data, end))
                if search is not None:
                    spans += search.feed(data)
                release(search.decided if search is not None else end)
            if search is not None:
                spans += search.finish()
            release(end)
            put((_END, spans, handover(), None))
        except BaseException as e:  # noqa: BLE001 - handed to the scanner's thread, raised there
            put((_END, None, None, e))

    def chunks(self) -> Iterator[bytes]:
        _INTERVAL.hold()
        self._holding = True
        self._thread.start()
        try:
            while True:
                data, spans, handover, error = self._queue.get()
                if error is not None:
                    raise error
                if self.cursor is not None:
                    self.cursor.add(spans)
                    self.cursor.handover = handover
                if data is _END:
                    return
                yield data
        finally:
            self.close()

    def close(self) -> None:
        """Stop the thread (also when the scanner stops early) and wait for it a while.

        A reader blocked in a read that does not return (standard input from
        a terminal) is left behind after a second: it is a daemon thread and
        nothing waits for what it reads.
        """
        if self._holding:
            self._holding = False
            _INTERVAL.release()
        if not self._thread.is_alive():
            return
        self._stop.set()
        give_up = time.monotonic() + _STOP_WAIT
        while self._thread.is_alive() and time.monotonic() < give_up:
            try:  # unblock a put() waiting for room
                self._queue.get_nowait()
            except queue.Empty:
                pass
            self._thread.join(0.01)
