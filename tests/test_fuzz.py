"""Fuzzing the readers, decoders, framings and the whole scan with random bytes and mixtures of faults.

Properties, whatever the input: no exception escapes; every quoted name in
the bytes that can be decoded is found; a source's accounting adds up (an
uncompressed file: every byte scanned; a cut-off gzip: exactly the bytes
that can be decompressed). `tests/fuzz_corpus/` keeps inputs that once
mattered, so they are replayed on every run.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import struct
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .conftest import CHANGE, native
from .helpers import run

CORPUS = Path(__file__).parent / "fuzz_corpus"
QUOTED = native(CHANGE, 5).encode()

fragments = st.one_of(
    st.just(QUOTED),
    st.just(b'x "JDoe" y'),
    st.binary(max_size=64),
    st.builds(lambda n: b"\x00" * n, st.integers(1, 3000)),
    st.sampled_from([b"\n", b"\r\n", b"\r", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\xc0\xaf", b"\xed\xa0\x80",
                     b"\xf4\x90\x80\x80", b"\x80", b"PK\x03\x04", b"\x1f\x8b", b"BZh9", b"\xfd7zXZ\x00",
                     b"7z\xbc\xaf\x27\x1c"]),
    st.builds(lambda n: b"z" * n, st.integers(100, 5000)),
)


def _scan(data: bytes, **options):
    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, data)
        os.close(fd)
        return run(path, "jdoe", list_mentions=True, **options)
    finally:
        os.unlink(path)


def _quoted_lines(data: bytes) -> set[int]:
    """Lines (1-based, LF-separated) of plain UTF-8 text holding a quoted jdoe in any ASCII case."""
    return {i + 1 for i, line in enumerate(data.split(b"\n")) if b'"jdoe"' in line.lower()}


@given(st.lists(fragments, max_size=30), st.integers(1, 5000), st.integers(64, 2000))
def test_any_mixture_of_faults_is_scanned_without_an_exception_and_adds_up(parts, chunk, max_line):
    data = b"".join(parts)
    r = _scan(data, chunk_size=chunk, max_line=max_line)
    assert len(r.sources) >= 1
    for s in r.sources:
        assert s.status in ("scanned", "partial", "skipped", "unreadable")
        assert "internal error" not in (s.reason or "")
    top = [s for s in r.sources if s.container is None]
    if len(top) == 1 and top[0].compression is None and top[0].status in ("scanned", "skipped"):
        assert top[0].bytes == len(data)  # every byte scanned (or counted as binary)


@given(st.lists(st.one_of(st.just(QUOTED), st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\r" not in b)),
                min_size=1, max_size=20), st.integers(1, 3000))
def test_every_quoted_name_on_a_clean_utf8_line_is_found(lines, chunk):
    lines = [l for l in lines if b"\x00" not in l]
    data = b"\n".join(lines) + b"\n"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return  # the undecodable case is the next property's
    r = _scan(data, chunk_size=chunk)
    if r.sources[0].status != "scanned":
        return  # judged binary: its raw matches are counted instead (test_scan covers it)
    assert {f.line for f in r.findings if f.quoted} == _quoted_lines(data)


@given(st.lists(st.one_of(st.just(QUOTED), st.binary(max_size=40)), min_size=1, max_size=20), st.integers(1, 3000))
def test_undecodable_bytes_never_hide_a_quoted_name_on_another_line(lines, chunk):
    lines = [l.replace(b"\n", b"").replace(b"\r", b"").replace(b"\x00", b"") for l in lines]
    data = b"\n".join(lines) + b"\n"
    r = _scan(data, chunk_size=chunk, encoding="utf-8")
    expected = {i + 1 for i, l in enumerate(lines) if l == QUOTED}
    src = r.sources[0]
    if src.status == "skipped":  # judged binary (control bytes): then its raw quoted matches are counted
        assert src.raw_matches.get("jdoe", 0) >= len(expected)
    else:
        assert expected <= {f.line for f in r.findings if f.quoted}


@given(st.lists(st.just(QUOTED + b"\n"), min_size=1, max_size=200), st.floats(0.0, 1.0), st.integers(1, 4000))
def test_a_cut_off_gzip_scans_exactly_the_bytes_that_can_be_decompressed(lines, keep, chunk):
    plain = b"".join(lines)
    packed = gzip.compress(plain)
    cut = packed[: int(len(packed) * keep)]
    d = zlib.decompressobj(31)
    try:
        readable = d.decompress(cut)
    except zlib.error:
        readable = b""
    r = _scan(cut, chunk_size=chunk)
    src = r.sources[0]
    if len(cut) < 2:
        return  # not recognisable as gzip: scanned as the bytes they are
    assert src.bytes == len(readable)
    # Every line whose name could be decompressed is kept, the cut-off last one too.
    assert len([f for f in r.findings if f.quoted]) == len([l for l in readable.split(b"\n") if b'"jdoe"' in l])
    if len(cut) < len(packed):
        assert r.exit_status() == 2


_SEVENZ: list[bytes] = []


def _sevenz_bases() -> list[bytes]:
    """Two 7z archives of 28 quoted lines in two solid blocks (an empty member too): one with its list of members
    compressed, one with it plain (where a change hits names, sizes, flags and CRCs)."""
    import py7zr

    if not _SEVENZ:
        for plain in (False, True):
            fd, path = tempfile.mkstemp(suffix=".7z")
            os.close(fd)
            os.unlink(path)
            for mode, members in (("w", [("a.log", 20), ("b/c.log", 5), ("e.log", 0)]), ("a", [("d.log", 3)])):
                archive = py7zr.SevenZipFile(path, mode)
                if plain:
                    archive.set_encoded_header_mode(False)
                for name, lines in members:
                    archive.writestr((QUOTED + b"\n") * lines, name)
                archive.close()
            _SEVENZ.append(Path(path).read_bytes())
            os.unlink(path)
    return _SEVENZ


@pytest.mark.skipif(importlib.util.find_spec("py7zr") is None, reason="py7zr (the sevenz extra) builds the archives")
@given(st.integers(0, 1), st.booleans(), st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                                                  min_size=1, max_size=6), st.integers(1, 4000))
def test_a_7z_changed_anywhere_is_scanned_without_an_exception_and_never_silently_short(base, header, changes, chunk):
    data = bytearray(_sevenz_bases()[base])
    offset, size = struct.unpack("<QQ", data[12:28])
    start, end = (32 + offset, 32 + offset + size) if header else (32, 32 + offset)
    for where, value in changes:
        data[start + int(where * (end - start))] = value
    # CRCs made to fit again, so that the change reaches py7zr's reading of the list of members, or the data.
    data[28:32] = struct.pack("<I", zlib.crc32(bytes(data[32 + offset : 32 + offset + size])))
    data[8:12] = struct.pack("<I", zlib.crc32(bytes(data[12:32])))
    r = _scan(bytes(data), chunk_size=chunk)
    for s in r.sources:
        assert s.status in ("scanned", "partial", "skipped", "unreadable")
        assert "internal error" not in (s.reason or "")
    if r.exit_status() != 2:  # nothing said to be missing or damaged: then nothing is
        assert len([f for f in r.findings if f.quoted]) == 28


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*")))
def test_the_seed_corpus_still_scans(name):
    # As fuzz/atheris_scan.py reads an input: the first byte sets the chunk size, the rest is the file.
    data = (CORPUS / name).read_bytes()
    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, data[1:])
        os.close(fd)
        r = run(path, "jdoe", ("straße", "K\u212aate"), chunk_size=1 + data[0] * 7, max_line=512, list_mentions=True, debug=True)
    finally:
        os.unlink(path)
    assert r.sources and all("internal error" not in (s.reason or "") for s in r.sources)
