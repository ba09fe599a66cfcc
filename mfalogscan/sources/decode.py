"""Encodings: which one a source is in, and bytes the matcher can search.

The matcher searches raw bytes in an *ASCII-compatible* encoding (UTF-8,
Windows code pages, Latin-1). Sources in such an encoding are searched as
they are (`Validator` counts what does not decode); sources in UTF-16 or
UTF-32 are transcoded to UTF-8 chunk by chunk (`transcode`). Undecodable
bytes never stop a scan: they are counted by the `mfalogscan-count` error
handler and shown as U+FFFD. `codepage` and `utf16` hold the guesses
made without a BOM.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from .codepage import CODE_PAGE, looks_like_code_page
from .utf16 import guess_utf16, realign


SAMPLE = 64 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
UNIT_WIDTH = {"utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}
_CONTROL = bytes(range(1, 9)) + bytes(range(0x0E, 0x1B)) + bytes(range(0x1C, 0x20))
_SHORT_NUL_RUN = re.compile(rb"(?<!\x00)\x00{1,3}(?!\x00)")
_WIDE_TEXT = re.compile(rb"(?:[\t\n\r\x20-\x7e]\x00){4,}|(?:\x00[\t\n\r\x20-\x7e]){4,}")
_LINE_END = re.compile("\r\n|\r|\n")

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


def decoding_at(offset: int) -> None:
    """The stream offset of the next decode's first byte (where its undecodable bytes are placed)."""
    _first_bad[0] = offset


def undecodable_state() -> tuple:
    return _undecodable[0], _first_bad[1]


def restore_undecodable(state: tuple) -> None:
    """Undo the counting of a decode whose result is thrown away (the transcoder decodes a chunk again)."""
    _undecodable[0], _first_bad[1] = state


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
    if not (ascii_compatible(name) or name in UNIT_WIDTH):
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

    @property
    def transcoded(self) -> bool:
        return self.encoding in UNIT_WIDTH

    @property
    def code_page_lines(self) -> bool:
        """True when a line that is not UTF-8 may be read as CODE_PAGE (`codepage.decode_line`): a UTF-8 source
        whose encoding was not given with --encoding."""
        return self.encoding == "utf-8" and self.how != "forced"

    @property
    def search_encoding(self) -> str:
        return "utf-8" if self.transcoded else self.encoding

    @property
    def unit_width(self) -> int:
        return UNIT_WIDTH.get(self.encoding, 0)

    def sample_lines(self, sample: bytes, limit: int) -> list[str]:
        """The first `limit` lines of a sample read as this layout (for sniffing the framing); a line ends at LF,
        CRLF or a lone CR, as in the scan (`lineends`)."""
        body = _in_step(sample[self.bom :], self.encoding, self.bom)
        if self.transcoded:
            body = body[: len(body) - len(body) % self.unit_width]
        return _LINE_END.split(body.decode(self.encoding, "replace"), limit)[:limit]

    def describe(self) -> str:
        tail = {"bom": " (BOM)", "forced": " (--encoding)", "guessed": " (guessed, no BOM)",
                "false bom": " (after a UTF-16/32 byte-order mark that does not fit the text)"}.get(self.how, "")
        return self.encoding + tail


def _false_bom(body: bytes, encoding: str) -> bool:
    """True when the text after a UTF-16/32 BOM does not read as that encoding (a chance `FF FE` before UTF-8 or
    code-page text): its line breaks are not in that width, or it decodes to replacement, unassigned or
    control characters (UTF-8 read as UTF-16 gives CJK soup with its newlines in the wrong place)."""
    width = UNIT_WIDTH[encoding]
    body = _in_step(body, encoding, 0)
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


def _in_step(body: bytes, encoding: str, origin: int) -> bytes:
    """A UTF-16 sample with the NUL bytes that put it out of step set aside (see `utf16`); others as they are."""
    return realign(body, encoding, origin) if UNIT_WIDTH.get(encoding) == 2 else body


def _find_all(data: bytes, needle: bytes, limit: int = 4096) -> Iterator[int]:
    at = data.find(needle)
    while at >= 0 and limit:
        yield at
        at, limit = data.find(needle, at + 1), limit - 1


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
    """Decide encoding, BOM and binary-ness from a source's first bytes (line ends are decided as they come:
    `lineends`)."""
    layout = None
    allowed = _BYTE_ORDERS.get(forced, (canonical(forced),)) if forced else None
    for bom, name in _BOMS:
        if sample.startswith(bom):
            if allowed is None and name in UNIT_WIDTH and _false_bom(sample[len(bom):], name):
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
    if layout.how in ("default", "false bom") and looks_like_code_page(body.replace(b"\x00", b"")):
        layout = Layout(CODE_PAGE, layout.bom, "guessed" if layout.how == "default" else layout.how)
    if not layout.transcoded:
        why = _binary_reason(body)
        if why:
            return Layout(layout.encoding, layout.bom, layout.how, True, why)
    return layout


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
        decoding_at(at - len(self._decoder.getstate()[0]))
        self._decoder.decode(data, final)
        self._pending = bool(self._decoder.getstate()[0])
