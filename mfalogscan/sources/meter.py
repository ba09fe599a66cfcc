"""How far the scan has read, for the progress display: stored bytes of the sources listed, and of those read.

One `METER` per process. The listing adds each file's size to `total`; a
source being scanned registers how to ask its position in the file
(`start`), reading calls `tick()` after each chunk, and `finish(size)`
counts the rest of a finished source, so `done` reaches `total` exactly.
Worker processes (--jobs) add to one counter shared with the parent
(`share`). Nothing here prints and nothing is counted unless a display
asked for it (`enabled`): a scan without one pays one attribute test per
chunk.
"""

from __future__ import annotations

from typing import Callable


class Meter:
    def __init__(self):
        self.enabled = False
        self.total = 0
        self.current = ""  # the path being read (in this process)
        self._local = 0
        self._shared = None  # a multiprocessing.Value('q') in worker processes and their parent
        self._position: Callable[[], int] | None = None
        self._last = 0

    def share(self, value) -> None:
        """Count into `value`, shared with the other processes of this scan."""
        self._shared = value
        self.enabled = value is not None

    def _add(self, n: int) -> None:
        if n <= 0:
            return
        if self._shared is not None:
            with self._shared.get_lock():
                self._shared.value += n
        else:
            self._local += n

    @property
    def done(self) -> int:
        return self._local + (self._shared.value if self._shared is not None else 0)

    def listed(self, size: int | None) -> None:
        if self.enabled and size:
            self.total += size

    def start(self, path: str, position: Callable[[], int]) -> None:
        if self.enabled:
            self.current, self._position, self._last = path, position, 0

    def tick(self) -> None:
        if self._position is not None:
            position = self._position()
            if position > self._last:  # an archive's reader may seek back; count each byte once
                self._add(position - self._last)
                self._last = position

    def finish(self, size: int | None) -> None:
        if self._position is not None and size:
            self._add(size - self._last)
        self._position, self._last = None, 0


METER = Meter()
