"""Where a name may be in an EVTX chunk's raw bytes, before any BinXML is parsed.

BinXML keeps a record's values in the record itself: strings as UTF-16LE
(sometimes as ANSI bytes), SIDs in their binary form. So the bytes of a
record that names a subject hold the name in one of those forms, and a
chunk (or a record) whose bytes hold none need not be parsed at all: the
event scanner parses only chunks with a hit and decodes only the records
that hold one, which is what keeps it near the speed of the BinXML reader
alone on a busy log (`bench/README.md`).

Case: the buffer and the needles go through one byte table that maps the
ASCII and Latin-1 capitals to their small letters, so a UTF-16LE character
up to U+00FF is found in either case with one needle (its second byte is 0).
A case form beyond it (`Ł`/`ł`, `ſ` for `s`, the Kelvin sign for `k`) is
a needle of its own: a name is searched as every combination of its
characters' forms, at most `CAP` of them (else by its longest stretch within
that, of at least `MIN_RUN` characters), and a name with no such stretch
makes every record a candidate (correct, only slower). A name in the form of
a SID (`S-1-5-21-...`, an alias from --users-file) is searched as the binary
SID too.

Only a prefilter: every hit is checked on the parsed record's fields.
"""

from __future__ import annotations

import bisect
import re
import struct
import unicodedata
from typing import Iterable, Sequence

from ..search.automaton import installed
from ..search.casefold import fold, variants
from ..search.literals import Literals

MIN_RUN = 3
CAP = 64  # byte strings per name at most: a name with more case forms is searched by its longest stretch within

_UPPER = bytes(range(0x41, 0x5B)) + bytes(b for b in range(0xC0, 0xDF) if b != 0xD7)
_TABLE = bytes.maketrans(_UPPER, bytes(b + 0x20 for b in _UPPER))
_SID = re.compile(r"S-(\d{1,3})-(\d+)((?:-\d+){0,15})\Z", re.IGNORECASE)


def _pieces(ch: str) -> frozenset[bytes]:
    """The byte-table images of every case form of `ch` in UTF-16LE: one for the forms up to U+00FF that the
    table merges, and one each for the others (`ſ` for `s`, the Kelvin sign for `k`)."""
    return frozenset(v.encode("utf-16-le").translate(_TABLE) for v in variants(ch))


def _forms(window: str) -> int:
    n = 1
    for ch in window:
        n *= len(_pieces(ch))
    return n


def _window(key: str) -> str:
    """The longest stretch of a folded name whose case forms are at most CAP byte strings."""
    best = ""
    for start in range(len(key)):
        end, n = start, 1
        while end < len(key) and n * len(_pieces(key[end])) <= CAP:
            n *= len(_pieces(key[end]))
            end += 1
        if end - start > len(best):
            best = key[start:end]
    return best


def _images(window: str) -> set[bytes]:
    images = {b""}
    for ch in window:
        images = {a + b for a in images for b in _pieces(ch)}
    return images


def sid_bytes(text: str) -> bytes | None:
    """`S-1-5-21-1-2-3-1001` as the SID structure BinXML stores (revision, count, 48-bit authority, sub-authorities)."""
    m = _SID.match(text.strip())
    if m is None:
        return None
    revision, authority = int(m.group(1)), int(m.group(2))
    subs = [int(s) for s in m.group(3).split("-")[1:]]
    if revision > 255 or authority >= 1 << 48 or any(s >= 1 << 32 for s in subs):
        return None
    return bytes([revision, len(subs)]) + authority.to_bytes(6, "big") + b"".join(struct.pack("<I", s) for s in subs)


def needles(names: Iterable[str]) -> tuple[list[bytes], bool]:
    """The byte-table images to search for `names`, and whether some name cannot be searched so (every record is
    then a candidate)."""
    out: set[bytes] = set()
    unsearchable = False
    for name in names:
        sid = sid_bytes(name)
        if sid is not None:
            out.add(sid.translate(_TABLE))
        for form in {unicodedata.normalize(f, name) for f in ("NFC", "NFD")}:
            window = _window(fold(form))
            if len(window) < MIN_RUN:
                unsearchable = True
                continue
            out |= _images(window)
            if window.isascii():
                out.add(window.encode("ascii").translate(_TABLE))  # ANSI strings
    return sorted(out), unsearchable


class RawNames:
    """`hits(buf)`: offsets in buf where a subject's name may be; `everywhere` when that cannot be told."""

    def __init__(self, names: Sequence[str], accelerate: bool = True):
        pats, self.everywhere = needles(names)
        self._auto = None
        if pats and accelerate and installed():
            import ahocorasick_rs

            self._auto = ahocorasick_rs.BytesAhoCorasick(pats, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST)
        self._lit = Literals(pats) if pats and self._auto is None else None

    def hits(self, buf: bytes) -> list[int]:
        folded = buf.translate(_TABLE)
        if self._auto is not None:
            return [start for _, start, _ in self._auto.find_matches_as_indexes(folded)]
        if self._lit is None:
            return []
        out, pos = [], 0
        while (got := self._lit.first(folded, pos)) is not None:
            out.append(got[0])
            pos = got[0] + 1
        return out

    def marked(self, hits: Sequence[int], starts: Sequence[int], ends: Sequence[int]) -> tuple[list[bool], int]:
        """Per record (its start and end offsets in the buffer, in order): whether one of `hits` (from `hits()`
        of the same buffer) lies inside it; and how many hits lie in no record."""
        if self.everywhere:
            return [True] * len(starts), 0
        flags, outside = [False] * len(starts), 0
        for at in hits:
            i = bisect.bisect_right(starts, at) - 1
            if i >= 0 and at < ends[i]:
                flags[i] = True
            else:
                outside += 1
        return flags, outside
