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

from .test_faults_content import block, gzip_bytes, issues_with, native, noisy_log, run_both


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


# ---------------------------------------------------------------- 7z


@pytest.fixture
def py7zr():
    return pytest.importorskip("py7zr", minversion="1.1.4", reason="the 7z tests build and read their archives "
                               "with py7zr 1.1.4 or later (in the test extra; pip install 'mfalogscan[sevenz]')")


def _7z(py7zr, path, members, mode="w", plain_header=False, **options) -> None:
    """Write (or with mode "a", append as a new solid block) `members`, a list of (name, bytes)."""
    archive = py7zr.SevenZipFile(path, mode, **options)
    if plain_header:
        archive.set_encoded_header_mode(False)  # so that a test can find and change a coder in it
    for name, data in members:
        archive.writestr(data, name)
    archive.close()


def _found_lines(res, source) -> set[int]:
    return {f["line"] for f in res.findings if f["source"] == str(source)}


def _quoted_lines_before(data: bytes, end: int) -> set[int]:
    """Lines (1-based) whose quoted jdoe ends within the first `end` bytes of `data`."""
    out, at = set(), 0
    for number, line in enumerate(data.split(b"\n"), 1):
        i = line.find(b'"jdoe"')
        if i >= 0 and at + i + 6 <= end:
            out.add(number)
        at += len(line) + 1
    return out


def test_fault_7z_archives_are_read_member_by_member(tmp_path, py7zr):
    """Issue 13: a .7z was one binary file, skipped: 0 found, exit 1."""
    plain, ptags = block("P", n=5)
    zipped, ztags = block("Z", n=3)
    later, ltags = block("L", n=2)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("MultiFactorAuthSvc.log", zipped)
    tree = tmp_path / "tree"
    (tree / "Logs" / "old").mkdir(parents=True)
    (tree / "Logs" / "shadow").symlink_to("/etc/shadow")
    odd = native("K").decode() + "\n"  # a link whose data reads as a log line, as a damaged (or forged) flag would
    (tree / "Logs" / odd).touch()  # py7zr stores only links to what exists
    (tree / "Logs" / "odd").symlink_to(odd)
    p = tmp_path / "logs-backup.bak"  # recognised by its content, whatever its name
    with py7zr.SevenZipFile(p, "w") as archive:
        archive.write(tree / "Logs" / "old", "Logs/old")  # a folder: structure, not a source
        archive.write(tree / "Logs" / "shadow", "Logs/shadow")
        archive.write(tree / "Logs" / "odd", "Logs/odd")
        archive.writestr(plain, "Logs/a.log")
        archive.writestr(gzip_bytes(plain.replace(b'"P', b'"G')), "Logs/a.log.1.gz")
        archive.writestr(inner.getvalue(), "Logs/old/logs.zip")
        archive.writestr(b"", "Logs/empty.log")
    _7z(py7zr, p, [("Logs/later.log", later)], mode="a")  # a second solid block
    res = run_both(p)
    assert res.tags() == set(ptags + [t.replace("P", "G") for t in ptags] + ztags + ltags + ["K"])
    (flag,) = issues_with(res.source(f"{p}!Logs/odd"), "marked as a link, but its data is no link target")
    assert flag["severity"] == "damaged" and res.source(f"{p}!Logs/odd")["status"] == "scanned"
    assert res.source(f"{p}!Logs/a.log")["compression"] == "7z"
    assert res.source(f"{p}!Logs/a.log.1.gz")["compression"] == "7z+gzip"
    assert res.source(f"{p}!Logs/old/logs.zip!MultiFactorAuthSvc.log")["compression"] == "7z+zip"
    assert res.source(f"{p}!Logs/empty.log")["status"] == "scanned" and res.source(f"{p}!Logs/empty.log")["bytes"] == 0
    assert res.source(f"{p}!Logs/later.log")["stored_bytes"] is not None  # alone in its block: its packed size
    link = res.source(f"{p}!Logs/shadow")
    assert link["status"] == "skipped" and link["reason"] == "a link (to '/etc/shadow') inside the 7z archive; not followed"
    assert res.source(p)["reason"] == "7z archive with 7 member(s), each listed as its own source"
    assert all(s["status"] == "scanned" for s in res.sources if s is not link)
    assert res.rc == 2 and f"{p}!Logs/odd: the 7z entry is marked as a link" in res.stderr  # only that one's flag


@pytest.mark.parametrize("method", ["LZMA2", "LZMA", "BZIP2", "DEFLATE", "PPMD", "COPY", "ZSTD", "BROTLI"])
def test_fault_7z_of_each_method_is_found_in_full(tmp_path, py7zr, method):
    """bzip2 gives nothing until it has a whole block (up to 900 KB packed): a step that gave nothing was taken for
    the end of the data, so a BZip2 7z made by 7-Zip was `partial` at 0 bytes, its other members unread."""
    data, tags = noisy_log("M", 6000, seed=3)
    p = tmp_path / f"{method.lower()}.7z"
    try:
        _7z(py7zr, p, [("a.log", data), ("b.log", data.replace(b'"M', b'"N'))],
            filters=[{"id": getattr(py7zr, f"FILTER_{method}")}])
    except Exception as e:  # noqa: BLE001 - zstd and brotli need a module of their own, to write as to read
        pytest.skip(f"py7zr cannot write {method} here ({type(e).__name__}: {e})")
    res = run_both(p)
    names = {t for t, _ in tags}
    assert res.tags(f"{p}!a.log") == names and res.tags(f"{p}!b.log") == {t.replace("M", "N") for t in names}
    assert all(s["status"] == "scanned" for s in res.sources) and res.rc == 0


def test_fault_7z_inside_other_archives_is_read(tmp_path, py7zr):
    data, tags = block("S", n=4)
    seven = tmp_path / "inner.7z"
    _7z(py7zr, seven, [("MultiFactorAuthSvc.log", data)])
    zipped = tmp_path / "outer.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(seven, "backup/inner.7z")
    tarred = tmp_path / "outer.tar.gz"
    with tarfile.open(tarred, "w:gz") as tf:
        tf.add(seven, "backup/inner.7z")
    for outer, chain in ((zipped, "zip+7z"), (tarred, "gzip+tar+7z")):
        res = run_both(outer)
        member = f"{outer}!backup/inner.7z!MultiFactorAuthSvc.log"
        assert res.tags(member) == set(tags) and res.source(member)["compression"] == chain
        assert res.rc == 0


def test_fault_7z_without_a_usable_py7zr_is_unreadable_and_names_the_fix(tmp_path, py7zr, monkeypatch):
    import subprocess
    import sys

    from mfalogscan import ScanConfig, Subject, scan
    from mfalogscan.sources.sevenz import NEED_PY7ZR

    data, _ = block("X", n=2)
    p = tmp_path / "logs.7z"
    _7z(py7zr, p, [("a.log", data)])
    hide = "import sys; sys.modules['py7zr'] = None; sys.argv[0] = 'mfalogscan'; from mfalogscan.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", hide, "scan", str(p), "--user", "jdoe", "-f", "jsonl"],
                          capture_output=True, text=True, cwd="/tmp")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{p}: {NEED_PY7ZR}" in proc.stderr
    config = ScanConfig(paths=(str(p),), subjects=(Subject("jdoe"),))
    monkeypatch.setattr(py7zr, "__version__", "1.1.3")  # one that loops forever on a damaged header
    (src,) = scan(config).sources
    assert src.status == "unreadable" and src.reason == ("7z archive: py7zr 1.1.3 can loop forever on a damaged 7z, "
                                                         "so it is not used: install mfalogscan[sevenz] (py7zr 1.1.4 "
                                                         "or later) to read it")
    monkeypatch.setitem(sys.modules, "py7zr", None)  # as if it were not installed
    report = scan(config)
    (src,) = report.sources
    assert src.status == "unreadable" and src.reason == NEED_PY7ZR == "7z archive: install mfalogscan[sevenz] (py7zr) to read it"
    assert src.issues[0].severity == "lost" and src.compression == "7z" and report.exit_status() == 2


def test_fault_a_cut_7z_is_unreadable_and_says_why(tmp_path, py7zr, monkeypatch):
    """7z writes its list of members at its end: a cut archive cannot be listed, and says so."""
    data, _ = block("C", n=20)
    whole = tmp_path / "whole.7z"
    _7z(py7zr, whole, [("a.log", data), ("b.log", data)])
    blob = whole.read_bytes()
    cut = tmp_path / "cut.7z"
    cut.write_bytes(blob[: len(blob) // 2])
    res = run_both(cut)
    src = res.source(cut)
    assert src["status"] == "unreadable" and res.rc == 2
    assert src["reason"].startswith(f"the 7z archive ends before its list of members, which 7z writes at its end: "
                                    f"the file has {len(blob) // 2} bytes and the list would end at byte {len(blob)}")
    assert f"{cut}: the 7z archive ends before its list of members" in res.stderr
    with monkeypatch.context() as m:  # told without py7zr too: installing it would not help
        import sys

        from .helpers import run

        m.setitem(sys.modules, "py7zr", None)
        assert run(str(cut)).sources[0].reason == src["reason"]
    # Cut inside its 32-byte start header: not a 7z that can be told; read as the bytes it holds, and said.
    stub = tmp_path / "stub.7z"
    stub.write_bytes(blob[:20])
    res = run_both(stub)
    (issue,) = issues_with(res.source(stub), "starts like 7z data but is not 7z")
    assert "ends inside the 32-byte start header" in issue["message"] and issue["severity"] == "damaged"
    assert res.source(stub)["bytes"] == 20 and res.rc == 2


def test_fault_a_damaged_7z_block_keeps_what_came_before_and_reads_the_next_block(tmp_path, py7zr):
    a, atags = block("A", n=5)
    b, _ = noisy_log("B", 6000, seed=7)
    c, _ = block("C", n=5)
    d, dtags = block("D", n=5)
    p = tmp_path / "damaged.7z"
    _7z(py7zr, p, [("a.log", a), ("b.log", b), ("c.log", c)])
    packed = p.stat().st_size - 32  # about: the first block is all of it but its list of members
    _7z(py7zr, p, [("d.log", d)], mode="a")
    blob = bytearray(p.read_bytes())
    at = 32 + packed * 2 // 3  # inside b.log's part of the first block
    blob[at : at + 64] = bytes(x ^ 0x5A for x in blob[at : at + 64])
    p.write_bytes(bytes(blob))
    res = run_both(p)
    sb = res.source(f"{p}!b.log")
    assert res.tags(f"{p}!a.log") == set(atags) and res.source(f"{p}!a.log")["status"] == "scanned"
    assert sb["status"] == "partial" and 0 < sb["bytes"] < len(b)
    (lost,) = issues_with(sb, "7z data could not be decompressed after")
    assert lost["severity"] == "lost" and lost["offset"] == sb["bytes"]
    assert _found_lines(res, sb["path"]) == _quoted_lines_before(b, sb["bytes"])  # every name before the damage
    sc = res.source(f"{p}!c.log")
    assert sc["status"] == "unreadable" and "it follows the member 'b.log' in the same solid 7z block" in sc["reason"]
    assert res.tags(f"{p}!d.log") == set(dtags)  # the next block is read as usual
    assert res.rc == 2 and f"{p}!c.log: not read" in res.stderr


def test_fault_a_7z_member_failing_its_crc_is_scanned_and_damaged(tmp_path, py7zr):
    a, atags = block("A", n=5)
    b, btags = block("B", n=5)
    p = tmp_path / "crc.7z"
    _7z(py7zr, p, [("a.log", a), ("b.log", b)], filters=[{"id": py7zr.FILTER_COPY}])  # stored: damage decodes
    blob = bytearray(p.read_bytes())
    at = 32 + len(a) + b.index(b"Pfauth")  # a letter of a filler line of b.log
    blob[at] ^= 0x20
    p.write_bytes(bytes(blob))
    res = run_both(p)
    sb = res.source(f"{p}!b.log")
    assert res.tags(f"{p}!a.log") == set(atags) and res.tags(sb["path"]) == set(btags)
    assert sb["status"] == "scanned" and sb["bytes"] == len(b)
    (bad,) = issues_with(sb, "fails its CRC-32 check")
    assert bad["severity"] == "damaged" and res.rc == 2


def test_fault_an_encrypted_7z_is_unreadable_and_says_why(tmp_path, py7zr):
    data, _ = block("E", n=3)
    listed = tmp_path / "listed.7z"
    _7z(py7zr, listed, [("a.log", data), ("b.log", data)], password="secret")
    res = run_both(listed)
    for name in ("a.log", "b.log"):
        src = res.source(f"{listed}!{name}")
        assert src["status"] == "unreadable" and src["reason"].startswith("encrypted 7z member; not scanned (no "
                                                                          "password is tried")
    assert res.source(listed)["status"] == "scanned" and not res.findings and res.rc == 2
    hidden = tmp_path / "hidden.7z"
    _7z(py7zr, hidden, [("a.log", data)], password="secret", header_encryption=True)
    res = run_both(hidden)
    src = res.source(hidden)
    assert src["status"] == "unreadable" and "list of members is encrypted too" in src["reason"] and res.rc == 2


def test_fault_a_7z_method_py7zr_cannot_decompress_is_unreadable_and_says_why(tmp_path, py7zr):
    """A block whose coder is unknown (LZMA2's id changed to 7E in the list of members); the next block is read."""
    import struct

    a, _ = block("A", n=3)
    b, btags = block("B", n=3)
    p = tmp_path / "method.7z"
    _7z(py7zr, p, [("a.log", a)], filters=[{"id": py7zr.FILTER_LZMA2}])
    _7z(py7zr, p, [("b.log", b)], mode="a", plain_header=True, filters=[{"id": py7zr.FILTER_COPY}])
    blob = bytearray(p.read_bytes())
    offset, size = struct.unpack("<QQ", blob[12:28])
    header = bytes(blob[32 + offset : 32 + offset + size])
    at = 32 + offset + header.index(b"\x21\x21\x01")  # flags (id of 1 byte, with properties), id 21: LZMA2
    blob[at + 1] = 0x7E
    blob[28:32] = struct.pack("<I", zlib.crc32(bytes(blob[32 + offset : 32 + offset + size])))
    blob[8:12] = struct.pack("<I", zlib.crc32(bytes(blob[12:32])))
    p.write_bytes(bytes(blob))
    res = run_both(p)
    src = res.source(f"{p}!a.log")
    assert src["status"] == "unreadable" and src["reason"].startswith("7z compression method 7e is not one py7zr")
    assert res.tags(f"{p}!b.log") == set(btags) and res.rc == 2


def test_fault_a_7z_bomb_stops_at_the_limit_and_the_next_block_is_read(tmp_path, py7zr, monkeypatch):
    from mfalogscan.sources import budget

    from .helpers import run

    monkeypatch.setattr(budget.Budget, "FLOOR", 1 << 20)  # as the other bomb tests: small inputs
    line = block("Z", n=1)[0]
    p = tmp_path / "bomb.7z"
    _7z(py7zr, p, [("bomb.log", line + bytes(64 << 20)), ("after.log", line)])
    _7z(py7zr, p, [("next.log", line * 3)], mode="a")
    assert p.stat().st_size < 64 << 10
    r = run(str(p))
    by = {s.path.split("!")[-1]: s for s in r.sources}
    assert by["bomb.log"].status == "partial" and "decompression bomb" in by["bomb.log"].reason
    assert "--max-expansion" in by["bomb.log"].reason and by["bomb.log"].bytes < 64 << 20
    assert by["after.log"].status == "unreadable" and "follows the member 'bomb.log'" in by["after.log"].reason
    assert by["next.log"].status == "scanned" and by["next.log"].findings == 3
    assert by["bomb.log"].findings == 1 and r.exit_status() == 2
    everything = run(str(p), max_expansion=0)  # no limit: read to the end
    assert all(s.status == "scanned" for s in everything.sources) and len(everything.findings) == 5


def test_fault_a_big_7z_member_is_read_in_bounded_memory(tmp_path, py7zr):
    """A 128 MiB member with a quoted name at each end: read a step at a time, never whole (py7zr's own
    read()/readall() held a member in memory)."""
    from .test_faults_content import measured, other, parse_jsonl, peak_rss_of_cli

    filler = b"".join(other(i) + b"\n" for i in range(2000))
    log = tmp_path / "MultiFactorAuthSvc.log"
    with open(log, "wb") as f:
        f.write(native("FIRST") + b"\n")
        while f.tell() < 128 << 20:
            f.write(filler)
        f.write(native("LAST") + b"\n")
        size = f.tell()
    p = tmp_path / "big.7z"
    with py7zr.SevenZipFile(p, "w", filters=[{"id": py7zr.FILTER_LZMA2, "preset": 1}]) as archive:
        archive.write(log, "MultiFactorAuthSvc.log")
    log.unlink()
    rss, secs, rc, stdout = peak_rss_of_cli(p, timeout=300)
    assert rc is not None, f"no result within 300 s ({secs:.0f} s)"
    res = parse_jsonl(stdout)
    member = res.source(f"{p}!MultiFactorAuthSvc.log")
    measured("big 7z member", f"{p.stat().st_size} bytes -> {member['bytes']} bytes, rc={rc}, {secs:.1f} s, "
                              f"peak RSS {rss / (1 << 20):.1f} MiB")
    assert member["status"] == "scanned" and member["bytes"] == size and res.tags(member["path"]) == {"FIRST", "LAST"}
    assert rc == 0 and rss < 100 << 20, f"peak RSS {rss / (1 << 20):.1f} MiB"
