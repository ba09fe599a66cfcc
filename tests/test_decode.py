"""Encoding, BOM, binary and newline detection; the offset map for transcoded sources."""

import os

import pytest

from mfalogscan.sources.decode import check_encoding, sniff_layout
from mfalogscan.sources.transcode import Transcoder, UnitMapper

from .conftest import native, text_bytes


@pytest.mark.parametrize(
    "data, encoding, bom, how",
    [
        (b"\xef\xbb\xbfhello\r\n", "utf-8", 3, "bom"),
        ("hello\n".encode("utf-16-le"), "utf-16-le", 0, "guessed"),
        (b"\xff\xfe" + "hello\n".encode("utf-16-le"), "utf-16-le", 2, "bom"),
        (b"\xfe\xff" + "hello\n".encode("utf-16-be"), "utf-16-be", 2, "bom"),
        (b"plain text\n", "utf-8", 0, "default"),
    ],
)
def test_encoding_detection(data, encoding, bom, how):
    layout = sniff_layout(data * 20 if how == "guessed" else data)
    assert (layout.encoding, layout.bom, layout.how, layout.binary) == (encoding, bom, how, False)


def test_forced_encoding_wins_over_guessing_and_keeps_a_matching_bom():
    assert sniff_layout(b"caf\xe9\n", "cp1252").encoding == "cp1252"
    layout = sniff_layout(b"\xff\xfe" + "x\n".encode("utf-16-le"), "utf-16-le")
    assert layout.bom == 2


def test_nul_runs_do_not_make_a_log_binary():
    data = text_bytes([native("before", 1)]) + b"\0" * 5000 + text_bytes([native("after", 2)])
    assert not sniff_layout(data).binary


def test_only_nuls_is_text():
    assert not sniff_layout(b"\0" * 4096).binary


def test_binary_is_recognised():
    rnd = os.urandom(8192)
    layout = sniff_layout(b"SQLite format 3\0" + rnd)
    assert layout.binary and "binary" in layout.why


def test_sniffed_lines_end_at_lf_crlf_or_a_lone_cr():
    # Line ends are decided as the bytes come (sources.lineends), the sample's lines the same way.
    assert sniff_layout(b"a\rb\rc\r").sample_lines(b"a\rb\rc\r", 10) == ["a", "b", "c", ""]
    assert sniff_layout(b"a\r\nb\nc\rd").sample_lines(b"a\r\nb\nc\rd", 10) == ["a", "b", "c", "d"]


def test_check_encoding():
    assert check_encoding("UTF-16") == "utf-16"  # byte order from the BOM
    assert check_encoding("utf_16_be") == "utf-16-be"
    assert check_encoding("latin-1") == "iso8859-1"
    with pytest.raises(ValueError):
        check_encoding("no-such-codec")
    with pytest.raises(ValueError):
        check_encoding("cp037")  # EBCDIC: not ASCII-compatible
    for stateful in ("iso2022_jp", "raw_unicode_escape", "utf-7"):
        with pytest.raises(ValueError):
            check_encoding(stateful)
    assert check_encoding("shift_jis") == "shift_jis"


def test_generic_utf16_takes_the_byte_order_from_the_bom():
    be = b"\xfe\xff" + "x \"jdoe\"\n".encode("utf-16-be")
    layout = sniff_layout(be, "utf-16")
    assert (layout.encoding, layout.bom) == ("utf-16-be", 2)
    assert sniff_layout("x\n".encode("utf-16-le"), "utf-16").encoding == "utf-16-le"


def test_a_code_page_log_is_not_binary():
    cyrillic = ("Пользователь изменён: " * 200 + "\n").encode("cp1251")
    assert not sniff_layout(cyrillic).binary


class _Chunks:
    def __init__(self, data, n):
        self.data, self.n, self.pos = data, n, 0

    def read(self, _):
        out = self.data[self.pos : self.pos + self.n]
        self.pos += self.n
        return out


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
@pytest.mark.parametrize("chunk", [1, 3, 64, 100000])
def test_transcode_and_map_offsets_back(encoding, chunk):
    text = "ascii é 😀 line\nsecond 𝄞 line\nthird\n"
    raw = text.encode(encoding)
    utf8 = b"".join(Transcoder(_Chunks(raw, chunk), encoding, chunk))
    assert utf8 == text.encode("utf-8")
    mapper = UnitMapper(4 if "32" in encoding else 2)
    mapper.start(utf8, 0)
    for i in range(len(text) + 1):
        pos = len(text[:i].encode("utf-8"))
        assert mapper.original(pos) == len(text[:i].encode(encoding))


def test_odd_utf16_is_counted_not_fatal():
    from mfalogscan.sources.decode import undecodable_so_far

    before = undecodable_so_far()
    out = b"".join(Transcoder(_Chunks("ab\n".encode("utf-16-le") + b"\x41", 5), "utf-16-le", 5))
    assert out.startswith(b"ab\n") and undecodable_so_far() - before == 1
