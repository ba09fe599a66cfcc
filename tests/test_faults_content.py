"""Fault catalogue: broken file contents and archives, one test per row (written by a helper, then made to pass).

Every test builds a real file in tmp_path, runs the CLI
(`python -m mfalogscan scan PATH --user jdoe -f jsonl`) and, for the small
ones, the library (`scan(ScanConfig(...))`) too, and asserts what a careful
forensic user should get:

* no traceback;
* every quoted "jdoe" in the readable bytes found (lines are tagged
  `to "TAG"` so we know exactly which ones came back);
* the source listed with a status, and an issue naming what went wrong and
  where (an offset);
* exit status 2 where bytes could not be read or were damaged, 0/1 otherwise.

Where mfalogscan's current behaviour is wrong, the test asserts the right
behaviour and fails.  Results of the measured rows (200 MB line, zip bomb)
are printed (run with -s to see them). docs/faults.md is the table of these
rows with their behaviour.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from dataclasses import dataclass, field

import pytest

from mfalogscan import ScanConfig, Subject, scan

STATUSES = {"scanned", "partial", "skipped", "unreadable"}
MIB = 1024 * 1024


# ---------------------------------------------------------------- building input


def native(tag: str, name: str = "jdoe", second: int = 20) -> bytes:
    """A native MultiFactorAuthSvc.log line (no line end) whose quoted name change is tagged `to "TAG"`."""
    return (
        f"2024-03-07T18:{second // 60 % 60:02d}:{second % 60:02d}.006280Z|i|2960|4036|pfsvc|"
        f'User "CONTOSO\\admin" changed user "{name}" value Phone from "555" to "{tag}".'
    ).encode()


def other(i: int) -> bytes:
    """A line that does not mention jdoe (filler)."""
    return f"2024-03-07T18:30:{i % 60:02d}.000000Z|i|2960|4036|pfsvc|Pfauth succeeded for user 'alice' #{i}.".encode()


def block(prefix: str, n: int = 3, nl: bytes = b"\n", start: int = 0) -> tuple[bytes, list[str]]:
    """n jdoe lines tagged PREFIX0.., each followed by `nl`, with a filler line between them."""
    out, tags = [], []
    for i in range(n):
        tag = f"{prefix}{i}"
        tags.append(tag)
        out.append(native(tag, second=start + i) + nl)
        out.append(other(start + i) + nl)
    return b"".join(out), tags


def noisy_log(prefix: str, n_lines: int, seed: int, every: int = 10) -> tuple[bytes, list[tuple[str, int]]]:
    """A log that compresses badly (random hex in every line), a jdoe line every `every` lines.

    Returns the bytes and, per jdoe line, (tag, offset just past its `"jdoe"`).
    """
    rnd = random.Random(seed)
    out, tags, pos = [], [], 0
    for i in range(n_lines):
        if i % every == 0:
            tag = f"{prefix}{i}"
            line = native(tag, second=i) + b"\n"
            tags.append((tag, pos + line.index(b'"jdoe"') + 6))
        else:
            line = other(i)[:-1] + b" " + rnd.randbytes(24).hex().encode() + b".\n"
        out.append(line)
        pos += len(line)
    return b"".join(out), tags


def gzip_bytes(data: bytes, mtime: int = 1709836820) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=mtime)


# ---------------------------------------------------------------- running it


@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str
    findings: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    summary: dict | None = None

    def source(self, path) -> dict:
        path = str(path)
        hits = [s for s in self.sources if s["path"] == path]
        assert hits, f"source {path!r} is not listed; listed: {[s['path'] for s in self.sources]}"
        return hits[0]

    def tags(self, source=None) -> set[str]:
        """Tags (`to "TAG"`) of the quoted jdoe findings, of one source or all."""
        out = set()
        for f in self.findings:
            if source is not None and f["source"] != str(source):
                continue
            assert f["user"] == "jdoe" and f["quoted"]
            m = re.search(r'to "([A-Za-z0-9]+)"', f["text"])
            out.add(m.group(1) if m else f"?line{f['line']}")
        return out


def run_cli(path, *extra, timeout: float = 300) -> Result:
    cmd = [sys.executable, "-m", "mfalogscan", "scan", str(path), "--user", "jdoe", "-f", "jsonl", *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/tmp")
    res = Result(p.returncode, p.stdout, p.stderr)
    for line in p.stdout.splitlines():
        obj = json.loads(line)
        {"finding": res.findings, "source": res.sources}.get(obj["type"], []).append(obj)
        if obj["type"] == "summary":
            res.summary = obj
    assert "Traceback" not in p.stderr, p.stderr
    assert "internal error" not in p.stdout, "a source hit an internal error: " + p.stdout[-2000:]
    assert res.summary is not None, f"no summary (rc={p.returncode}); stderr: {p.stderr[-2000:]}"
    _dump(res)
    for s in res.sources:
        assert s["status"] in STATUSES
        assert s["status"] == "scanned" or s["reason"], f"{s['path']}: status {s['status']} without a reason"
    return res


def _dump(res: Result) -> None:
    """With FAULT_DUMP=FILE, record what each test observed (for the behaviour table)."""
    out = os.environ.get("FAULT_DUMP")
    if not out:
        return
    keep = ("path", "status", "reason", "encoding", "compression", "bytes", "stored_bytes", "lines",
            "undecodable_bytes", "nul_bytes", "findings", "issues")
    with open(out, "a") as f:
        f.write(json.dumps({"test": os.environ.get("PYTEST_CURRENT_TEST", "?"), "rc": res.rc,
                            "tags": sorted(res.tags()), "sources": [{k: s.get(k) for k in keep} for s in res.sources]}) + "\n")


def run_both(path) -> Result:
    """CLI, plus the library on the same path: both must agree on findings and exit status."""
    res = run_cli(path)
    report = scan(ScanConfig(paths=(str(path),), subjects=(Subject("jdoe"),)))
    assert report.exit_status() == res.rc, (report.exit_status(), res.rc)
    assert [(f.source, f.line, f.offset) for f in report.findings] == [
        (f["source"], f["line"], f["offset"]) for f in res.findings
    ]
    return res


def peak_rss_of_cli(path, timeout: float) -> tuple[int | None, float, int | None, str]:
    """Run the CLI in a fresh grandchild and return (peak RSS of the CLI in bytes, seconds, rc, stdout).

    A wrapper process runs the CLI and reads getrusage(RUSAGE_CHILDREN), so
    the figure is the CLI's alone, not the largest of every child pytest ran.
    rc is None (and RSS None) when the timeout was hit.
    """
    wrapper = textwrap.dedent(
        """
        import resource, subprocess, sys, json
        p = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        sys.stderr.buffer.write(p.stderr)
        sys.stdout.buffer.write(p.stdout)
        open(sys.argv[1], "w").write(json.dumps({"rc": p.returncode, "maxrss_kib": ru.ru_maxrss}))
        """
    )
    info = str(path) + ".rusage.json"
    cmd = [sys.executable, "-c", wrapper, info,
           sys.executable, "-m", "mfalogscan", "scan", str(path), "--user", "jdoe", "-f", "jsonl"]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/tmp")
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - t0, None, ""
    elapsed = time.monotonic() - t0
    assert "Traceback" not in p.stderr, p.stderr
    with open(info) as f:
        data = json.load(f)
    return data["maxrss_kib"] * 1024, elapsed, data["rc"], p.stdout


def parse_jsonl(stdout: str) -> Result:
    res = Result(0, stdout, "")
    for line in stdout.splitlines():
        obj = json.loads(line)
        {"finding": res.findings, "source": res.sources}.get(obj["type"], []).append(obj)
        if obj["type"] == "summary":
            res.summary = obj
    return res


def measured(row: str, text: str) -> None:
    print(f"[{row}] {text}")


def issues_with(src: dict, *words: str) -> list[dict]:
    """Issues of a source whose message mentions every word (case-insensitive)."""
    return [i for i in src["issues"] if all(w.lower() in i["message"].lower() for w in words)]


def assert_offsets_point_at_lines(res: Result, data: bytes, path) -> None:
    """Every finding's offset is the first byte of its physical line in the stored bytes."""
    for f in res.findings:
        if f["source"] != str(path):
            continue
        off = f["offset"]
        assert off == 0 or data[off - 1:off] in (b"\n", b"\r"), f"offset {off} is not a line start"
        assert b'"jdoe"' in data[off:].split(b"\n", 1)[0].split(b"\r", 1)[0] or b"\x00" in data[off:off + 1]


# ================================================================ plain contents


def test_fault_empty_file(tmp_path):
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(b"")
    res = run_both(p)
    src = res.source(p)
    assert src["status"] == "scanned"
    assert src["bytes"] == 0 and src["lines"] == 0
    assert src["sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert not [i for i in src["issues"] if i["severity"] in ("lost", "damaged")]
    assert res.findings == []
    assert res.rc == 1


def test_fault_only_nuls(tmp_path):
    """A log pre-allocated and never written (or zeroed by a crash): all NULs."""
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(b"\x00" * 10000)
    res = run_both(p)
    src = res.source(p)
    assert src["status"] == "scanned", src
    assert src["bytes"] == 10000
    assert src["nul_bytes"] == 10000
    # The NULs must be reported as an issue naming them and where they start.
    nul = issues_with(src, "nul")
    assert nul, f"no issue reports the NUL bytes: {src['issues']}"
    assert nul[0]["offset"] == 0
    assert res.findings == []
    assert res.rc == 1


def test_fault_nul_run_mid_text(tmp_path):
    """A crash mid-write: a 4 KiB NUL run, then the log goes on (its first line glued to the NULs)."""
    before, btags = block("B")
    after, atags = block("A", start=10)
    run_start = len(before)
    data = before + b"\x00" * 4096 + after
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags + atags)
    assert_offsets_point_at_lines(res, data, p)
    assert src["status"] == "scanned"
    assert src["nul_bytes"] == 4096
    nul = issues_with(src, "nul")
    assert nul, f"no issue reports the NUL run: {src['issues']}"
    assert nul[0]["offset"] == run_start, nul
    assert res.rc == 0


def test_fault_single_200mb_line_no_newline(tmp_path):
    """One 200 MB line, no newline, the quoted "jdoe" near its end."""
    p = tmp_path / "MultiFactorAuthSvc.log"
    head = b"2024-03-07T18:20:20.006280Z|i|2960|4036|pfsvc|"
    tail = b'User "CONTOSO\\admin" changed user "jdoe" value Phone from "555" to "LONG1". end'
    filler_unit = b"lorem ipsum dolor sit amet 0123456789 "
    total = 200 * MIB
    n_units = (total - len(head) - len(tail)) // len(filler_unit)
    with open(p, "wb") as f:
        f.write(head)
        chunk = filler_unit * (MIB // len(filler_unit))
        left = n_units * len(filler_unit)
        while left > 0:
            piece = chunk[:left]
            f.write(piece)
            left -= len(piece)
        f.write(tail)
    size = p.stat().st_size
    jdoe_at = size - len(tail) + tail.index(b'"jdoe"')
    assert size - jdoe_at < 100

    rss, secs, rc, stdout = peak_rss_of_cli(p, timeout=300)
    assert rc is not None, "timed out"
    res = parse_jsonl(stdout)
    res.rc = rc
    _dump(res)
    measured("200 MB line", f"size={size} bytes, rc={rc}, elapsed={secs:.1f}s, peak RSS={rss / MIB:.1f} MiB")
    src = res.source(p)
    assert src["status"] == "scanned", src
    assert src["bytes"] == size and src["lines"] == 1
    assert len(res.findings) == 1
    f = res.findings[0]
    assert f["line"] == 1 and f["offset"] == 0
    assert f["text_truncated"] is True and '"jdoe"' in f["text"] and 'to "LONG1"' in f["text"]
    assert rc == 0
    assert rss < 100 * MIB, f"peak RSS {rss / MIB:.1f} MiB is over 100 MiB"


def test_fault_last_line_without_newline(tmp_path):
    before, btags = block("B")
    last = native("LAST", second=50)
    data = before + last
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags + ["LAST"])
    assert src["status"] == "scanned" and src["lines"] == 7 and src["bytes"] == len(data)
    f = [f for f in res.findings if "LAST" in f["text"]][0]
    assert f["line"] == 7 and f["offset"] == len(before) and f["text"] == last.decode()
    assert_offsets_point_at_lines(res, data, p)
    assert res.rc == 0


def test_fault_lone_cr_line_endings(tmp_path):
    """Classic Mac line ends: CR only."""
    before, btags = block("B", nl=b"\r")
    after, atags = block("A", nl=b"\r", start=10)
    data = before + after
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags + atags)
    assert src["status"] == "scanned" and src["lines"] == 12
    assert [f["line"] for f in res.findings] == [1, 3, 5, 7, 9, 11]
    assert all("\r" not in f["text"] for f in res.findings)
    assert_offsets_point_at_lines(res, data, p)
    assert res.rc == 0


def test_fault_mixed_crlf_lf(tmp_path):
    lines = [native(f"M{i}", second=i) if i % 2 == 0 else other(i) for i in range(12)]
    ends = [b"\r\n" if i % 3 else b"\n" for i in range(12)]
    data = b"".join(l + e for l, e in zip(lines, ends))
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == {f"M{i}" for i in range(0, 12, 2)}
    assert src["status"] == "scanned" and src["lines"] == 12
    assert [f["line"] for f in res.findings] == [1, 3, 5, 7, 9, 11]
    assert all(not f["text"].endswith("\r") for f in res.findings), [f["text"][-5:] for f in res.findings]
    assert_offsets_point_at_lines(res, data, p)
    # Both are line ends; that the kind changes is said, at the first CRLF (issue 13).
    mixed = issues_with(src, "line ends of more than one kind")
    assert len(mixed) == 1 and mixed[0]["offset"] == data.index(b"\r\n") and mixed[0]["severity"] == "warning"
    assert res.rc == 0


# ================================================================ encodings


def test_fault_invalid_utf8(tmp_path):
    before, btags = block("B")
    after, atags = block("A", start=10)
    bad1 = b"2024-03-07T18:21:00.000000Z|i|2960|4036|pfsvc|garbled \xc3( and \xff\xfe\xfd here\n"
    bad2 = native("BAD2", second=40).replace(b'"555"', b'"5\x805"') + b"\n"  # invalid byte inside a jdoe line
    data = before + bad1 + bad2 + after
    first_bad = len(before) + bad1.index(b"\xc3")
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags + atags + ["BAD2"])
    assert src["status"] == "scanned"
    assert src["undecodable_bytes"] == 5  # C3 | FF FE FD | 80
    assert src["encoding"].startswith("utf-8")
    bad = issues_with(src, "undecodable")
    assert bad and bad[0]["severity"] == "warning"
    assert_offsets_point_at_lines(res, data, p)
    assert res.rc == 0
    # Where: the offset of the first undecodable byte.
    assert bad[0]["offset"] == first_bad, f"issue gives no/incorrect offset: {bad[0]}"


def test_fault_utf16_odd_byte_count(tmp_path):
    """UTF-16-LE with BOM, cut one byte into a code unit."""
    before, btags = block("B", nl=b"\r\n")
    after, atags = block("A", nl=b"\r\n", start=10)
    text = (before + after).decode()
    data = b"\xff\xfe" + text.encode("utf-16-le") + b"2"  # half of the next '2' of a timestamp
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    assert len(data) % 2 == 1
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags + atags)
    assert src["encoding"] == "utf-16-le (BOM)"
    assert src["status"] == "scanned"
    assert src["bytes"] == len(data)
    assert src["undecodable_bytes"] == 1
    for f in res.findings:  # offsets are into the UTF-16 bytes and point at the line's first byte
        assert data[f["offset"]:].decode("utf-16-le", "replace").startswith("2024-03-07T18:")
    bad = issues_with(src, "undecodable") or issues_with(src, "odd") or issues_with(src, "truncat")
    assert bad, src["issues"]
    assert res.rc == 0
    assert bad[0]["offset"] == len(data) - 1, f"issue gives no/incorrect offset of the dangling byte: {bad[0]}"


def test_fault_lying_bom_utf16_then_utf8(tmp_path):
    """A UTF-16-LE BOM (FF FE) in front of UTF-8 text: a careful scanner notices the lie and still finds the names."""
    before, btags = block("B", nl=b"\r\n")
    after, atags = block("A", nl=b"\r\n", start=10)
    data = b"\xff\xfe" + before + after
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    res = run_both(p)
    src = res.source(p)
    print("lying BOM:", {k: src[k] for k in ("status", "encoding", "lines", "undecodable_bytes", "issues")})
    assert src["status"] in ("scanned", "partial")
    # Every quoted "jdoe" in the bytes is found ...
    assert res.tags(p) == set(btags + atags), f"found {res.tags(p)} (encoding {src['encoding']})"
    # ... and the mismatch between BOM and content is reported at offset 0.
    bom = issues_with(src, "bom")
    assert bom and bom[0]["offset"] == 0, src["issues"]
    assert res.rc == 0


def test_fault_overlong_utf8_and_encoded_surrogates(tmp_path):
    before, btags = block("B")
    after, atags = block("A", start=10)
    # C0 A2 is an overlong '"': it must not count as a quote.
    overlong_quote = (b"2024-03-07T18:21:00.000000Z|i|2960|4036|pfsvc|"
                      b"User \"CONTOSO\\admin\" changed user \xc0\xa2jdoe\xc0\xa2 value Phone.\n")
    overlong_slash = native("OVL", second=41).replace(b"CONTOSO\\", b"CONTOSO\xe0\x80\xaf") + b"\n"  # E0 80 AF: '/'
    surrogate = native("SUR", second=42).replace(b'"555"', b'"\xed\xa0\x80"') + b"\n"  # ED A0 80: U+D800
    data = before + overlong_quote + overlong_slash + surrogate + after
    first_bad = len(before) + overlong_quote.index(b"\xc0")
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags + atags + ["OVL", "SUR"]), res.tags(p)
    assert not any("\xc0" in f["text"] or "\ud800" in f["text"] for f in res.findings)
    assert all(f["line"] != len(before.split(b"\n")) for f in res.findings), "overlong quote read as a quote"
    assert src["status"] == "scanned"
    assert src["undecodable_bytes"] == 10  # C0 A2 x2, E0 80 AF, ED A0 80
    bad = issues_with(src, "undecodable")
    assert bad and bad[0]["severity"] == "warning"
    assert res.rc == 0
    assert bad[0]["offset"] == first_bad, f"issue gives no/incorrect offset: {bad[0]}"


# ================================================================ gzip


def test_fault_truncated_gzip(tmp_path):
    content, tags = noisy_log("G", 3000, seed=1)
    gz = gzip_bytes(content)
    cut = gz[: len(gz) // 2]
    readable = zlib.decompressobj(31).decompress(cut)  # what a decoder can give from the cut bytes
    assert content.startswith(readable) and 0 < len(readable) < len(content)
    expected = {t for t, end in tags if end <= len(readable)}
    p = tmp_path / "MultiFactorAuthSvc.log.1.gz"
    p.write_bytes(cut)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == expected, (len(res.tags(p)), len(expected), expected - res.tags(p))
    assert src["status"] == "partial"
    assert src["compression"] == "gzip"
    assert src["stored_bytes"] == len(cut)
    lost = [i for i in src["issues"] if i["severity"] == "lost"]
    assert lost and ("truncated" in lost[0]["message"] or "ends early" in lost[0]["message"]), src["issues"]
    assert lost[0]["offset"] == src["bytes"]
    assert abs(src["bytes"] - len(readable)) <= 64 * 1024, (src["bytes"], len(readable))
    assert res.rc == 2


def test_fault_gzip_bad_crc(tmp_path):
    before, btags = block("B")
    after, atags = block("A", start=10)
    content = before + after
    gz = bytearray(gzip_bytes(content))
    gz[-8] ^= 0xFF  # first byte of the CRC-32 in the trailer
    p = tmp_path / "MultiFactorAuthSvc.log.2.gz"
    p.write_bytes(bytes(gz))
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags + atags)
    assert src["bytes"] == len(content)
    assert src["status"] in ("scanned", "partial")
    dmg = [i for i in src["issues"] if i["severity"] == "damaged"]
    assert dmg and "crc" in dmg[0]["message"].lower(), src["issues"]
    assert dmg[0]["offset"] is not None
    assert res.rc == 2


def test_fault_gzip_trailing_garbage(tmp_path):
    before, btags = block("B")
    content = before
    garbage = b"\x01\x02GARBAGE" + random.Random(3).randbytes(1000)
    p = tmp_path / "MultiFactorAuthSvc.log.3.gz"
    p.write_bytes(gzip_bytes(content) + garbage)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags)
    assert src["bytes"] == len(content)
    trail = issues_with(src, "after the gzip data")
    assert trail and str(len(garbage)) in trail[0]["message"], src["issues"]
    assert trail[0]["severity"] in ("lost", "damaged")
    assert trail[0]["offset"] == len(content)
    assert res.rc == 2


def test_fault_concatenated_gzip_members(tmp_path):
    before, btags = block("B")
    after, atags = block("A", start=10)
    p = tmp_path / "MultiFactorAuthSvc.log.4.gz"
    p.write_bytes(gzip_bytes(before) + gzip_bytes(after, mtime=1709836900))
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags + atags)
    assert src["status"] == "scanned" and src["compression"] == "gzip"
    assert src["bytes"] == len(before + after) and src["lines"] == 12
    assert not [i for i in src["issues"] if i["severity"] != "warning"], src["issues"]
    assert [f["line"] for f in res.findings] == [1, 3, 5, 7, 9, 11]
    assert res.rc == 0


# ================================================================ zip


def _deflate_with_bad_block(first: bytes, second: bytes) -> bytes:
    """Raw deflate of first+second where the block after `first` has the invalid type 11."""
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    part1 = co.compress(first) + co.flush(zlib.Z_FULL_FLUSH)
    part2 = co.compress(second) + co.flush()
    return part1 + bytes([0x07]) + part2[1:]  # BFINAL=1, BTYPE=11 (reserved): "invalid block type"


def _zip_with_raw_member(members: list[tuple[str, bytes]], raw_name: str, raw: bytes, usize: int, crc: int) -> bytes:
    """A zip of deflated `members` plus one member whose deflate data is `raw` (written by hand)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members[:1]:
            zf.writestr(zipfile.ZipInfo(name, (2024, 3, 7, 18, 20, 20)), data, zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(raw_name, (2024, 3, 7, 18, 20, 20))
        info.compress_type = zipfile.ZIP_STORED  # written stored, then patched to deflate below
        zf.writestr(info, raw)
        for name, data in members[1:]:
            zf.writestr(zipfile.ZipInfo(name, (2024, 3, 7, 18, 20, 20)), data, zipfile.ZIP_DEFLATED)
    data = bytearray(out.getvalue())
    _patch_member(data, raw_name, method=8, crc=crc, usize=usize)
    return bytes(data)


def _central_entries(data: bytes):
    """(offset of the central directory entry, name, local header offset) for every member."""
    eocd = data.rindex(b"PK\x05\x06")
    count, _size, cd = struct.unpack("<HII", data[eocd + 10: eocd + 20])
    pos = cd
    for _ in range(count):
        assert data[pos:pos + 4] == b"PK\x01\x02"
        nlen, elen, clen = struct.unpack("<HHH", data[pos + 28: pos + 34])
        local = struct.unpack("<I", data[pos + 42: pos + 46])[0]
        name = data[pos + 46: pos + 46 + nlen].decode()
        yield pos, name, local
        pos += 46 + nlen + elen + clen


def _patch_member(data: bytearray, name: str, method=None, crc=None, usize=None, set_flags=0) -> None:
    """Patch a member's method / CRC / size / flags in both its local header and its central entry."""
    for cpos, n, lpos in list(_central_entries(bytes(data))):
        if n != name:
            continue
        for base, flag_at, method_at, crc_at, usize_at in ((lpos, 6, 8, 14, 22), (cpos, 8, 10, 16, 24)):
            if set_flags:
                flags = struct.unpack("<H", data[base + flag_at: base + flag_at + 2])[0] | set_flags
                data[base + flag_at: base + flag_at + 2] = struct.pack("<H", flags)
            if method is not None:
                data[base + method_at: base + method_at + 2] = struct.pack("<H", method)
            if crc is not None:
                data[base + crc_at: base + crc_at + 4] = struct.pack("<I", crc)
            if usize is not None:
                data[base + usize_at: base + usize_at + 4] = struct.pack("<I", usize)
        return
    raise KeyError(name)


def test_fault_zip_one_corrupt_member(tmp_path):
    a, atags = block("ZA")
    first, ftags = block("ZBF", n=3, start=10)
    second, stags = block("ZBS", n=3, start=20)
    c, ctags = block("ZC", start=30)
    raw = _deflate_with_bad_block(first, second)
    with pytest.raises(zlib.error):
        zlib.decompress(raw, -15)
    blob = _zip_with_raw_member([("a.log", a), ("c.log", c)], "b.log", raw, len(first + second), zlib.crc32(first + second))
    p = tmp_path / "Logs-backup.zip"
    p.write_bytes(blob)
    res = run_both(p)
    sa, sb, sc = (res.source(f"{p}!{m}") for m in ("a.log", "b.log", "c.log"))
    res.source(p)  # the archive itself is listed too
    assert res.tags(f"{p}!a.log") == set(atags) and sa["status"] == "scanned"
    assert res.tags(f"{p}!c.log") == set(ctags) and sc["status"] == "scanned"
    # The corrupt member: what decompressed before the bad block is kept, the rest reported lost at its offset.
    assert res.tags(f"{p}!b.log") == set(ftags)
    assert sb["status"] == "partial", sb
    lost = [i for i in sb["issues"] if i["severity"] == "lost"]
    assert lost and "corrupt" in lost[0]["message"], sb["issues"]
    assert lost[0]["offset"] == len(first), lost
    assert sb["bytes"] == len(first)
    assert res.rc == 2


def _write_zip_bomb(path, before: bytes, zeros: int, after: bytes) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("MultiFactorAuthSvc.log", (2024, 3, 7, 18, 20, 20))
        info.compress_type = zipfile.ZIP_DEFLATED
        info._compresslevel = 9
        with zf.open(info, "w", force_zip64=True) as w:
            w.write(before)
            z = bytes(4 * MIB)
            left = zeros
            while left:
                n = min(left, len(z))
                w.write(z[:n])
                left -= n
            w.write(after)
        zf.writestr(zipfile.ZipInfo("next.log", (2024, 3, 7, 18, 20, 20)), block("N", start=40)[0], zipfile.ZIP_DEFLATED)


def test_fault_zip_bomb(tmp_path):
    """A ~4 MB zip whose first member expands to 4 GiB of NULs between jdoe lines (ratio ~1000:1)."""
    before, btags = block("B")
    after, atags = block("A", start=10)
    zeros = 4 * 1024 * MIB
    p = tmp_path / "bomb.zip"
    _write_zip_bomb(p, before, zeros, after)
    stored = p.stat().st_size
    member = f"{p}!MultiFactorAuthSvc.log"

    rss, secs, rc, stdout = peak_rss_of_cli(p, timeout=120)
    if rc is None:
        measured("zip bomb", f"archive {stored} bytes -> {len(before) + zeros + len(after)} bytes: TIMEOUT after {secs:.0f}s")
        pytest.fail(f"zip bomb: no result within 120 s ({stored} bytes expanding to {zeros} bytes)")
    res = parse_jsonl(stdout)
    res.rc = rc
    _dump(res)
    src = res.source(member)
    measured("zip bomb", f"archive {stored} bytes -> member {src['bytes']} bytes scanned, status {src['status']}, "
                         f"rc={rc}, elapsed={secs:.1f}s, peak RSS={rss / MIB:.1f} MiB, issues={src['issues']}")
    assert res.tags(member) >= set(btags)
    assert res.tags(f"{p}!next.log") == {"N0", "N1", "N2"}, "the member after the bomb was not scanned"
    if src["status"] == "scanned":  # read through in full: everything must be there
        assert src["bytes"] == len(before) + zeros + len(after)
        assert src["nul_bytes"] == zeros
        assert res.tags(member) == set(btags + atags)
        assert rc == 0
    else:  # stopped at a guard: reported as lost, with the offset, exit 2
        assert src["status"] == "partial"
        assert [i for i in src["issues"] if i["severity"] == "lost" and i["offset"] is not None]
        assert rc == 2
    assert rss < 100 * MIB, f"peak RSS {rss / MIB:.1f} MiB"


def test_fault_nested_archives(tmp_path):
    """outer.zip holds a plain log, a .gz and a .zip (which holds a log)."""
    plain, ptags = block("P")
    gzc, gtags = block("G", start=10)
    inner, itags = block("I", start=20)
    ibuf = io.BytesIO()
    with zipfile.ZipFile(ibuf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("MultiFactorAuthSvc.log", (2024, 3, 7, 18, 20, 20)), inner, zipfile.ZIP_DEFLATED)
    p = tmp_path / "outer.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr(zipfile.ZipInfo("MultiFactorAuthSvc.log", (2024, 3, 7, 18, 20, 20)), plain, zipfile.ZIP_DEFLATED)
        zf.writestr(zipfile.ZipInfo("MultiFactorAuthSvc.log.1.gz", (2024, 3, 7, 18, 20, 20)), gzip_bytes(gzc), zipfile.ZIP_STORED)
        zf.writestr(zipfile.ZipInfo("old/inner.zip", (2024, 3, 7, 18, 20, 20)), ibuf.getvalue(), zipfile.ZIP_DEFLATED)
    res = run_both(p)
    s1 = res.source(f"{p}!MultiFactorAuthSvc.log")
    s2 = res.source(f"{p}!MultiFactorAuthSvc.log.1.gz")
    s3 = res.source(f"{p}!old/inner.zip!MultiFactorAuthSvc.log")
    res.source(p)
    res.source(f"{p}!old/inner.zip")
    assert res.tags(s1["path"]) == set(ptags)
    assert res.tags(s2["path"]) == set(gtags)
    assert res.tags(s3["path"]) == set(itags)
    assert s2["compression"] == "zip+gzip" and s3["compression"] == "zip+zip"
    assert all(s["status"] == "scanned" for s in res.sources), [(s["path"], s["status"]) for s in res.sources]
    assert res.rc == 0


def test_fault_encrypted_zip_member(tmp_path):
    """A zip whose middle member has the 'encrypted' flag (general purpose bit 0) in both headers."""
    a, atags = block("EA")
    secret, _ = block("ES", start=10)
    c, ctags = block("EC", start=20)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in (("a.log", a), ("secret.log", secret), ("c.log", c)):
            zf.writestr(zipfile.ZipInfo(name, (2024, 3, 7, 18, 20, 20)), data, zipfile.ZIP_STORED)
    blob = bytearray(buf.getvalue())
    _patch_member(blob, "secret.log", set_flags=1)
    p = tmp_path / "Logs-encrypted.zip"
    p.write_bytes(bytes(blob))
    res = run_both(p)
    sa, ss, sc = (res.source(f"{p}!{m}") for m in ("a.log", "secret.log", "c.log"))
    res.source(p)
    assert res.tags(sa["path"]) == set(atags) and sa["status"] == "scanned"
    assert res.tags(sc["path"]) == set(ctags) and sc["status"] == "scanned"
    assert res.tags(ss["path"]) == set()  # encrypted: its content cannot be searched
    assert ss["status"] == "skipped" and "encrypted" in ss["reason"], ss
    assert ss["stored_bytes"] == len(secret)
    # Its bytes could not be read: the scan is not complete, so the exit status must say so.
    assert res.rc == 2, f"exit status {res.rc}: an unreadable (encrypted) member does not make the run fail"


# ---------------------------------------------------------------- issue 13: no false "no occurrences"


def test_fault_utf16_line_on_top_of_a_utf8_log(tmp_path):
    """One UTF-16LE line at the top (its 100-odd short NUL runs) made the file binary: 400 quoted lines lost."""
    top = 'User "CONTOSO\\admin" changed user "jdoe" value Phone from "1" to "WIDE".\n'.encode("utf-16-le")
    lines = [native(f"T{i}", second=i % 60) + b"\n" for i in range(400)]
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(top + b"".join(lines))
    res = run_both(p)
    src = res.source(p)
    assert src["status"] == "scanned" and src["encoding"].startswith("utf-8")
    assert res.tags(p) == {f"T{i}" for i in range(400)}
    assert src["raw_matches"] == {"jdoe": 1}  # the UTF-16 line's name: counted raw, not lost
    assert res.rc == 0 and "UTF-16 stretches" in res.stderr


def test_fault_chance_ff_fe_before_utf8_with_a_code_page_byte(tmp_path):
    """`FF FE`, then UTF-8 lines and one cp1252 byte: read as UTF-16LE, 0 found, "No occurrences found"."""
    body, tags = block("C", n=12)
    body = body.replace(b"alice' #3", b"M\xfcller' #3")
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(b"\xff\xfe" + body)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(tags) and res.rc == 0
    assert not src["encoding"].startswith("utf-16")
    assert issues_with(src, "bom")


def test_fault_code_page_log_with_an_accented_name(tmp_path):
    """A cp1252 log holding "mgarcía": 0 findings and exit 1 when read as UTF-8; the code page is said on stderr."""
    line = native("CP", name="mgarcía").decode().encode("cp1252") + b"\n"
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(line * 3)
    cmd = [sys.executable, "-m", "mfalogscan", "scan", str(p), "--user", "mgarcía", "-f", "jsonl"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd="/tmp")
    found = [json.loads(l) for l in r.stdout.splitlines() if '"type":"finding"' in l]
    assert r.returncode == 0 and len(found) == 3 and found[0]["matched"] == "mgarcía"
    assert "read as cp1252 (guessed" in r.stderr


def test_fault_binary_file_with_a_raw_match_is_never_no_findings(tmp_path):
    """A binary file whose bytes hold the quoted name: exit 0 (grep's "binary file matches"), said on stderr."""
    p = tmp_path / "PhoneFactor.pfdata"
    p.write_bytes(b"SQLite format 3\0" + bytes(range(1, 32)) * 300 + b'\0"jdoe"\0' + bytes(range(1, 32)) * 10)
    res = run_both(p)
    src = res.source(p)
    assert src["status"] == "skipped" and src["raw_matches"] == {"jdoe": 1} and not res.findings
    assert res.rc == 0 and "binary file matches" in res.stderr


def test_fault_escapes_in_a_file_name_never_reach_the_terminal(tmp_path):
    """A zip member named with ESC[2J or an OSC 52 sequence, and log text with them: escaped on stderr, in the table
    and in CSV cells."""
    p = tmp_path / "logs.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("\x1b[2J\x1b]52;c;aGk=\x07.log", b"SQLite format 3\0" + bytes(range(1, 32)) * 300 + b'"jdoe"')
        hostile = native("Z2").replace(b"Phone", "\x1b]52;c;aGk=\x07\u202e".encode())  # OSC 52, BEL, RLO in log text
        z.writestr("MultiFactorAuthSvc.log", native("Z") + b"\n" + hostile + b"\n")
    for fmt in ("jsonl", "table", "csv"):
        cmd = [sys.executable, "-m", "mfalogscan", "scan", str(p), "--user", "jdoe", "-f", fmt]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd="/tmp")
        assert r.returncode == 0
        assert "\x1b" not in r.stderr and "\x07" not in r.stderr and "\\x1b[2J" in r.stderr
        if fmt in ("table", "csv"):  # human views and spreadsheet cells: escaped; JSON keeps the text as it is
            assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\u202e" not in r.stdout
            assert "\\x1b" in r.stdout


def _tar(members: list[tuple[str, bytes]], mode: str = "w") -> bytes:
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1709856000
            t.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("Logs/shadow")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        t.addfile(link)
    return buf.getvalue()


@pytest.mark.parametrize("mode,suffix,compression", [("w", ".tar", "tar"), ("w:gz", ".tar.gz", "gzip+tar"),
                                                       ("w:bz2", ".tar.bz2", "bzip2+tar"), ("w:xz", ".tar.xz", "xz+tar")])
def test_fault_tar_archives_are_read_member_by_member(tmp_path, mode, suffix, compression):
    """A .tar.gz of logs was skipped as binary (0 of 30); a .tar of a.log and a.log.1.gz was one text file (5 of 10)."""
    plain, ptags = block("P", n=5)
    inner, itags = block("G", n=5)
    p = tmp_path / f"logs{suffix}"
    p.write_bytes(_tar([("Logs/a.log", plain), ("Logs/a.log.1.gz", gzip.compress(inner))], mode))
    res = run_both(p)
    assert res.tags() == set(ptags + itags) and res.rc == 0
    assert res.source(f"{p}!Logs/a.log")["compression"] == compression
    assert res.source(f"{p}!Logs/a.log.1.gz")["compression"] == compression + "+gzip"
    link = res.source(f"{p}!Logs/shadow")
    assert link["status"] == "skipped" and "link inside the tar archive" in link["reason"]
    assert res.source(p)["reason"] == "tar archive with 3 member(s), each listed as its own source"


def test_fault_truncated_tar_says_what_was_not_read(tmp_path):
    first, ftags = block("F", n=40)
    second, _ = block("S", n=5)
    data = _tar([("Logs/a.log", first), ("Logs/b.log", second)])
    p = tmp_path / "logs.tar"
    p.write_bytes(data[: 512 + len(first) + 512 + 100])  # cut inside the second member
    res = run_both(p)
    assert res.tags(f"{p}!Logs/a.log") == set(ftags)
    b = res.source(f"{p}!Logs/b.log")
    assert b["status"] == "partial" and issues_with(b, "tar archive ends")
    assert res.rc == 2 and "could not be read in full" in res.stderr
