"""Code-page text among UTF-8: telling a Windows code page (cp1252) from broken UTF-8, for a sample or a line.

A log that is not UTF-8 is most often in the Windows code page of Western
Europe and the Americas, cp1252 (`M\\xfcller`, `Garc\\xeda`). Its bytes
over 0x7F stand inside words; broken UTF-8 has them anywhere (`\\xc3(`, a
lone `\\x80` between digits, an overlong `\\xc0\\xa2` before a name), and
real UTF-8 has well-formed sequences. `looks_like_code_page` is that test;
`sniff_layout` applies it to a source's first 64 KiB, and `decode_line`
to a single line that hits but is not UTF-8 (a UTF-8 head, then lines a
code-page program wrote). Other code pages are never guessed: they need
`--encoding`.
"""

from __future__ import annotations

import re

CODE_PAGE = "cp1252"  # what Windows writes where it does not write UTF-8 (Western Europe and the Americas)

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


def looks_like_code_page(body: bytes, cut: bool = True) -> bool:
    """True when `body` is not UTF-8 but CODE_PAGE text: it has bytes over 0x7F, not one of them in a
    well-formed UTF-8 sequence, all of them characters of CODE_PAGE, and at least 4 in 5 of them letters inside
    words (a log in UTF-8 with one broken byte stays UTF-8, so the names written in UTF-8 are still found).
    `cut`: the body may end inside a character (a sample), which is no sign against UTF-8."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
        return False
    except UnicodeDecodeError as e:
        if cut and e.start >= len(body) - 3:
            return False  # a character cut off at the sample's end
    if _UTF8_MULTI.search(body):
        return False
    try:
        body.decode(CODE_PAGE)
    except UnicodeDecodeError:
        return False
    high = _HIGH.findall(body)
    in_words = _IN_WORD.findall(body)
    return len(in_words) * 5 >= len(high) * 4


def decode_line(data: bytes) -> tuple[str, bool]:
    """A line of a UTF-8 source: as UTF-8 when it is; as CODE_PAGE when it is not and its bytes fit the code page
    (then True); else as UTF-8 with U+FFFD for what does not decode."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    if looks_like_code_page(data, cut=False):
        return data.decode(CODE_PAGE), True
    return data.decode("utf-8", "replace"), False


def line_decoder(encoding: str, code_page_lines: bool):
    """How the scan reads a line's bytes as text (scanning.findings.FindingBuilder._decode): in `encoding`,
    U+FFFD for what does not decode; with `code_page_lines` (a UTF-8 source), a line that is not UTF-8 as
    decode_line reads it."""
    if code_page_lines:
        return lambda data: decode_line(data)[0]
    return lambda data: data.decode(encoding, "replace")
