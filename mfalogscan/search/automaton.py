"""The name prefilter's engine: where names occur in raw bytes, at a cost that does not grow with the names.

Takes the folded keys of `NameMatcher.keys` and an ASCII-compatible
encoding. Gives a `Prefilter` whose `spans(buf, pos)` are the leftmost-longest
matches, left to right and not overlapping, of any case variant of any key in
`buf` from `pos` on: start and end exactly those of one regular expression
listing every variant of every key over `buf.lower()` (the search the scanner
made before this module), so no line and no long line's window changes.

How. One byte-wise transform T, applied to the buffer and to the patterns
alike, merges most case variants into one byte string:

* a single-byte code page: a 256-byte `bytes.translate` table maps every
  byte to the smallest byte of its fold class; offsets do not move;
* UTF-8: `bytes.lower()`, then K (U+212A), long s (U+017F) and dotless i
  (U+0131), the only non-ASCII members of ASCII letters' fold classes,
  replaced by their ASCII letter. UTF-8 is self-synchronising, so a replaced
  sequence is always a whole character; a sorted list of the replacements
  maps offsets back (only in buffers that hold one: `isascii()` skips the
  look). Other characters (ü/Ü, σ/ς/Σ) keep one form per variant;
* any other ASCII-compatible encoding (cp932, gbk...): `bytes.lower()`, every
  variant kept.

`Trie` is one `re` pattern over T(buf) for every key, a character's variants
as alternatives (its size grows with the names, not with their variants).
With `ahocorasick_rs` (a Rust automaton that searches without the GIL, at a
cost that does not grow with the names), the expanded literals (each key
gives the product of its characters' forms; past `CAP` only its longest
prefix within the cap) are searched overlapping: every position where a key
may start, a superset. Each, left to right, is confirmed by an anchored match
of the trie, which also gives the end. Without it (or `accelerate=False`)
the trie searches T(buf) itself: the same spans, slower with many names.
Buffers are searched in blocks, so a name on nearly every byte costs
memory in proportion to a block, not to the buffer.
"""

from __future__ import annotations

import bisect
import codecs
import re
from functools import lru_cache
from typing import Callable, Iterator, Sequence

from ..sources.decode import encodable
from .casefold import fold, variants
from .trie import alternatives, trie_pattern

CAP = 256  # literals per key at most; a key with more is searched by a prefix
_BLOCK = (1 << 12, 1 << 16, 1 << 18)  # T-bytes per automaton call: least, first, most
_STARTS_PER_BLOCK = 1 << 14  # blocks shrink or grow to about this many starts


@lru_cache(maxsize=None)
def single_byte(encoding: str) -> bool:
    """True when every byte of `encoding` is a whole character (or undefined)."""
    if codecs.lookup(encoding).name == "utf-8":
        return False
    for b in range(256):
        try:
            got = codecs.getincrementaldecoder(encoding)("strict").decode(bytes([b]), final=False)
        except UnicodeDecodeError:
            continue
        if len(got) != 1:
            return False
    return True


class Folded:
    """T(buf) and the way back: `raw(j)` is the offset in buf of T-offset j, `t(i)` the T-offset of raw offset i."""

    __slots__ = ("text", "_at", "_ends", "_tpos", "_drop")

    def __init__(self, text: bytes, reps: list[tuple[int, int]] | None = None):
        self.text = text
        self._at = self._ends = self._tpos = self._drop = None
        if reps:  # (raw offset, raw length) of every replaced character, sorted; each became one byte
            self._at = [i for i, _ in reps]
            self._ends = [i + n for i, n in reps]
            self._tpos, self._drop, total = [], [], 0
            for i, n in reps:
                self._tpos.append(i - total)
                total += n - 1
                self._drop.append(total)

    def raw(self, j: int) -> int:
        if self._tpos is None:
            return j
        k = bisect.bisect_left(self._tpos, j)  # replacements wholly before T-offset j
        return j + (self._drop[k - 1] if k else 0)

    def t(self, i: int) -> int:
        if self._at is None:
            return i
        k = bisect.bisect_left(self._at, i)  # replacements starting before raw offset i
        if k and i < self._ends[k - 1]:
            return self._tpos[k - 1] + 1  # inside a replaced character: no match starts there
        return i - (self._drop[k - 1] if k else 0)


class Transform:
    """T for one encoding: `apply(buf)` gives a Folded, `pieces(ch)` the T-forms of a folded character."""

    def __init__(self, encoding: str):
        self.encoding = encoding
        if codecs.lookup(encoding).name == "utf-8":
            self.kind = "utf-8"
            exotic = sorted({v for c in "abcdefghijklmnopqrstuvwxyz" for v in variants(c) if not v.isascii()})
            assert exotic == ["\u0131", "\u017f", "\u212a"], exotic  # K, long s, dotless i
            self._exotic = {ch.encode(): fold(ch).encode() for ch in exotic}
        elif single_byte(encoding):
            self.kind = "table"
            decoded = {}
            for b in range(256):
                try:
                    decoded[b] = bytes([b]).decode(encoding)
                except UnicodeDecodeError:
                    pass
            self._canon: dict[str, int] = {}
            for b, ch in sorted(decoded.items()):
                self._canon.setdefault(fold(ch), b)
            table = bytearray(range(256))
            for b, ch in decoded.items():
                table[b] = self._canon[fold(ch)]
            self._table = bytes(table)
        else:
            self.kind = "lower"

    def pieces(self, ch: str) -> list[bytes]:
        """The T-images of every encodable variant of the folded character `ch` (none: it cannot occur)."""
        if self.kind == "table":
            return [bytes([self._canon[ch]])] if ch in self._canon else []
        if self.kind == "utf-8" and ch.isascii():
            return [ch.encode().lower()]  # every variant, K and long s and dotless i too, becomes this byte
        out: list[bytes] = []
        for v in variants(ch):
            if encodable(v, self.encoding):
                b = v.encode(self.encoding).lower()
                if b not in out:
                    out.append(b)
        return out

    def apply(self, buf: bytes) -> Folded:
        if self.kind == "table":
            return Folded(buf.translate(self._table))
        low = buf.lower()
        if self.kind == "lower" or buf.isascii():
            return Folded(low)
        reps = []
        for seq in self._exotic:
            if seq in low:
                i = low.find(seq)
                while i >= 0:
                    reps.append((i, len(seq)))
                    i = low.find(seq, i + len(seq))
        if not reps:
            return Folded(low)
        reps.sort()
        parts, last = [], 0
        for i, n in reps:
            parts += (low[last:i], self._exotic[low[i : i + n]])
            last = i + n
        parts.append(low[last:])
        return Folded(b"".join(parts), reps)


def _trie(keys: Sequence[str], pieces: Callable[[str], list[bytes]]) -> bytes:
    """An alternation of the keys as a trie of bytes; a key's characters as the alternatives of their pieces."""
    return trie_pattern(keys, lambda ch: alternatives([p.decode("latin-1") for p in pieces(ch)])).encode("latin-1")


def literals(keys: Sequence[str], tr: Transform, cap: int = CAP) -> list[bytes]:
    """T-images of every encoded variant of every key (past `cap`, of its longest prefix within it), prefix-free."""
    pats: set[bytes] = set()
    for key in keys:
        alts = [b""]
        for p in (tr.pieces(ch) for ch in key):
            if len(alts) * len(p) > cap and alts != [b""]:
                break  # a prefix of a name starts where the name does
            alts = [a + b for a in alts for b in p]
        pats.update(alts)
    out: list[bytes] = []
    for p in sorted(pats):  # sorted: a pattern's prefixes come right before it
        if not (out and p.startswith(out[-1])):
            out.append(p)  # one that has another as its prefix adds no start
    return out


@lru_cache(maxsize=None)
def installed() -> bool:
    """True when ahocorasick_rs imports (it may be missing, or built for another platform)."""
    try:
        import ahocorasick_rs  # noqa: F401
    except ImportError:
        return False
    return True


def _automaton(pats: list[bytes]):
    import ahocorasick_rs

    return ahocorasick_rs.BytesAhoCorasick(pats, matchkind=ahocorasick_rs.MATCHKIND_STANDARD)


class Prefilter:
    """The spans of every key in buffers of one encoding; `backend` says which search runs (None: no key can occur)."""

    def __init__(self, keys: Sequence[str], encoding: str, accelerate: bool = True, cap: int = CAP):
        self.tr = Transform(encoding)
        keys = [k for k in keys if all(self.tr.pieces(ch) for ch in k)]  # others have no form here
        self.trie = re.compile(_trie(keys, self.tr.pieces), re.DOTALL) if keys else None
        self.literals = literals(keys, self.tr, cap) if keys and accelerate and installed() else []
        self._auto = _automaton(self.literals) if self.literals else None
        self.reach = max(map(len, self.literals), default=0)  # T-bytes a literal spans at most
        self.blocks = _BLOCK
        self.backend = None if self.trie is None else "ahocorasick_rs" if self._auto is not None else "re"

    def finder(self, buf: bytes) -> Callable[[int], tuple[int, int] | None]:
        """pos -> (start, end) of the first span starting at or after pos, or None (fastest as pos grows)."""
        if self.trie is None:
            return lambda pos: None
        folded = self.tr.apply(buf)
        text, match, raw = folded.text, self.trie.match, folded.raw
        if self._auto is None:
            search = self.trie.search

            def find_re(pos: int):
                m = search(text, folded.t(pos))
                return None if m is None else (raw(m.start()), raw(m.end()))

            return find_re
        starts = _Starts(self._auto, text, self.reach, self.blocks)

        def find(pos: int):
            t = folded.t(pos)
            while (s := starts.first(t)) is not None:
                m = match(text, s)
                if m is not None:
                    return raw(s), raw(m.end())
                t = s + 1
            return None

        return find

    def spans(self, buf: bytes, pos: int = 0) -> Iterator[tuple[int, int]]:
        find = self.finder(buf)
        while (m := find(pos)) is not None:
            yield m
            pos = m[1]

    def starts(self, buf: bytes) -> list[int]:
        """Every raw offset where the automaton says a key may start (a superset; for tests)."""
        folded = self.tr.apply(buf)
        got = _Starts(self._auto, folded.text, self.reach, self.blocks)
        out, s = [], got.first(0)
        while s is not None:
            out.append(folded.raw(s))
            s = got.first(s + 1)
        return out


class _Starts:
    """The automaton's start offsets in T(buf), found block by block as `first(t)` asks for later ones."""

    def __init__(self, auto, text: bytes, reach: int, blocks: tuple[int, int, int]):
        self._auto, self._text, self._view, self._reach = auto, text, memoryview(text), reach
        self._lo = self._hi = 0  # the block searched: starts in text[lo:hi]
        self._starts: list[int] = []
        self._blocks, self._size = blocks, blocks[1]

    def first(self, t: int) -> int | None:
        """The first start at or after T-offset t (going back before the current block searches again)."""
        while True:
            if self._lo <= t:
                i = bisect.bisect_left(self._starts, t)
                if i < len(self._starts):
                    return self._starts[i]
                if self._hi >= len(self._text):
                    return None
                t = max(t, self._hi)  # none in this block from t on: on to the next
            self._search(t)

    def _search(self, lo: int) -> None:
        hi = min(len(self._text), lo + self._size)
        # Overlapping: every pattern at every start (one at most: the literals are prefix-free), seen whole.
        found = self._auto.find_matches_as_indexes(self._view[lo : hi + self._reach - 1], overlapping=True)
        self._starts = sorted(lo + s for _, s, _ in found if s < hi - lo)
        self._lo, self._hi = lo, hi
        least, _, most = self._blocks
        grown = self._size * _STARTS_PER_BLOCK // max(1, len(self._starts))
        self._size = max(least, min(most, 4 * self._size, grown))  # grows slowly: density may change
