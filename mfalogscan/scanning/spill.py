"""A list that keeps its first items in memory and the rest in a temporary file, for findings that must wait.

A year-less source (RFC 3164 syslog) cannot date its findings before its
last line is read; a busy one holds millions. `Spill` keeps `limit` of them
in memory and pickles the rest, in batches, to an anonymous owner-only
temporary file that disappears when closed, and gives them all back in order.
"""

from __future__ import annotations

import pickle
import tempfile
from typing import Iterator

_BATCH = 2048


class Spill:
    def __init__(self, limit: int = 10_000):
        self._limit = limit
        self._memory: list = []
        self._batch: list = []
        self._file = None

    @property
    def holds(self) -> bool:
        """True once anything has been appended."""
        return bool(self._memory) or self._file is not None or bool(self._batch)

    def append(self, item) -> None:
        if self._file is None and len(self._memory) < self._limit:
            self._memory.append(item)
            return
        self._batch.append(item)
        if len(self._batch) >= _BATCH:
            self._write()

    def extend(self, items: list) -> None:
        """Append many at once (one batch written as it is: no per-item step)."""
        if not items:
            return
        if self._file is None and len(self._memory) + len(items) <= self._limit:
            self._memory.extend(items)
            return
        if self._batch:
            self._write()
        self._batch = items
        self._write()

    def _write(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="mfalogscan-")
        pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._batch = []

    def __iter__(self) -> Iterator:
        yield from self._memory
        if self._file is None:
            yield from self._batch
            return
        if self._batch:
            self._write()
        self._file.seek(0)
        yield from read_batches(self._file)

    def close(self) -> None:
        self._memory, self._batch = [], []
        if self._file is not None:
            self._file.close()
            self._file = None


def read_batches(f) -> Iterator:
    """The items of a file of pickled lists (batches), read on from where `f` stands, a batch in memory at a time."""
    while True:
        try:
            batch = pickle.load(f)
        except EOFError:
            return
        yield from batch
