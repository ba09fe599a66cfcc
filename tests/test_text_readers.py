"""The readers that decide as the bytes come (issue 13): line ends, UTF-16 kept in step, code-page lines.

Each decides from the stream's bytes alone, never from how it was chunked;
these properties hold them to that, and to what a whole-file reading gives.
"""

from __future__ import annotations

import os
import re
import tempfile

from hypothesis import given
from hypothesis import strategies as st

from mfalogscan.search.linescan import LineScanner
from mfalogscan.sources.lineends import LineEnds, merged
from mfalogscan.sources.transcode import Transcoder, UnitMapper
from mfalogscan.sources.utf16 import Aligner, guess_utf16

from .conftest import CHANGE, OTHER, native
from .helpers import run


def _chunks(data: bytes, sizes: list[int]):
    at, i = 0, 0
    while at < len(data):
        n = sizes[i % len(sizes)]
        yield data[at : at + n]
        at, i = at + n, i + 1


def _x_finder(buf: bytes, base: int):
    """A LineScanner searcher for the byte `x`."""
    def find(pos: int):
        i = buf.find(b"x", pos)
        return None if i < 0 else (i, i + 1)

    return find


def _ends(data: bytes, sizes: list[int], accelerate: bool = True):
    """Lines, candidate lines holding `x` and the kinds of line end met, read the scanner's way (LineEnds before
    it, its line counter within)."""
    ends, chunks, at = LineEnds(), [], 0
    for chunk in _chunks(data, sizes):
        chunks.append(ends.feed(chunk, lambda i, at=at: at + i))
        at += len(chunk)
    chunks.append(ends.finish())
    scanner = LineScanner(_x_finder, b"\n", None, 0, 1 << 20, accelerate=accelerate)
    scanner.counter.made_lf = ends.made  # as scanning.source wires them
    found = [(c.line, c.offset, c.data) for c in scanner.run(c for c in chunks if c)]
    return scanner.lines, found, merged(ends.first, scanner.counter.first)


# ---------------------------------------------------------------- line ends


@given(st.binary(max_size=400).map(lambda b: b.translate(bytes.maketrans(b"\x00\x01\x02\x03", b"\r\nx\n"))),
       st.lists(st.integers(1, 50), min_size=1, max_size=8))
def test_lone_crs_end_lines_and_the_kinds_are_found_whatever_the_chunks(data, sizes):
    lines, found, kinds = _ends(data, sizes)
    assert (lines, found, kinds) == _ends(data, [len(data) + 1])
    parts = re.split(rb"\r\n|\r|\n", data)
    assert lines == len(parts) - (1 if parts[-1] == b"" else 0)
    starts = [0] + [m.end() for m in re.finditer(rb"\r\n|\r|\n", data)]
    want = [(n + 1, starts[n], part.rstrip(b"\r")) for n, part in enumerate(parts) if b"x" in part]
    assert [(line, offset, text.rstrip(b"\r")) for line, offset, text in found] == want
    expected = {}
    for m in re.finditer(rb"\r\n|\r|\n", data):
        expected.setdefault({b"\r\n": "CRLF", b"\r": "CR", b"\n": "LF"}[m.group()], m.start())
    assert kinds == dict(sorted(expected.items(), key=lambda kv: kv[1]))


@given(st.lists(st.sampled_from([b"\n", b"\r\n", b"\r"]), min_size=1, max_size=40), st.integers(0, 2000))
def test_numpy_and_plain_agree_on_large_regions(ends, seed):
    # NumPy looks at regions of 64 KiB or more; the plain path is the reference.
    line = native(OTHER, 1).encode()
    data = b"".join(line * (1 + (seed + i) % 500 // 100) + b"x" + e for i, e in enumerate(ends)) * 60
    assert _ends(data, [1 << 20], True) == _ends(data, [1 << 20], False)


@given(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=30),
       st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"]), st.integers(1, 3000))
def test_every_line_is_found_in_any_mix_of_line_ends(ends, encoding, chunk):
    lines = [native(CHANGE if i % 2 == 0 else OTHER, i) for i in range(len(ends))]
    text = "".join(line + e for line, e in zip(lines, ends))
    data = ({"utf-8": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]) + text.encode(encoding)
    report = _scan(data, chunk)
    assert report.sources[0].lines == len(lines)
    assert [f.line for f in report.findings] == list(range(1, len(lines) + 1, 2))
    starts = [0] + [m.end() for m in re.finditer("\r\n|\r|\n", text)][:-1]
    width = 1 if encoding == "utf-8" else 2
    assert [f.offset for f in report.findings] == [(0 if width == 1 else 2) + width * starts[i] for i in
                                                    range(0, len(lines), 2)]


def _scan(data: bytes, chunk: int, *users, **options):
    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, data)
        os.close(fd)
        return run(path, *(users or ("jdoe",)), chunk_size=chunk, **options)
    finally:
        os.unlink(path)


# ---------------------------------------------------------------- UTF-16 kept in step

_texts = st.lists(st.sampled_from([native(CHANGE, 5), native(OTHER, 7), "Müller é ß", "中文 日本語", "a"]),
                  min_size=1, max_size=6).map(lambda ls: "".join(line + "\r\n" for line in ls))


@given(_texts, _texts, st.integers(0, 300), st.sampled_from(["utf-16-le", "utf-16-be"]), st.booleans(),
       st.lists(st.integers(1, 400), min_size=1, max_size=6))
def test_utf16_after_a_nul_run_of_any_length_is_read_in_step_whatever_the_chunks(before, after, nuls, encoding,
                                                                               bom, sizes):
    after = native(CHANGE, 9) + "\r\n" + after  # what follows a crash: a log line
    head = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding] if bom else b""
    data = head + before.encode(encoding) + b"\x00" * nuls + after.encode(encoding)

    def transcoded(sizes):
        tr = Transcoder(_Reader(list(_chunks(data[len(head):], sizes))), encoding, 1, len(head))
        return b"".join(tr), tr

    out, tr = transcoded(sizes)
    whole, ref = transcoded([len(data) + 1])
    assert (out, tr.steps, tr.shifts) == (whole, ref.steps, ref.shifts)
    text = out.decode("utf-8")
    assert text.replace("\x00", "") == before + after  # every character, only NULs between
    assert len(tr.steps) == nuls % 2  # an odd run (the text after it at an odd offset) is one step
    # Each line's text (past the NULs a line after the run is glued to) maps back to where it is stored.
    mapper = UnitMapper(2, tr.shifts)
    mapper.start(out, len(head), 0)
    for m in re.finditer(rb"\n\x00*", out):
        at = mapper.original(m.end())
        line = out[m.end() :].split(b"\n", 1)[0].decode("utf-8")[:8]  # within the line: a NUL may be set aside after it
        assert data[at : at + 2 * len(line)].decode(encoding) == line


class _Reader:
    def __init__(self, chunks):
        self._chunks = iter(chunks)

    def read(self, _n):
        return next(self._chunks, b"")


@given(st.integers(0, 2000), st.integers(1, 5), st.sampled_from(["utf-16-le", "utf-16-be"]))
def test_a_long_nul_run_is_given_back_as_it_comes(nuls, extra, encoding):
    # 4 GiB of NULs must not be held: the aligner keeps back two bytes of a run that goes on, and decides nothing.
    aligner = Aligner(encoding, 0)
    data = "ab".encode(encoding) + b"\x00" * (2 * (nuls + extra))
    pieces = aligner.feed(data, 0)
    assert b"".join(p for _, p in pieces) == data[:-2] and aligner.holding and not aligner.steps
    rest = aligner.feed("cd".encode(encoding), len(data), final=True)
    assert b"".join(p for _, p in pieces + rest) == data + "cd".encode(encoding)  # an even run: nothing set aside


def test_the_byte_order_is_guessed_past_nul_runs():
    text = (native(CHANGE, 1) + "\r\n") * 40
    for encoding in ("utf-16-le", "utf-16-be"):
        for nuls in (1, 2, 3, 4095):
            raw = text.encode(encoding)
            assert guess_utf16(raw[:600] + b"\x00" * nuls + raw[600:]) == encoding
    assert guess_utf16(b"\x00" * 9000) is None
    assert guess_utf16((text * 3).encode() + b"\x00" * 5000 + text.encode()) is None  # UTF-8 with a NUL run


# ---------------------------------------------------------------- code-page lines


@given(st.lists(st.sampled_from(["utf-8 name", "cp1252 name", "utf-8 other", "cp1252 other", "broken"]),
                min_size=1, max_size=20), st.integers(1, 4000), st.booleans())
def test_a_name_is_found_in_utf8_and_in_code_page_lines_whatever_the_chunks(kinds, chunk, accelerate):
    lines, want = [], set()
    for i, kind in enumerate(kinds):
        name = "mgarcía" if "name" in kind else "alice"
        line = native(CHANGE.replace("jdoe", name).replace("556", f"T{i}"), i % 60)
        if kind == "broken":
            lines.append(line.encode().replace(b"admin", b"\xc3("))
            continue
        lines.append(line.encode("cp1252" if kind.startswith("cp") else "utf-8"))
        if "name" in kind:
            want.add(i + 1)
    head = b"".join(native(OTHER, 1).encode() + b"\n" for _ in range(600))  # past the 64 KiB sample: UTF-8
    data = head + b"".join(line + b"\n" for line in lines)
    report = _scan(data, chunk, "mgarcía", accelerate=accelerate)
    assert {f.line - 600 for f in report.findings} == want
    assert all(f.matched == "mgarcía" for f in report.findings)
