"""Fault catalogue, encodings checked by what they decode to (issue 13): each case here was a silent loss.

Like tests/test_faults_content.py, every test builds a real file, runs the CLI
(and the library where the two must agree) and asserts what a careful
forensic user should get: every quoted name in the bytes found, every
finding's offset at its line's first byte in the stored bytes, and an issue
saying what was unusual and where. docs/faults.md has a row for each.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .test_faults_content import issues_with, native, other, run_both, run_cli

PAD = 400  # filler lines that push a fault past the 64 KiB sample (in UTF-16), where the layout is not judged


def _lines(prefix: str, n: int, nl: bytes, start: int = 0, filler: bytes = b"alice") -> tuple[bytes, list[str]]:
    """n quoted jdoe lines tagged PREFIX0.., each followed by a filler line naming `filler`."""
    out, tags = [], []
    for i in range(n):
        tags.append(f"{prefix}{i}")
        out += [native(f"{prefix}{i}", second=start + i) + nl, other(start + i).replace(b"alice", filler) + nl]
    return b"".join(out), tags


def _line_starts_at(res, data: bytes, encoding: str, path, glued: int | None = None) -> None:
    """Every finding's offset is the first byte of its line in the stored bytes (read in `encoding` from there);
    `glued`: the offset of a NUL run the next line is glued to (that line starts at the run)."""
    for f in res.findings:
        if f["source"] == str(path) and f["offset"] != glued:
            assert data[f["offset"] : f["offset"] + 64].decode(encoding, "replace").startswith("2024-03-07T18:"), f


# ---------------------------------------------------------------- UTF-16 out of step after an odd NUL run


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("nuls, where", [(4095, "after the sample"), (4095, "in the sample"), (1, "in the sample"),
                                          (3, "after the sample")])
def test_fault_utf16_out_of_step_after_an_odd_nul_run(tmp_path, encoding, bom, nuls, where):
    """A UTF-16 log with an odd run of NUL bytes mid-file (a crash, a preallocated file): every byte after it was
    paired with the wrong neighbour. With a BOM, the names after the run were lost with status `scanned`, exit 0
    and a warning pointing at the end of the file; with the run in the sample the BOM was judged false and all 12
    lost; without a BOM the file was read as a code page or skipped as binary."""
    before, btags = _lines("B", 6, b"\r\n", filler="Müller".encode())
    after, atags = _lines("A", 6, b"\r\n", start=10, filler="Müller".encode())
    pad = b"".join(other(100 + i) + b"\r\n" for i in range(PAD))
    if where == "after the sample":
        before = pad + before
    else:
        after = after + pad
    head = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding] if bom else b""
    first = head + before.decode().encode(encoding)
    data = first + b"\x00" * nuls + after.decode().encode(encoding)
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(btags + atags), f"found {sorted(res.tags(p))}: {src['issues']}"
    assert src["status"] == "scanned" and src["encoding"].startswith(encoding), src
    assert src["bytes"] == len(data) and src["undecodable_bytes"] == 0
    _line_starts_at(res, data, encoding, p, glued=len(first))
    step = issues_with(src, "out of step")
    assert len(step) == 1 and step[0]["severity"] == "warning", src["issues"]
    # Lost in the run (it starts at the NUL high byte of the last LF in UTF-16-LE), regained where the text resumes.
    assert step[0]["offset"] in (len(first) - 1, len(first)), step
    assert f"in step again from byte {len(first) + nuls}" in step[0]["message"], step
    assert res.rc == 0


# ---------------------------------------------------------------- line ends decided per region


def _utf16(data: bytes) -> bytes:
    return b"\xff\xfe" + data.decode().encode("utf-16-le")


@pytest.mark.parametrize("kinds", [("\r", "\n"), ("\n", "\r"), ("\r\n", "\r", "\n"), ("\r", "\r\n"),
                                   ("\r\n", "\n")], ids=["CR-LF", "LF-CR", "CRLF-CR-LF", "CR-CRLF", "CRLF-LF"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le"])
def test_fault_line_ends_change_kind_mid_file(tmp_path, kinds, encoding):
    """CR-only line ends for about 70 KB, then LF (or another mix): the line end was decided once, from the first
    64 KiB, so the LF part was one long line with one finding for all its names: 276 of 280 found, no warning."""
    parts, tags, lines = [], [], 0
    for k, nl in enumerate(kinds):
        n = 340 if k == 0 else 140  # the first kind fills the 64 KiB sample: about 70 KB
        body, t = _lines(f"K{k}x", n, nl.encode(), start=lines)
        parts.append(body)
        tags += t
        lines += 2 * n
    text = b"".join(parts)
    assert len(parts[0]) > 64 * 1024  # the sample sees one kind only
    data = _utf16(text) if encoding != "utf-8" else text
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    res = run_both(p)
    src = res.source(p)
    assert res.tags(p) == set(tags), f"{len(res.tags(p))} of {len(tags)} found"
    assert src["status"] == "scanned" and src["lines"] == lines
    assert [f["line"] for f in res.findings] == list(range(1, lines, 2))
    assert all(not f["text"].endswith("\r") and "\r" not in f["text"] for f in res.findings)
    _line_starts_at(res, data, encoding, p)
    # Where the kind first changed: the first line end of the second kind.
    second = len(parts[0]) + parts[1].index(kinds[1].encode())
    where = 2 + 2 * second if encoding != "utf-8" else second
    mixed = issues_with(src, "line ends of more than one kind")
    assert len(mixed) == 1 and mixed[0]["offset"] == where and mixed[0]["severity"] == "warning", src["issues"]
    assert res.rc == 0
    # The first kind alone, all through the file, is no change: nothing said.
    one = tmp_path / "one.log"
    one.write_bytes(_utf16(parts[0]) if encoding != "utf-8" else parts[0])
    res = run_cli(one)
    assert res.tags(one) == set(tags[:340]) and not issues_with(res.source(one), "line ends")


# ---------------------------------------------------------------- code-page lines after a UTF-8 head


def test_fault_code_page_lines_after_a_utf8_head(tmp_path):
    """A UTF-8 head longer than the 64 KiB sample (with "mgarcía" written in UTF-8), then lines a code-page program
    wrote (`mgarc\\xeda`): the name was searched in its UTF-8 form only, so the cp1252 lines were never candidates
    and were lost (exit 0 from the head alone; exit 1 "No occurrences" without it); lines that hit otherwise
    showed U+FFFD for `M\\xfcller`."""
    head = b"".join(native(f"H{i}", name="mgarcía", second=i % 60) + b"\n" if i % 100 == 0 else other(i) + b"\n"
                    for i in range(800))
    assert len(head) > 64 * 1024
    cp = [native(f"C{i}", name="mgarcía", second=i).decode().encode("cp1252") + b"\n" for i in range(5)]
    cp.insert(2, native("J1").replace(b"CONTOSO", "Müller".encode("cp1252")) + b"\n")  # jdoe, a cp1252 byte elsewhere
    # Broken UTF-8 is no code page (`\xc3(`, a stray `\x80` between digits): those lines stay UTF-8 with U+FFFD.
    cp += [native("J2").replace(b'"555"', b'"5\x805"') + b"\n", native("J3").replace(b"admin", b"\xc3(") + b"\n"]
    data = head + b"".join(cp)
    first_cp = len(head)
    p = tmp_path / "MultiFactorAuthSvc.log"
    p.write_bytes(data)
    cmd = [sys.executable, "-m", "mfalogscan", "scan", str(p), "--user", "mgarcía", "--user", "jdoe", "-f", "jsonl"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd="/tmp")
    out = [json.loads(line) for line in r.stdout.splitlines()]
    found = [o for o in out if o["type"] == "finding"]
    src = [o for o in out if o["type"] == "source"][0]
    tags = {f["text"].rsplit('to "', 1)[1][:-2] for f in found}
    assert tags == {f"H{i}" for i in range(0, 800, 100)} | {f"C{i}" for i in range(5)} | {"J1", "J2", "J3"}, tags
    assert all(f["matched"] == "mgarcía" for f in found if f["user"] == "mgarcía")
    jdoe = {f["text"].rsplit('to "', 1)[1][:-2]: f["text"] for f in found if f["user"] == "jdoe"}
    assert "Müller" in jdoe["J1"] and "\ufffd" not in jdoe["J1"]
    assert "\ufffd" in jdoe["J2"] and "\ufffd" in jdoe["J3"] and "€" not in jdoe["J2"]  # never invented
    for f in found:
        assert data[f["offset"] :].startswith(b"2024-03-07T18:")
    assert src["status"] == "scanned" and src["encoding"] == (
        f"utf-8, then cp1252 (guessed) for lines that are not UTF-8, from byte {first_cp}")
    cp_issue = [i for i in src["issues"] if "read as cp1252" in i["message"]]
    assert len(cp_issue) == 1 and cp_issue[0]["offset"] == first_cp and cp_issue[0]["severity"] == "warning"
    assert "6 line(s)" in cp_issue[0]["message"]  # the five mgarcía lines and J1, not J2 or J3
    assert f"lines that are not UTF-8 were read as cp1252 (guessed) from byte {first_cp}, the rest as utf-8" in r.stderr
    assert r.returncode == 0
