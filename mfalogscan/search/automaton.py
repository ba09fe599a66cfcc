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

The expanded literals (each key gives the product of its characters'
forms) are searched overlapping, by `ahocorasick_rs` (a Rust automaton that
searches without the GIL) or, without it (or with `accelerate=False`), by
`literals.Literals` (a regular expression of their first bytes and a dict),
both at a cost that does not grow with the names: every key at every
position, so the longest key found at a start is its span's end (the
reference regex's match at a start is the longest key there too: branches
of a node begin with different characters, and a key that ends at a node
makes the rest greedily optional). A key with more than `CAP` forms is
searched by its longest prefix within the cap, and each start of such a
prefix is confirmed by an anchored match of a `re` trie of those keys alone
(a character's variants as alternatives), which also gives the end. One
`re` trie of every key confirmed every start before: for 100,000 names it
took 7 s and 270 MB to build.
The automaton searches a buffer in blocks, so a name on nearly every byte
costs memory in proportion to a block, not to the buffer; `Literals` is
asked for one start at a time.
"""

from __future__ import annotations

import bisect
import codecs
import re
from functools import lru_cache
from typing import Callable, Iterator, Sequence

from ..sources.decode import encodable
from .casefold import fold, variants
from .literals import Literals
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
        self._pieces: dict[str, list[bytes]] = {}  # 100,000 names ask for a few dozen characters 3 million times
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
        got = self._pieces.get(ch)
        if got is None:
            got = self._pieces[ch] = self._images(ch)
        return got

    def _images(self, ch: str) -> list[bytes]:
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


def literals(keys: Sequence[str], tr: Transform, cap: int = CAP) -> tuple[dict[bytes, int], list[str]]:
    """T-images of every encoded variant of every key, and the keys with more than `cap` of them.

    The images map to 1 when they are a whole key, 2 when they are the
    prefix (the longest within `cap` forms) of a key with too many, 3 both.
    """
    out: dict[bytes, int] = {}
    capped: list[str] = []
    plain = tr.kind == "utf-8"  # there an ASCII key's only image is itself, lowered (as the transform lowers)
    for key in keys:
        if plain and key.isascii():
            image = key.encode().lower()
            out[image] = out.get(image, 0) | 1
            continue
        alts, whole = [b""], 1
        for p in map(tr.pieces, key):
            if len(alts) * len(p) > cap and alts != [b""]:
                whole = 2  # a prefix of a name starts where the name does
                capped.append(key)
                break
            alts = [a + b for a in alts for b in p] if len(p) > 1 else [a + p[0] for a in alts]
        for image in alts:
            out[image] = out.get(image, 0) | whole
    return out, capped


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
        missing = {ch for ch in set().union(*keys) if not self.tr.pieces(ch)} if keys else set()
        if missing:
            keys = [k for k in keys if missing.isdisjoint(k)]  # others have no form here
        self.trie = self._auto = self._prefix = None
        self.literals: list[bytes] = []
        self._whole: list[bool] = []
        if keys:
            images, capped = literals(keys, self.tr, cap)
            self.literals = list(images)
            self._auto = _automaton(self.literals) if accelerate and installed() else Literals(self.literals)
            # Per pattern: whether it is a whole key, and whether it stands for a longer one.
            self._whole = [bool(images[p] & 1) for p in self.literals]
            self._prefix = [bool(images[p] & 2) for p in self.literals] if capped else None
            self.trie = re.compile(_trie(capped, self.tr.pieces), re.DOTALL) if capped else None
        self.reach = max(map(len, self.literals), default=0)  # T-bytes a literal spans at most
        self.blocks = _BLOCK
        self.backend = None if self._auto is None else "python" if isinstance(self._auto, Literals) else "ahocorasick_rs"

    def finder(self, buf: bytes) -> Callable[[int], tuple[int, int] | None]:
        """pos -> (start, end) of the first span starting at or after pos, or None (fastest as pos grows)."""
        if self.backend is None:
            return lambda pos: None
        folded = self.tr.apply(buf)
        text, raw = folded.text, folded.raw
        match = None if self.trie is None else self.trie.match
        if self.backend == "python":
            first = self._python_first(text)
        else:
            first = _Starts(self, text).first

        def find(pos: int):
            t = folded.t(pos)
            while (got := first(t)) is not None:
                s, e = got
                if e < 0:  # a key with too many forms may start here: the trie of those keys says
                    m = match(text, s)
                    e = max(m.end() if m is not None else 0, -e - 1)
                if e:
                    return raw(s), raw(e)
                t = s + 1
            return None

        return find

    def _python_first(self, text: bytes) -> Callable[[int], tuple[int, int] | None]:
        """_Starts.first by Literals, asked one start at a time: no block of starts is found and sorted ahead (the
        line scanner skips the rest of a line that holds a name), and no list is made at a start."""
        lit, whole, prefix, size = self._auto, self._whole, self._prefix, len(text)
        search, lengths, index = lit.heads.search, lit.lengths, lit.index.get
        if prefix is None and lit.head >= self.reach:
            # Every literal is a whole key and its own head (a few names): the expression's match at a start is
            # the longest key there, and its end the span's.
            def longest(t: int):
                m = search(text, t)
                return None if m is None else m.span()

            return longest

        def at(t: int):
            while (m := search(text, t)) is not None:
                s = m.start()
                e, unsure = 0, False
                for n in lengths[m.group()]:  # longest first
                    if s + n <= size and (i := index(text[s : s + n])) is not None:
                        if not e and whole[i]:
                            e = s + n
                        if prefix is not None and prefix[i]:
                            unsure = True
                if unsure:
                    return s, -1 - e
                if e:
                    return s, e
                t = s + 1
            return None

        return at

    def spans(self, buf: bytes, pos: int = 0) -> Iterator[tuple[int, int]]:
        find = self.finder(buf)
        while (m := find(pos)) is not None:
            yield m
            pos = m[1]

    def starts(self, buf: bytes) -> list[int]:
        """Every raw offset where a literal starts (a superset of the spans' starts; for tests)."""
        folded = self.tr.apply(buf)
        first = self._python_first(folded.text) if self.backend == "python" else _Starts(self, folded.text).first
        out, s = [], first(0)
        while s is not None:
            out.append(folded.raw(s[0]))
            s = first(s[0] + 1)
        return out


class _Starts:
    """The automaton's starts in T(buf), each with the end of the longest whole key found there, block by block
    as `first(t)` asks for later ones."""

    def __init__(self, pf: Prefilter, text: bytes):
        self._auto, self._text, self._view, self._reach = pf._auto, text, memoryview(text), pf.reach
        self._whole, self._prefix = pf._whole, pf._prefix
        self._lo = self._hi = 0  # the block searched: starts in text[lo:hi]
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._blocks, self._size = pf.blocks, pf.blocks[1]

    def first(self, t: int) -> tuple[int, int] | None:
        """(start, end) of the first start at or after T-offset t: end 0 when no whole key ends there, -1 - end
        when a capped key's prefix starts there too (going back before the current block searches again)."""
        while True:
            if self._lo <= t:
                i = bisect.bisect_left(self._starts, t)
                if i < len(self._starts):
                    return self._starts[i], self._ends[i]
                if self._hi >= len(self._text):
                    return None
                t = max(t, self._hi)  # none in this block from t on: on to the next
            self._search(t)

    def _search(self, lo: int) -> None:
        hi = min(len(self._text), lo + self._size)
        n, whole = hi - lo, self._whole
        # Overlapping: every pattern at every start, seen whole; sorted, the longest at a start comes last and
        # stays in the dict.
        found = self._auto.find_matches_as_indexes(self._view[lo : hi + self._reach - 1], overlapping=True)
        if self._prefix is None:  # every pattern is a whole key
            best = {lo + s: lo + e for s, e in sorted((s, e) for _, s, e in found if s < n)}
        else:
            pairs = sorted((s, lo + e if whole[i] else 0) for i, s, e in found if s < n)
            best = {lo + s: e for s, e in pairs}
            prefix = self._prefix
            for s in {s for i, s, _ in found if s < n and prefix[i]}:
                best[lo + s] = -1 - best[lo + s]
        self._starts, self._ends = list(best), list(best.values())
        self._lo, self._hi = lo, hi
        least, _, most = self._blocks
        grown = self._size * _STARTS_PER_BLOCK // max(1, len(self._starts))
        self._size = max(least, min(most, 4 * self._size, grown))  # grows slowly: density may change
