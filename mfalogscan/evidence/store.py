"""Findings kept on disk while a scan runs, so memory follows the work in flight, not the number of findings.

A scan of a busy account can give millions of findings; the Report needs
all of them at the end (events are linked across sources, the JSON
document and the per-person reports list them by person). `FindingStore`
keeps them in a temporary SQLite file (owner-only, removed when closed; on
POSIX it is unlinked at once, so even a killed run leaves nothing behind)
and gives them back in the order they were added, all or one person's,
with the event links filled in once `link()` has run.

Each finding is stored as its field values (`marshal`, a few microseconds)
beside the columns event linking sorts on: the person, the message key, the
time in microseconds, the source and the format's authority.
"""

from __future__ import annotations

import marshal
import operator
import os
import sqlite3
import tempfile
from datetime import datetime
from typing import Iterator

from ..model import Finding, assemble
from ..timeline.policy import micros
from .events import authority, event_key, leaders

_NAMES = tuple(Finding.__dataclass_fields__)
#: POSIX removes an open file's name at once and keeps the file for who holds it; Windows refuses.
_UNLINK_WHILE_OPEN = os.name == "posix"
_BATCH = 4096


_VALUES = operator.itemgetter(*_NAMES)  # a finding's field values from its __dict__, in field order, in C


def _row(f: Finding, when) -> tuple:
    values = _VALUES(f.__dict__)
    if type(f.details) is not dict:  # marshal takes plain dicts only
        values = tuple(dict(v) if n == "details" else v for n, v in zip(_NAMES, values))
    return (f.user, event_key(f), None if when is None else micros(when), f.source, f.ref, authority(f.format),
            marshal.dumps(values))


def _finding(blob: bytes, event: int | None, duplicate_of: str | None) -> Finding:
    f = assemble(Finding, dict(zip(_NAMES, marshal.loads(blob))))
    if event is not None:
        f.__dict__["event"] = f"E{event}"
        f.__dict__["duplicate_of"] = duplicate_of
    return f


class FindingStore:
    """An append-only, on-disk list of findings with their event links."""

    def __init__(self):
        fd, self._path = tempfile.mkstemp(prefix="mfalogscan-", suffix=".findings")  # mode 0600
        os.close(fd)
        self._db = sqlite3.connect(self._path, check_same_thread=False)
        if _UNLINK_WHILE_OPEN:
            os.unlink(self._path)  # the open file lives on; nothing is left if the run is killed
            self._path = None
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE", "cache_size=-8192"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE f (seq INTEGER PRIMARY KEY, user TEXT, gkey TEXT, ts INTEGER, source TEXT,"
                         " ref TEXT, rank INTEGER, blob BLOB)")
        self._pending: list[tuple] = []
        self._count = 0
        self._linked = False

    def __len__(self) -> int:
        return self._count

    def add(self, f: Finding, when: datetime | None) -> None:
        """Keep `f`, whose time is the moment `when` (None: undated)."""
        self._pending.append((self._count,) + _row(f, when))
        self._count += 1
        if len(self._pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT INTO f VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._pending)
            self._pending = []

    def link(self, window: float) -> None:
        """Link the findings into events (see events.leaders), numbered in order of first appearance."""
        self._flush()
        db = self._db
        db.execute("CREATE TABLE lead (seq INTEGER PRIMARY KEY, head INTEGER)")
        rows = db.execute("SELECT seq, gkey, ts, source FROM f WHERE ts IS NOT NULL ORDER BY gkey, ts, seq")
        batch = []
        for seq, head in leaders(rows, int(window * 1_000_000)):
            if head != seq:
                batch.append((seq, head))
                if len(batch) >= _BATCH:
                    db.executemany("INSERT INTO lead VALUES (?, ?)", batch)
                    batch = []
        db.executemany("INSERT INTO lead VALUES (?, ?)", batch)
        # Each event's original is its finding of the highest authority (events.authority), then the earliest:
        # lead is remade to point every other finding of the event at it.
        db.execute("CREATE TABLE grp AS SELECT seq, head AS g FROM lead UNION ALL SELECT DISTINCT head, head FROM lead")
        db.execute("CREATE TABLE orig AS SELECT g, seq AS o FROM (SELECT grp.g, grp.seq, ROW_NUMBER() OVER"
                   " (PARTITION BY grp.g ORDER BY f.rank, f.ts, f.seq) AS rn FROM grp JOIN f ON f.seq = grp.seq)"
                   " WHERE rn = 1")
        db.execute("DELETE FROM lead")
        db.execute("INSERT INTO lead SELECT grp.seq, orig.o FROM grp JOIN orig ON orig.g = grp.g WHERE grp.seq != orig.o")
        db.execute("DROP TABLE grp")
        db.execute("DROP TABLE orig")
        db.execute("CREATE TABLE ev (head INTEGER PRIMARY KEY, n INTEGER)")
        db.execute(
            "INSERT INTO ev SELECT head, ROW_NUMBER() OVER (ORDER BY first) FROM ("
            " SELECT COALESCE(lead.head, f.seq) AS head, MIN(f.seq) AS first"
            " FROM f LEFT JOIN lead ON lead.seq = f.seq GROUP BY 1)"
        )
        db.execute("CREATE INDEX f_user ON f (user, seq)")
        self._linked = True

    def events_by_user(self) -> dict[str, int]:
        """How many events each person's findings form (after link())."""
        return dict(self._db.execute("SELECT f.user, COUNT(*) FROM ev JOIN f ON f.seq = ev.head GROUP BY f.user"))

    def events(self) -> Iterator[tuple[int, str, str, list[str]]]:
        """Each event in number order: (number, person, original's SOURCE:LINE, the duplicates' SOURCE:LINE)."""
        rows = self._db.execute(
            "SELECT ev.n, h.user, h.ref, f.ref FROM ev JOIN f AS h ON h.seq = ev.head"
            " LEFT JOIN lead ON lead.head = ev.head LEFT JOIN f ON f.seq = lead.seq ORDER BY ev.n, f.seq"
        )
        current = None
        for n, user, original, duplicate in rows:
            if current is None or current[0] != n:
                if current is not None:
                    yield current
                current = (n, user, original, [])
            if duplicate is not None:
                current[3].append(duplicate)
        if current is not None:
            yield current

    def __iter__(self) -> Iterator[Finding]:
        return self._select("", ())

    def of(self, user: str) -> Iterator[Finding]:
        """One person's findings, in the order they were added."""
        return self._select("WHERE f.user = ?", (user,))

    def at(self, index: int) -> Finding:
        found = next(self._select("WHERE f.seq = ?", (index,)), None)
        if found is None:
            raise IndexError(index)
        return found

    def _select(self, where: str, args: tuple) -> Iterator[Finding]:
        self._flush()
        if not self._linked:
            query = f"SELECT f.blob, NULL, NULL FROM f {where} ORDER BY f.seq"
        else:
            query = ("SELECT f.blob, ev.n, h.ref FROM f LEFT JOIN lead ON lead.seq = f.seq"
                     " JOIN ev ON ev.head = COALESCE(lead.head, f.seq) LEFT JOIN f AS h ON h.seq = lead.head"
                     f" {where} ORDER BY f.seq")
        # A cursor of its own: a printer may read one person's findings while another query is open.
        for blob, event, duplicate_of in self._db.cursor().execute(query, args):
            yield _finding(blob, event, duplicate_of)

    def close(self) -> None:
        self._db.close()
        if self._path is not None:
            try:
                os.unlink(self._path)
            except OSError:
                pass
            self._path = None
