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
import zlib

import pytest

from mfalogscan.sources.openers import MAX_NESTING

from .test_faults_content import block, gzip_bytes, issues_with, noisy_log, run_both


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


# ---------------------------------------------------------------- a cut tar


def _tar_of(members: list[tuple[str, bytes]], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1709856000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _tags_before(tags: list[tuple[str, int]], readable: int) -> set[str]:
    """The tags whose quoted name ends within the first `readable` bytes (a cut-off last line counts too)."""
    return {t for t, end in tags if end <= readable}


@pytest.mark.parametrize("compressed", [False, True], ids=["tar", "tar.gz"])
def test_fault_a_tar_cut_inside_a_member_scans_the_bytes_before_the_cut(tmp_path, compressed):
    """Issue 13: tarfile refuses a short read whole, so of the cut member only the sample read to sniff it was
    scanned: 50 of the 201 quoted names before the cut were found (50 of 240 in the .tar.gz)."""
    first, ftags = block("F", n=20)
    second, stags = noisy_log("S", 4000, seed=13)
    data = _tar_of([("Logs/a.log", first), ("Logs/b.log", second)])
    start = tarfile.open(fileobj=io.BytesIO(data)).getmember("Logs/b.log").offset_data  # where its bytes begin
    p = tmp_path / ("logs.tar.gz" if compressed else "logs.tar")
    if compressed:
        packed = gzip_bytes(data)
        cut = packed[: len(packed) * 3 // 5]
        present = zlib.decompressobj(31).decompress(cut)
    else:
        tag, end = stags[len(stags) // 2]
        cut = present = data[: start + end + len(f' value Phone from "555" to "{tag}"')]  # its line without its end
    p.write_bytes(cut)
    readable = len(present) - start
    assert 0 < readable < len(second)
    res = run_both(p)
    a, b = res.source(f"{p}!Logs/a.log"), res.source(f"{p}!Logs/b.log")
    assert res.tags(a["path"]) == set(ftags) and a["status"] == "scanned"
    expected = _tags_before(stags, readable)
    assert len(expected) > len(stags) // 3
    assert res.tags(b["path"]) == expected, (len(res.tags(b["path"])), len(expected))
    assert b["status"] == "partial" and b["bytes"] == readable
    (lost,) = issues_with(b, "tar archive ends inside this member")
    assert lost["severity"] == "lost" and lost["offset"] == readable
    assert issues_with(res.source(p), "ends inside the member 'Logs/b.log'")
    assert res.rc == 2 and f"{p}!Logs/b.log: " in res.stderr


def test_fault_a_tar_cut_or_damaged_at_a_header_is_never_silent(tmp_path):
    """Issue 13: a tar cut between two members or inside a header, or with a damaged header, ended its member list
    without a word: the members after it were lost behind exit status 0."""
    logs = [(f"Logs/{c}.log", block(c.upper(), n=5)) for c in "abc"]
    data = _tar_of([(name, content) for name, (content, _) in logs])
    b_header = data.index(b"Logs/b.log")
    c_header = data.index(b"Logs/c.log")
    damaged = bytearray(data)
    damaged[b_header : b_header + 512] = b"not a header" * 42 + b"!!!!!!!!"
    cases = {
        "between.tar": (data[:b_header], "between two members, without its end-of-archive blocks", "damaged", {"a"}),
        "header.tar": (data[: b_header + 100], f"ends inside a header (at byte {b_header})", "lost", {"a"}),
        "damaged.tar": (bytes(damaged), f"bytes {b_header} to {c_header} are not tar headers", "lost", {"a", "c"}),
        "after.tar": (data + b"not tar " * 100, f"bytes from {len(data)} to its end are not tar data", "lost", {"a", "b", "c"}),
    }
    for name, (content, says, severity, read) in cases.items():
        p = tmp_path / name
        p.write_bytes(content)
        res = run_both(p)
        for member, (_, tags) in logs:
            assert (res.tags(f"{p}!{member}") == set(tags)) == (member[5] in read), (name, member)
        (issue,) = issues_with(res.source(p), says)
        assert issue["severity"] == severity, (name, issue)
        assert res.source(p)["status"] == ("partial" if severity == "lost" else "scanned"), name
        assert res.rc == 2 and str(p) in res.stderr, name

    # A second tar appended to the first (`cat a.tar b.tar`): read on past the first one's end-of-archive blocks.
    p = tmp_path / "two.tar"
    p.write_bytes(data + _tar_of([("Logs/d.log", block("D", n=2)[0])]))
    res = run_both(p)
    assert res.tags(f"{p}!Logs/d.log") == {"D0", "D1"} and res.tags(f"{p}!Logs/a.log") == set(logs[0][1][1])
    assert res.source(p)["status"] == "scanned" and not res.source(p)["issues"] and res.rc == 0
