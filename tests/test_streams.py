"""Decompressing readers: everything before damage is kept, damage is recorded."""

import bz2
import io
import lzma
import struct
import zipfile

import pytest

from mfalogscan.sources.openers import Unit, expand
from mfalogscan.sources.peek import PeekReader
from mfalogscan.sources.streams import Bz2Stream, GzipStream, XzStream

from .conftest import gzip_bytes, zip_bytes

DATA = b"".join(b"line %06d of the log\n" % i for i in range(20000))


def read_all(stream, n=7919):
    out = []
    while True:
        b = stream.read(n)
        if not b:
            return b"".join(out)
        out.append(b)


def test_gzip_multi_member_and_mtime():
    s = GzipStream(io.BytesIO(gzip_bytes(DATA[:1000], mtime=1700000000) + gzip_bytes(DATA[1000:])))
    assert read_all(s) == DATA
    assert s.issues == [] and s.mtime == 1700000000


def test_gzip_truncated_keeps_what_came_before():
    z = gzip_bytes(DATA)
    s = GzipStream(io.BytesIO(z[: len(z) // 2]))
    got = read_all(s)
    assert len(got) > 100000 and DATA.startswith(got)
    assert len(s.issues) == 1 and s.issues[0].fatal and "truncated" in s.issues[0].message
    assert s.issues[0].offset == len(got)


def test_gzip_bad_crc_is_reported_but_data_kept():
    z = bytearray(gzip_bytes(DATA))
    z[-8:-4] = struct.pack("<I", 12345)
    s = GzipStream(io.BytesIO(bytes(z)))
    assert read_all(s) == DATA
    assert len(s.issues) == 1 and s.issues[0].severity == "damaged" and "CRC" in s.issues[0].message


def test_gzip_trailing_garbage_and_zero_padding():
    s = GzipStream(io.BytesIO(gzip_bytes(DATA) + b"\0" * 100))
    assert read_all(s) == DATA and s.issues == []
    s = GzipStream(io.BytesIO(gzip_bytes(DATA) + b"this is not gzip"))
    assert read_all(s) == DATA
    assert len(s.issues) == 1 and "16 bytes after the gzip data" in s.issues[0].message


def test_gzip_corrupt_deflate_data():
    z = bytearray(gzip_bytes(DATA))
    z[len(z) // 2 : len(z) // 2 + 64] = b"\xff" * 64
    s = GzipStream(io.BytesIO(bytes(z)))
    got = read_all(s)
    assert got[: len(got) // 3] == DATA[: len(got) // 3]
    # Either inflate fails (the rest is lost) or the garbage inflates and the CRC catches it.
    assert s.issues and s.issues[0].severity in ("lost", "damaged")


@pytest.mark.parametrize("cls, compress", [(Bz2Stream, bz2.compress), (XzStream, lzma.compress)])
def test_bz2_xz_multi_stream_and_truncation(cls, compress):
    both = compress(DATA[:5000]) + compress(DATA[5000:])
    s = cls(io.BytesIO(both))
    assert read_all(s) == DATA and s.issues == []
    whole = compress(DATA)
    s = cls(io.BytesIO(whole[: len(whole) * 2 // 3]))
    got = read_all(s)
    assert DATA.startswith(got) and s.issues and s.issues[0].fatal


def test_small_reads_bound_output():
    s = GzipStream(io.BytesIO(gzip_bytes(b"\0" * 10_000_000)))
    assert len(s.read(4096)) <= 4096


def test_zip_members_are_sources_and_nested_gzip_is_opened():
    z = zip_bytes({"one.log": b"first\n", "dir/two.log.gz": gzip_bytes(b"second\n"), "dir/": b""})
    paths, contents = [], []
    for item in expand(Unit("x.zip", PeekReader(io.BytesIO(z)))):
        if isinstance(item, Unit):
            paths.append((item.path, item.compression))
            contents.append(read_all(item.stream))
        else:
            archive = item
    assert paths == [("x.zip!one.log", "zip"), ("x.zip!dir/two.log.gz", "zip+gzip")]
    assert contents == [b"first\n", b"second\n"]
    assert archive.path == "x.zip" and "2 member" in archive.reason and archive.status == "scanned"


def _consume(data, name="x.zip"):
    out = []
    for item in expand(Unit(name, PeekReader(io.BytesIO(data)))):
        if isinstance(item, Unit):
            out.append((item.path, read_all(item.stream), item.all_issues()))
        else:
            out.append(item)
    return out


def test_zip_without_central_directory_is_read_from_local_headers():
    z = zip_bytes({"a.log": DATA, "b.log": b"tail\n"})
    cut = z[: z.index(b"PK\x01\x02")]  # drop the central directory, as a full disk would
    out = _consume(cut)
    members = [o for o in out if isinstance(o, tuple)]
    assert [(p, d == (DATA if p.endswith("a.log") else b"tail\n")) for p, d, _ in members] == [
        ("x.zip!a.log", True),
        ("x.zip!b.log", True),
    ]
    archive = out[-1]
    assert archive.status == "partial" and "central directory" in archive.issues[0].message


def test_zip_truncated_inside_a_member():
    z = zip_bytes({"a.log": DATA})
    cut = z[: len(z) // 2]
    out = _consume(cut)
    path, data, issues = out[0]
    assert DATA.startswith(data) and len(data) > 0
    assert any(i.fatal for i in issues)


def test_zip_member_with_bad_crc_is_flagged():
    z = bytearray(zip_bytes({"a.log": DATA}, method=zipfile.ZIP_STORED))
    start = z.index(b"line 000100")
    z[start : start + 4] = b"LINE"
    out = _consume(bytes(z))
    path, data, issues = out[0]
    assert len(data) == len(DATA)
    assert any("CRC-32" in i.message for i in issues)


def test_encrypted_member_is_listed_not_read():
    z = bytearray(zip_bytes({"secret.log": b"x\n", "plain.log": b"y\n"}))
    # Set the "encrypted" flag bit on the first member in its local and central headers.
    z[6] |= 1
    central = z.index(b"PK\x01\x02")
    z[central + 8] |= 1
    out = _consume(bytes(z))
    skipped = [o for o in out if not isinstance(o, tuple) and o.path.endswith("secret.log")]
    assert skipped and skipped[0].status == "skipped" and "encrypted" in skipped[0].reason
    assert [o[0] for o in out if isinstance(o, tuple)] == ["x.zip!plain.log"]


def test_zip_with_an_unsupported_directory_version_is_read_from_local_headers():
    """Regression: zipfile raised NotImplementedError, which ended the whole run."""
    z = bytearray(zip_bytes({"a.log": b'x "jdoe"\n'}))
    central = z.index(b"PK\x01\x02")
    z[central + 6] = 166  # "version needed to extract" = 16.6
    out = _consume(bytes(z))
    assert out[0][0] == "x.zip!a.log" and out[0][1] == b'x "jdoe"\n'


def test_local_header_walk_resynchronises_after_a_member_it_cannot_size():
    z = bytearray(zip_bytes({"a.log": b"first\n", "b.log": b"second\n", "c.log": b"third\n"}, method=zipfile.ZIP_STORED))
    z[6] |= 8  # a.log: "sizes in a data descriptor", which a stored member cannot have
    cut = bytes(z[: z.index(b"PK\x01\x02")])
    out = _consume(cut)
    skipped = [o for o in out if not isinstance(o, tuple) and o.path.endswith("a.log")]
    assert skipped and skipped[0].status == "skipped" and "unknown size" in skipped[0].reason
    assert [(p, d) for p, d, _ in (o for o in out if isinstance(o, tuple))] == [("x.zip!b.log", b"second\n"), ("x.zip!c.log", b"third\n")]


def test_garbage_between_zip_members_is_reported_and_skipped():
    z = zip_bytes({"a.log": b"first\n", "b.log": b"second\n"}, method=zipfile.ZIP_STORED)
    second = z.index(b"PK\x03\x04", 4)
    damaged = z[:second] + b"GARBAGE!" + z[second : z.index(b"PK\x01\x02")]
    out = _consume(damaged)
    assert [o[0] for o in out if isinstance(o, tuple)] == ["x.zip!a.log", "x.zip!b.log"]
    assert any("8 bytes of the zip archive" in i.message for i in out[-1].issues)


def test_xz_stream_padding_between_streams():
    data = lzma.compress(DATA[:1000]) + b"\0" * 4 + lzma.compress(DATA[1000:])
    s = XzStream(io.BytesIO(data))
    assert read_all(s) == DATA and s.issues == []


def test_a_file_handed_over_part_read_starts_where_it_is(tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(b"HEADER" + zip_bytes({"a.log": b"zipped\n"}))
    with open(path, "rb") as f:
        f.read(6)
        out = _consume_file(f)
    assert out[0][0] == "x.zip!a.log" and out[0][1] == b"zipped\n"


def _consume_file(f):
    out = []
    for item in expand(Unit("x.zip", PeekReader(f))):
        if isinstance(item, Unit):
            out.append((item.path, read_all(item.stream), item.all_issues()))
        else:
            out.append(item)
    return out


class _Unseekable(io.RawIOBase):
    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buf += b
        return len(b)


def test_stored_members_with_data_descriptors_and_no_directory():
    """zipfile writing to a pipe stores sizes after the data; without the directory, find them."""
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as z:
        for name, data in (("a.log", b"first\n"), ("b.log", b"a PK\x03\x04 inside\n"), ("c.log", b"third\n")):
            z.writestr(name, data)
    data = bytes(sink.buf)
    assert data[6] & 8  # really written with data descriptors
    cut = data[: data.index(b"PK\x01\x02")]
    out = _consume(cut)
    members = [(p, d) for p, d, _ in (o for o in out if isinstance(o, tuple))]
    assert members == [("x.zip!a.log", b"first\n"), ("x.zip!b.log", b"a PK\x03\x04 inside\n"), ("x.zip!c.log", b"third\n")]


@pytest.mark.parametrize("cut", [0, 1, 7, 4096])
def test_zlib_ng_and_zlib_keep_the_same_bytes_before_damage(monkeypatch, cut):
    """With the `fast` extra, zlib-ng inflates; what a damaged stream gives must be what zlib gives."""
    import zlib

    from mfalogscan.sources import streams

    zlib_ng = pytest.importorskip("zlib_ng.zlib_ng", reason="zlib-ng is in the fast and test extras")
    z = bytearray(gzip_bytes(DATA))
    at = len(z) // 3 + cut
    z[at : at + 64] = b"\xff" * 64
    got = {}
    for module in (zlib, zlib_ng):
        monkeypatch.setattr(streams, "inflate", module)
        s = GzipStream(io.BytesIO(bytes(z)))
        got[module.__name__] = (read_all(s), [(i.message, i.offset, i.severity) for i in s.issues])
    assert got["zlib"] == got["zlib_ng.zlib_ng"]
    assert got["zlib"][1] and DATA.startswith(got["zlib"][0][:1000])
