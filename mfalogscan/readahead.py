"""Reading ahead on a second thread: read, hash and pre-search chunks while the scanner works.

The scanner's own work (line counting, the unparsed-line count, cutting out
candidate lines) holds Python's GIL. Reading a file, decompressing gzip, bzip2
and xz, SHA-256 and the `regex` module's search (with `concurrent=True`) do
not, so a thread doing them for the next chunks runs on the second core. It
hands over chunks in order through a queue of a few chunks (memory stays
bounded); for sources searched as they are stored, each chunk comes with its
candidate spans, which the scanner takes through a `SpanCursor` instead of
searching itself. A read error ends the stream where it happened and is
recorded as the same issue a serial read records; any other error is raised
again in the scanner's thread, so it is reported like one there.

While it runs, the interpreter's thread switch interval is cut from 5 ms to
0.1 ms (and restored after): the scanner's long C calls hold the GIL, and a
reading thread that waits 5 ms for it at every step cannot keep up. On the
1 GiB benchmark log that is 2.1 s against 1.4 s for one name.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections import deque
from typing import Callable, Iterator

_END = object()
_SWITCH_INTERVAL = 0.0001


class SpanCursor:
    """A LineScanner searcher over candidates found ahead, in stream positions."""

    def __init__(self):
        self._spans: deque[tuple[int, int]] = deque()

    def add(self, spans) -> None:
        self._spans.extend(spans)

    def __call__(self, buf: bytes, base: int):
        spans = self._spans

        def find(pos: int):
            at = base + pos
            while spans and spans[0][0] < at:
                spans.popleft()
            if not spans:
                return None
            a, b = spans[0]
            return a - base, b - base

        return find


class ReadAhead:
    """`chunks()` yields what `read_chunks()` yields, read (and fed to `feed`, and searched) on a thread."""

    def __init__(self, read_chunks: Callable[[], Iterator[bytes]], search=None, depth: int = 2):
        self._read_chunks = read_chunks
        self._search = search  # a match.StreamSearch, or None
        self.cursor = SpanCursor() if search is not None else None
        self._queue: queue.Queue = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mfalogscan-read-ahead", daemon=True)
        self._saved_interval: float | None = None

    def _run(self) -> None:
        put, search = self._queue.put, self._search
        try:
            for data in self._read_chunks():
                if self._stop.is_set():
                    return
                put((data, search.feed(data) if search is not None else None))
            put((_END, None))
        except BaseException as e:  # noqa: BLE001 - handed to the scanner's thread, raised there
            put((_END, e))

    def chunks(self) -> Iterator[bytes]:
        self._saved_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._saved_interval, _SWITCH_INTERVAL))
        self._thread.start()
        try:
            while True:
                data, extra = self._queue.get()
                if data is _END:
                    if extra is not None:
                        raise extra
                    return
                if self.cursor is not None:
                    self.cursor.add(extra)
                yield data
        finally:
            self.close()

    def close(self) -> None:
        """Stop the thread (also when the scanner stops early), wait for it, restore the switch interval."""
        if self._saved_interval is not None:
            sys.setswitchinterval(self._saved_interval)
            self._saved_interval = None
        if not self._thread.is_alive():
            return
        self._stop.set()
        while self._thread.is_alive():
            try:  # unblock a put() waiting for room
                self._queue.get_nowait()
            except queue.Empty:
                pass
            self._thread.join(0.01)
