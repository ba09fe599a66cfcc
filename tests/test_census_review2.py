"""Second review of the census (commit 9539323): reproductions. Each test states what should hold."""

from __future__ import annotations

import os
import time

import pytest

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
        assert spell(fast)["jdoe"] == spell(slow)["jdoe"] == "JDoe"  # census: "jdoe"
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
        assert m.census_units  # the census gave the unit up: "a worker process ... ended before its work was done"
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
        # _Died escapes submit(): the source is 'unreadable' ("internal error while reading (_Died: )") and the
        # map holds none of its identities, where the unit should take the reference path (scanned, all found)
        assert [s.status for s in m.sources] == ["scanned"] and m.identities
    finally:
        m.close()


def test_pool_and_serial_keep_the_same_first_spelling_when_the_census_gives_up(tmp_path, monkeypatch):
    from mfalogscan.inventory import census

    monkeypatch.setattr(census, "BLOCK", 300)  # serial: lines counted 300 bytes at a time (1 MiB in a real log)
    monkeypatch.setattr(census_pool, "POOL_FROM", 1)
    monkeypatch.setattr(census_pool, "BLOCK", 300)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    good = "\n".join(LINES[:3]) + "\n"  # "JDoe" in a/'s first lines, a NUL far after them
    (tmp_path / "a" / "MultiFactorAuthSvc.log").write_bytes((good * 5 + "x\x00y\n").encode())
    (tmp_path / "b" / "MultiFactorAuthSvc.log").write_bytes(
        (native("2026-11-20T10:02:00Z", 'User "CONTOSO\\admin" added new user "jdoe"') + "\n").encode())
    one, two = inventory(_cfg(tmp_path, jobs=1)), inventory(_cfg(tmp_path, jobs=2))
    try:
        spell = lambda m: {e.key: e.identity for e in m.identities}  # noqa: E731
        # serial and pool alike: a unit the census gave up on has its names, in its place, from the reference's
        # reading (the pool once dropped them and b/'s "jdoe" came first)
        assert spell(one)["jdoe"] == spell(two)["jdoe"] == "JDoe"
    finally:
        one.close()
        two.close()


def test_no_census_spool_is_left_when_the_first_pass_is_interrupted_after_a_pooled_unit(tmp_path, monkeypatch):
    import tempfile

    spools = tmp_path / "tmp"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    monkeypatch.setattr(census_pool, "POOL_FROM", 1)
    monkeypatch.setattr(census_pool, "BLOCK", 300)
    logs = tmp_path / "logs"
    (logs / "a").mkdir(parents=True)
    (logs / "b").mkdir()
    (logs / "a" / "MultiFactorAuthSvc.log").write_bytes(("\n".join(LINES * 4) + "\n").encode())
    (logs / "b" / "MultiFactorAuthSvc.log").write_bytes("\n".join(LINES).encode("utf-16"))  # the reference path

    real = census_unit.identities_of_unit

    def ctrl_c(unit, ctx, text=None):  # Ctrl-C when the reference's discovery comes to b/ (a/ is the census's)
        if "/b/" in unit.path.replace("\\", "/"):
            raise KeyboardInterrupt
        return real(unit, ctx, text)

    monkeypatch.setattr(census_unit, "identities_of_unit", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        inventory(_cfg(logs, jobs=2))
    assert [p.name for p in spools.iterdir() if p.name.startswith("mfalogscan-census-")] == []


# -- the CLI, with small thresholds, in a child process ---------------------------------------------------------

_RUNNER = r"""
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (a background job ignores SIGINT)
from mfalogscan.inventory import census_pool
census_pool.POOL_FROM, census_pool.BLOCK = 1, int(os.environ["BLOCK"])
class Slow(census_pool.Census):
    def lines(self, data, last):
        if os.environ.get("DIE") and self._line > 0:
            os._exit(9)  # a worker killed (OOM killer) on its second block
        if os.environ.get("SLOW"):
            time.sleep(0.5)
        super().lines(data, last)
census_pool.Census = Slow
from mfalogscan.cli import main
sys.argv = ["mfalogscan", "inventory", "-j", "2", "-f", "jsonl", "--as-of", "2026-12-01", sys.argv[1]]
main()
"""


def _run(tmp_path, env, sig=None, timeout=60):
    import signal
    import subprocess
    import sys

    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(("\n".join(LINES * 4000) + "\n").encode())  # 6 MB: 30 blocks
    runner = tmp_path / "runner.py"
    runner.write_text(_RUNNER)
    p = subprocess.Popen([sys.executable, str(runner), str(tmp_path / "MultiFactorAuthSvc.log")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                         env={**os.environ, **env})
    if sig is not None:
        time.sleep(1.5)
        os.killpg(p.pid, sig)  # Ctrl-C in a terminal: the whole process group
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return None, out, err.decode()
    return p.returncode, out, err.decode()


def test_a_pooled_run_prints_no_traceback_of_its_workers(tmp_path):
    rc, out, err = _run(tmp_path, {"BLOCK": "200000"})
    assert rc == 0
    assert "Traceback" not in err, err  # workers were forked with the CLI's SIGTERM handler, then terminate()d


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interrupted_pooled_run_ends(tmp_path, sig):
    import signal

    rc, out, err = _run(tmp_path, {"BLOCK": "200000", "SLOW": "1"}, getattr(signal, sig),
                        timeout=30)
    # it once said 'interrupted'/'terminated', then hung at exit: the inboxes' feeder threads still wrote blocks
    # (over the 64 KiB a pipe holds) to workers that were gone
    assert rc == (130 if sig == "SIGINT" else 143), err
    assert "Traceback" not in err, err


def test_a_worker_killed_with_big_blocks_in_flight_does_not_hang_the_run(tmp_path):
    rc, out, err = _run(tmp_path, {"BLOCK": "200000", "DIE": "1"}, timeout=30)
    assert rc is not None, "still running after 30 s"  # it once hung at exit (the source 'unreadable': _Died)
