"""Fault catalogue: archives people keep logs in (issue 13): nesting, cut tar members, 7z.

Every test builds its own input in tmp_path (7z files with py7zr itself,
skipped with the reason when it is not installed), runs the CLI and the
library on it (`run_both`), and asserts what a careful forensic user should
get: every quoted name in the bytes that can be read found, every member
listed with a status, and exit status 2 with a reason wherever something
could not be read. docs/faults.md has a row for each test.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import pytest

from mfalogscan.sources.openers import MAX_NESTING

from .test_faults_content import block, issues_with, run_both


def _gzipped(data: bytes, times: int) -> bytes:
    for _ in range(times):
        data = gzip.compress(data, 1, mtime=0)
    return data


# ---------------------------------------------------------------- nesting


@pytest.mark.parametrize("times", [9, 20])
def test_fault_a_log_gzipped_many_times_is_found_in_full(tmp_path, times):
    """Issue 13: past 8 levels the data was searched as it was, judged binary and skipped: 0 found, exit 1."""
    data, tags = block("N", n=5)
    p = tmp_path / "MultiFactorAuthSvc.log.gz"
    p.write_bytes(_gzipped(data, times))
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(tags)
    assert src["status"] == "scanned" and src["bytes"] == len(data) and not src["issues"], src
    assert src["compression"] == "+".join(["gzip"] * times)
    assert res.rc == 0


def test_fault_nesting_of_archive_kinds_is_found_in_full(tmp_path):
    """A .tar.gz holding a zip holding a log gzipped 9 times: 12 levels, each opened."""
    data, tags = block("M", n=4)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("old/MultiFactorAuthSvc.log.gz", _gzipped(data, 9))
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:gz") as tf:
        info = tarfile.TarInfo("backup/logs.zip")
        info.size = len(inner.getvalue())
        tf.addfile(info, io.BytesIO(inner.getvalue()))
    p = tmp_path / "backup.tar.gz"
    p.write_bytes(tar.getvalue())
    res = run_both(p)
    member = f"{p}!backup/logs.zip!old/MultiFactorAuthSvc.log.gz"
    assert res.tags(member) == set(tags)
    assert res.source(member)["compression"] == "gzip+tar+zip+" + "+".join(["gzip"] * 9)
    assert res.rc == 0


def test_fault_nesting_past_the_cap_is_unreadable_with_why(tmp_path):
    """MAX_NESTING levels are read; one more (a gzip quine would nest forever) is unreadable, said, exit 2: never
    skipped as binary with exit 1."""
    data, tags = block("Q", n=2)
    at_cap = tmp_path / "deepest.log.gz"
    at_cap.write_bytes(_gzipped(data, MAX_NESTING))
    res = run_both(at_cap)
    assert res.tags(at_cap) == set(tags) and res.source(at_cap)["status"] == "scanned" and res.rc == 0
    p = tmp_path / "deep.log.gz"
    p.write_bytes(_gzipped(data, MAX_NESTING + 1))
    res = run_both(p)
    src = res.source(p)
    assert src["status"] == "unreadable", src
    assert f"nested {MAX_NESTING} levels deep" in src["reason"] and "not read" in src["reason"]
    assert issues_with(src, "nested") and issues_with(src, "nested")[0]["severity"] == "lost"
    assert src["compression"] == "+".join(["gzip"] * MAX_NESTING)
    assert res.rc == 2 and f"{p}: gzip data nested {MAX_NESTING} levels deep" in res.stderr

