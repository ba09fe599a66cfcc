"""The census's second review (of 9539323): what failed then, each test stating what must hold."""

from __future__ import annotations

import os
import time

from mfalogscan.config import ScanConfig
from mfalogscan.inventory import census_pool, census_unit, inventory

from .test_census import AS_OF, LINES, _maps, native


def _cfg(path, **kw):
    return ScanConfig(paths=(str(path),), subjects=(), discovering=True, as_of=AS_OF, **kw)


def test_first_spelling_when_the_census_gives_up_on_an_earlier_unit(tmp_path):
    # a/ comes first; the census gives up on it (a NUL), so its names are read again only after b/'s census.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "MultiFactorAuthSvc.log").write_bytes(
        (native("2026-11-20T10:00:00Z", "x\x00y") + "\n"
         + native("2026-11-20T10:01:00Z", 'User "CONTOSO\\admin" added new user "JDoe"') + "\n").encode())
    (tmp_path / "b" / "MultiFactorAuthSvc.log").write_bytes(
        (native("2026-11-20T10:02:00Z", 'User "CONTOSO\\admin" added new user "jdoe"') + "\n").encode())
    fast, slow = _maps([tmp_path])
    try:
        spell = lambda m: {e.key: e.identity for e in m.identities}  # noqa: E731
        assert spell(fast)["jdoe"] == spell(slow)["jdoe"] == "JDoe"  # was "jdoe": b/'s census came first
    finally:
        fast.close()
        slow.close()


class _SlowFirstBlock(census_pool.Census):
    """Stands in for a block that takes a couple of seconds to count (a 16 MiB block does)."""

    def lines(self, data, last):
        if self._line == 0:
            time.sleep(2.5)
        super().lines(data, last)


def test_a_worker_that_ends_normally_is_not_taken_for_a_dead_one(tmp_path, monkeypatch):
    monkeypatch.setattr(census_pool, "POOL_FROM", 1)
    monkeypatch.setattr(census_pool, "BLOCK", 1 << 20)  # one block: workers 1 and 2 get none and end at once
    monkeypatch.setattr(census_pool, "Census", _SlowFirstBlock)
    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(("\n".join(LINES) + "\n").encode())
    m = inventory(_cfg(tmp_path, jobs=3))
    try:
        assert m.census_units  # was given up: "a worker process ... ended before its work was done"
    finally:
        m.close()


class _DiesOnItsSecondBlock(census_pool.Census):
    def lines(self, data, last):
        if self._line > 0 and os.getpid() != _PARENT:
            os._exit(9)  # a worker killed (the OOM killer, a SIGKILL) while the parent still puts blocks
        super().lines(data, last)


_PARENT = os.getpid()


def test_a_worker_dying_while_blocks_are_put_sends_the_unit_to_the_reference(tmp_path, monkeypatch):
    monkeypatch.setattr(census_pool, "POOL_FROM", 1)
    monkeypatch.setattr(census_pool, "BLOCK", 300)
    monkeypatch.setattr(census_pool, "Census", _DiesOnItsSecondBlock)
    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(("\n".join(LINES * 40) + "\n").encode())
    m = inventory(_cfg(tmp_path, jobs=2))
    try:
        # was: _Died escaped submit(), the source 'unreadable' ("internal error while reading (_Died: )") and none
        # of its identities in the map; the unit takes the reference path (scanned, all found)
        assert [s.status for s in m.sources] == ["scanned"] and m.identities
    finally:
        m.close()
