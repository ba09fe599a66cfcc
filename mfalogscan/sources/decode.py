"""Encodings: which one a source is in, and bytes the matcher can search.

The matcher searches raw bytes in an *ASCII-compatible* encoding (UTF-8,
Windows code pages, Latin-1). Sources in such an encoding are searched as
they are; sources in UTF-16 or UTF-32 are transcoded to UTF-8 chunk by chunk
(`Transcoder`), and `UnitMapper` turns a position in the transcoded bytes
back into a byte offset in the original, so findings always point into the
bytes as stored. Undecodable bytes never stop a scan: they are counted by
the `mfalogscan-count` error handler and shown as U+FFFD.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO, Iterator


SAMPLE = 64 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNIT_WIDTH = {"utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}
_CONTROL = bytes(range(1, 9)) + bytes(range(0x0E, 0x1B)) + bytes(range(0x1C, 0x20))
_SHORT_NUL_RUN = re.compile(rb"(?<!\x00)\x00{1,3}(?!\x00)")
_WIDE_TEXT = re.compile(rb"(?:[\t\n\r\x20-\x7e]\x00){4,}|(?:\x00[\t\n\r\x20-\x7e]){4,}")
_CONTINUATION = bytes(range(0x80, 0xC0))
_FOUR_BYTE_LEADS = bytes(range(0xF0, 0xF5))

_undecodable = [0]
# Where the first undecodable byte since mark_undecodable() lies: (stream offset of the decode's input, first) .
_first_bad: list = [0, None]


def _count_undecodable(exc: UnicodeDecodeError):
    _undecodable[0] += exc.end - exc.start
    if _first_bad[1] is None:
        _first_bad[1] = max(0, _first_bad[0] + exc.start)
    return "\ufffd", exc.end


def mark_undecodable() -> None:
    """Start looking for the first undecodable byte of a new source."""
    _first_bad[1] = None


def first_undecodable() -> int | None:
    """The stream offset of the first undecodable byte met since mark_undecodable() (None: none)."""
    return _first_bad[1]


class UndecodableWatch:
    """The undecodable bytes met from its creation on, and the stream offset of the first (one source at a time)."""

    def __init__(self):
        self._before = undecodable_so_far()
        mark_undecodable()

    @property
    def count(self) -> int:
        return undecodable_so_far() - self._before

    @property
    def first(self) -> int | None:
        return first_undecodable()


def _decoding_at(offset: int) -> None:
    _first_bad[0] = offset


codecs.register_error("mfalogscan-count", _count_undecodable)


def undecodable_so_far() -> int:
    """Undecodable bytes met by every decode with the counting handler (a running total)."""
    return _undecodable[0]


def canonical(encoding: str) -> str:
    """Python's name for an encoding, with the byte order made explicit for UTF-16/32."""
    name = codecs.lookup(encoding).name
    return {"utf-16": "utf-16-le", "utf-32": "utf-32-le", "utf-8-sig": "utf-8"}.get(name, name)


def encodable(ch: str, encoding: str) -> bool:
    """True when `ch` has a form in `encoding`."""
    try:
        ch.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


_ESCAPING = {"raw-unicode-escape", "unicode-escape", "utf-7", "punycode", "idna"}
_PROBE = "aéßΩЖ田中😀"


@lru_cache(maxsize=None)
def ascii_compatible(encoding: str) -> bool:
    """True when ASCII is itself, one byte per character, and characters encode alone.

    The byte prefilter encodes each character of a name on its own, so
    stateful encodings (ISO-2022 escape sequences) and escaping ones
    (`raw_unicode_escape`) cannot be searched as bytes and are refused.
    """
    try:
        if codecs.lookup(encoding).name in _ESCAPING:
            return False
        if not all(chr(i).encode(encoding) == bytes([i]) for i in range(128)):
            return False
    except (UnicodeError, LookupError):
        return False
    chars = [ch for ch in _PROBE if encodable(ch, encoding)]
    joined = "a" + "".join(chars) + "a"
    return joined.encode(encoding) == b"".join(ch.encode(encoding) for ch in joined)


_BYTE_ORDERS = {"utf-16": ("utf-16-le", "utf-16-be"), "utf-32": ("utf-32-le", "utf-32-be")}


def check_encoding(encoding: str) -> str:
    """Validate a user's --encoding; returns Python's name for it or raises ValueError.

    `utf-16` and `utf-32` keep their meaning "byte order from the BOM"
    (little-endian when there is none).
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}") from None
    if name in _BYTE_ORDERS:
        return name
    name = canonical(name)
    if not (ascii_compatible(name) or name in _UNIT_WIDTH):
        raise ValueError(f"encoding {encoding!r} is not supported (use UTF-8/16/32 or an ASCII-compatible code page)")
    return name


@dataclass(frozen=True)
class Layout:
    """How a source's bytes are to be read."""

    encoding: str
    bom: int
    how: str  # "bom", "forced", "guessed", "default", or "false bom" (a UTF-16/32 mark before UTF-8 text)
    binary: bool = False
    why: str | None = None
    newline: bytes = b"\n"

    @property
    def transcoded(self) -> bool:
        return self.encoding in _UNIT_WIDTH

    @property
    def search_encoding(self) -> str:
        return "utf-8" if self.transcoded else self.encoding

    @property
    def unit_width(self) -> int:
        return _UNIT_WIDTH.get(self.encoding, 0)

    def sample_lines(self, sample: bytes, limit: int) -> list[str]:
        """The first `limit` lines of a sample read as this layout (for sniffing the framing)."""
        body = sample[self.bom :]
        if self.transcoded:
            body = body[: len(body) - len(body) % self.unit_width]
        return body.decode(self.encoding, "replace").split(self.newline.decode())[:limit]

    def describe(self) -> str:
        tail = {"bom": " (BOM)", "forced": " (--encoding)", "guessed": " (guessed, no BOM)",
                "false bom": " (after a UTF-16/32 byte-order mark that does not fit the text)"}.get(self.how, "")
        return self.encoding + tail


def _false_bom(body: bytes, encoding: str) -> bool:
    """True when the text after a UTF-16/32 BOM does not read as that encoding (a chance `FF FE` before UTF-8 or
    code-page text): its line breaks are not in that width, or it decodes to replacement, unassigned or
    control characters (UTF-8 read as UTF-16 gives CJK soup with its newlines in the wrong place)."""
    width = _UNIT_WIDTH[encoding]
    body = body[: len(body) - len(body) % width]
    if not body:
        return False
    newline = "\n".encode(encoding)
    if b"\n" in body:
        aligned = sum(1 for i in _find_all(body, newline) if i % width == 0)
        if aligned == 0:
            return True
    text = body.decode(encoding, "replace")
    bad = sum(1 for ch in text if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f\x1b\x00")
              or unicodedata.category(ch) in ("Cn", "Cs", "Co"))
    return bad * 100 > len(text)


def _find_all(data: bytes, needle: bytes, limit: int = 4096) -> Iterator[int]:
    at = data.find(needle)
    while at >= 0 and limit:
        yield at
        at, limit = data.find(needle, at + 1), limit - 1


# Well-formed UTF-8 sequences of two to four bytes.
_UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH = re.compile(rb"[\x80-\xff]")
# A cp1252 letter (Latin-1's letters, and Š š Ž ž Œ œ Ÿ) next to an ASCII letter, or between two such letters.
_CP_LETTER = rb"[\x8a\x8c\x8e\x9a\x9c\x9e\x9f\xc0-\xd6\xd8-\xf6\xf8-\xff]"
_IN_WORD = re.compile(rb"(?<=[A-Za-z])" + _CP_LETTER + rb"|" + _CP_LETTER + rb"(?=[A-Za-z])|(?<=" + _CP_LETTER + rb")"
                      + _CP_LETTER)
CODE_PAGE = "cp1252"  # what Windows writes where it does not write UTF-8 (Western Europe and the Americas)


def _code_page(body: bytes) -> bool:
    """True when the sample is not UTF-8 but a single-byte code page: it has bytes over 0x7F, not one of them in
    a well-formed UTF-8 sequence, and all of them are characters of CODE_PAGE (a log in UTF-8 with one broken
    byte stays UTF-8, so the names written in UTF-8 are still found)."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
        return False
    except UnicodeDecodeError as e:
        if e.start >= len(body) - 3:
            return False  # a character cut off at the sample's end
    if _UTF8_MULTI.search(body):
        return False
    try:
        body.decode(CODE_PAGE)
    except UnicodeDecodeError:
        return False
    # Code-page text has its non-ASCII bytes inside words (M\xfcller, Garc\xeda); broken UTF-8 has them anywhere
    # (`\xc3(`, a lone \x80 between digits, an overlong \xc0\xa2 before a name). Most must be letters in words.
    high = _HIGH.findall(body)
    in_words = _IN_WORD.findall(body)
    return len(in_words) * 5 >= len(high) * 4


def guess_utf16(sample: bytes) -> str | None:
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_zero = even.count(0) / len(even)
    odd_zero = odd.count(0) / len(odd)
    if odd_zero > 0.6 and even_zero < 0.1:
        return "utf-16-le"
    if even_zero > 0.6 and odd_zero < 0.1:
        return "utf-16-be"
    return None


def _binary_reason(sample: bytes) -> str | None:
    """Why a sample is binary rather than text with some damage, or None."""
    if not sample:
        return None
    # Stretches of UTF-16 text (a line another program wrote) are text: their NULs do not count.
    short_nuls = len(_SHORT_NUL_RUN.findall(_WIDE_TEXT.sub(b"", sample)))
    text = sample.replace(b"\x00", b"")
    if not text:
        return None  # only NULs: an empty log after a crash, scanned (and reported)
    controls = len(text) - len(text.translate(None, _CONTROL))
    if short_nuls > 16:
        return f"binary content: {short_nuls} scattered NUL bytes in the first {len(sample)} bytes"
    if controls > max(8, len(text) // 50):
        return f"binary content: {controls} control bytes in the first {len(sample)} bytes"
    # Invalid UTF-8 alone is no sign of a binary file: a log in a code page
    # (cp1251, say) is text; it is scanned and its undecodable bytes reported.
    return None


def sniff_layout(sample: bytes, forced: str | None = None) -> Layout:
    """Decide encoding, BOM, binary-ness and newline from a source's first bytes."""
    layout = None
    allowed = _BYTE_ORDERS.get(forced, (canonical(forced),)) if forced else None
    for bom, name in _BOMS:
        if sample.startswith(bom):
            if allowed is None and name in _UNIT_WIDTH and _false_bom(sample[len(bom):], name):
                layout = Layout("utf-8", len(bom), "false bom")
            elif allowed is None or name in allowed:
                layout = Layout(name, len(bom), "bom")
            break
    if layout is None and forced is not None:
        layout = Layout(allowed[0], 0, "forced")
    if layout is None:
        guess = guess_utf16(sample)
        layout = Layout(guess, 0, "guessed") if guess else Layout("utf-8", 0, "default")
    body = sample[layout.bom:]
    if layout.how in ("default", "false bom") and _code_page(body.replace(b"\x00", b"")):
        layout = Layout(CODE_PAGE, layout.bom, "guessed" if layout.how == "default" else layout.how)
    if layout.transcoded:
        text = body[: len(body) - len(body) % layout.unit_width].decode(layout.encoding, "replace").encode("utf-8")
    else:
        text = body
        why = _binary_reason(body)
        if why:
            return Layout(layout.encoding, layout.bom, layout.how, True, why)
    newline = b"\r" if b"\n" not in text and b"\r" in text else b"\n"
    return Layout(layout.encoding, layout.bom, layout.how, False, None, newline)


def transcode(stream: BinaryIO, encoding: str, size: int, origin: int = 0) -> Iterator[bytes]:
    """UTF-8 chunks of a UTF-16/32 stream; undecodable units become U+FFFD and are counted."""
    decoder = codecs.getincrementaldecoder(encoding)("mfalogscan-count")
    at = origin
    while True:
        raw = stream.read(size)
        _decoding_at(at - len(decoder.getstate()[0]))  # bytes held back from the last chunk come first
        text = decoder.decode(raw, final=not raw)
        at += len(raw)
        if text:
            yield text.encode("utf-8", "surrogatepass")
        if not raw:
            return


class Validator:
    """Counts undecodable bytes of an ASCII-compatible stream, decoding only non-ASCII chunks."""

    def __init__(self, encoding: str, origin: int = 0):
        self._decoder = codecs.getincrementaldecoder(encoding)("mfalogscan-count")
        self._pending = False
        self._at = origin  # stream offset of the next byte fed

    def feed(self, data: bytes, final: bool = False) -> None:
        at, self._at = self._at, self._at + len(data)
        if data.isascii() and not self._pending and not final:
            return
        _decoding_at(at - len(self._decoder.getstate()[0]))
        self._decoder.decode(data, final)
        self._pending = bool(self._decoder.getstate()[0])


class UnitMapper:
    """Positions in searched bytes -> byte offsets in the original stream.

    Set a buffer with `start(buffer, original offset of its first byte)`,
    then ask `original(pos)` (cheapest in increasing order). For sources
    searched as they are this is an addition; for transcoded ones it counts
    UTF-16/32 code units in the UTF-8 between the last position and this one.
    """

    def __init__(self, unit_width: int):
        self._width = unit_width
        self._buf = b""
        self._pos = 0
        self._orig = 0

    def start(self, buffer: bytes, original: int) -> None:
        self._buf, self._pos, self._orig, self._base = buffer, 0, original, original

    def original(self, pos: int) -> int:
        if not self._width:
            return self._base + pos
        if pos < self._pos:
            self._pos, self._orig = 0, self._base
        seg = self._buf[self._pos:pos]
        points = len(seg.translate(None, _CONTINUATION))
        if self._width == 2:
            points += len(seg) - len(seg.translate(None, _FOUR_BYTE_LEADS))
        self._orig += self._width * points
        self._pos = pos
        return self._orig
