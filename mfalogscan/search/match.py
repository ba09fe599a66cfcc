"""Finding names in log text: a byte prefilter and an exact check.

Two levels, so that only lines that hit are ever decoded:

1. `NameMatcher.finder(encoding)` (a `ByteFinder`) finds in raw bytes every
   place where a name may be, for every name at once: an Aho-Corasick
   automaton over case-folded bytes (`automaton`), whose cost does not grow
   with the number of names, or the plain reference, `line_searcher`: one
   regular expression listing each character's case variants in that
   encoding. It only says "a name may be here"; the scanner uses it to pick
   candidate lines.
2. `NameMatcher.analyze(text)` looks at one decoded line and says, per
   subject, whether a name occurs there quoted (`"N"`), as an unquoted
   mention (`'N'` or bare, on a name boundary), or not at all (`jdoe2`).
   With `ahocorasick_rs` it runs an automaton of the folded names over the
   folded line; without it (or with `accelerate=False`), a trie of each
   name's case variants. Tests hold the two equal.

A *quoted occurrence* has `"` immediately before and after (so `""N""` in a
CSV export counts). A *mention* has, on each side, the end of the line or a
character that is not a word character, where `.`, `@` and `-` count as part
of the name when a word character follows (before) or precedes (after)
them: `jdoe.` at the end of a sentence is a mention, `jdoe.smith` and
`alice@contoso.com.au` are not mentions of `jdoe` or `alice@contoso.com`.
Both levels use the case folding of `casefold`, so they agree.

Every name is searched in both Unicode normal forms, composed (NFC: `í` is
one character) and decomposed (NFD: `i` plus a combining accent), because a
name typed on one system and a log written on another may differ in form
only; to a person they are the same name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Iterator, Sequence

from ..sources.decode import encodable
from .automaton import Prefilter, installed
from .casefold import fold, variants
from .trie import alternatives, trie_pattern

QUOTE = '"'
_JOINERS = ".@-"


@dataclass(frozen=True)
class Occurrence:
    """An occurrence of one subject's name on one line."""

    subject: int
    matched: str
    quoted: bool
    start: int
    end: int

    def beats(self, other: "Occurrence | None") -> bool:
        """Which occurrence a line is reported by: a quoted one beats a mention, else the first stays."""
        return other is None or (self.quoted and not other.quoted)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _open_before(text: str, start: int) -> bool:
    if start == 0:
        return True
    prev = text[start - 1]
    if _is_word(prev):
        return False
    return not (prev in _JOINERS and start >= 2 and _is_word(text[start - 2]))


def _open_after(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    nxt = text[end]
    if _is_word(nxt):
        return False
    return not (nxt in _JOINERS and end + 1 < len(text) and _is_word(text[end + 1]))


def _byte_piece(encoding: str) -> Callable[[str], str | None]:
    """Render one folded char's encoded variants as a latin-1 str standing for a bytes pattern;
    None when no variant is encodable."""

    def piece(ch: str) -> str | None:
        encoded = []
        for v in variants(ch):
            if encodable(v, encoding):
                b = v.encode(encoding)
                if b not in encoded:
                    encoded.append(b)
        if not encoded:
            return None
        return alternatives([b.decode("latin-1") for b in encoded])

    return piece


def _str_piece(ch: str) -> str:
    return alternatives(list(variants(ch)))


class ByteFinder:
    """Where a name may be in a buffer: never missing one, start and end as one search for all names gives.

    `finder(buf)` gives a function pos -> (start, end) of the next candidate at
    or after pos, or None; `spans(buf, pos)` every candidate from pos on, left
    to right, not overlapping. The fast way (`automaton.Prefilter`): the buffer
    and the names under one byte transform that merges case variants, searched
    by an Aho-Corasick automaton (`ahocorasick_rs`, without the GIL) whose cost
    does not grow with the names, or with `accelerate=False` (or without it) by
    a trie over the same bytes. The plain way runs the full variant trie on the
    raw bytes; tests check all three give the same candidates.
    """

    def __init__(self, matcher: "NameMatcher", encoding: str, fast: bool = True, accelerate: bool = True):
        # `encoding` is ASCII-compatible (the scanner transcodes anything else to UTF-8).
        self.fast = fast
        self._matcher, self._encoding = matcher, encoding
        self.prefilter = Prefilter(matcher.keys, encoding, accelerate) if fast else None

    @cached_property
    def raw(self) -> re.Pattern | None:
        return self._matcher.line_searcher(self._encoding)

    def __call__(self, buf: bytes, base: int = 0):
        # `base` (buf's position in the stream) is part of the searcher contract; a ByteFinder needs none.
        if self.prefilter is not None:
            return self.prefilter.finder(buf)
        return _regex_finder(self.raw, buf)

    def spans(self, buf: bytes, pos: int = 0) -> Iterator[tuple[int, int]]:
        """Every candidate (start, end) in buf from pos on, left to right, not overlapping."""
        if self.prefilter is not None:
            return self.prefilter.spans(buf, pos)
        if self.raw is None:
            return iter(())
        return (m.span() for m in self.raw.finditer(buf, pos))


def _regex_finder(pattern: re.Pattern | None, buf: bytes):
    if pattern is None:
        return lambda pos: None
    search = pattern.search

    def find(pos: int):
        m = search(buf, pos)
        return None if m is None else m.span()

    return find


class NameMatcher:
    """All searched names (subjects and their aliases) compiled for matching.

    `names` is a sequence of (name, subject index) pairs. Names must already
    be validated (non-empty, no `"`, no control characters).
    """

    def __init__(self, names: Sequence[tuple[str, int]], accelerate: bool = True):
        self._subjects_of: dict[str, tuple[int, ...]] = {}
        for name, subject in names:
            for form in ("NFC", "NFD"):
                key = fold(unicodedata.normalize(form, name))
                got = self._subjects_of.get(key, ())
                if subject not in got:
                    self._subjects_of[key] = got + (subject,)
        self.keys = sorted(self._subjects_of)
        keyset = set(self.keys)
        # Names that are proper prefixes of another: the trie reports only the
        # longest name at a position, so the shorter ones are checked there too.
        self._prefixes = {
            k: tuple(k[:i] for i in range(len(k) - 1, 0, -1) if k[:i] in keyset) for k in self.keys
        }
        self.max_chars = max((len(k) for k in self.keys), default=0)
        # With ahocorasick_rs, the exact check runs an automaton over the folded text (fold() maps one
        # character to one, so its positions are the text's); else the `re` trie of case variants. Built on
        # first use: with 10,000 names the trie alone took about 2 s to compile.
        self._by_automaton = accelerate and bool(self.keys) and installed()

    def subjects_of(self, matched: str) -> tuple[int, ...]:
        return self._subjects_of.get(fold(matched), ())

    @lru_cache(maxsize=16)
    def line_searcher(self, encoding: str) -> re.Pattern | None:
        """A bytes pattern whose matches start wherever a name may start; None if no name is encodable."""
        return self._byte_trie(encoding)

    @lru_cache(maxsize=16)
    def quoted_searcher(self, encoding: str) -> re.Pattern | None:
        """A bytes pattern for `"name"` in `encoding`; group 1 is the name. Used on binary files."""
        quote = re.escape(QUOTE.encode(encoding).decode("latin-1"))
        return self._byte_trie(encoding, quote + "(?=(", ")" + quote + ")")

    def _byte_trie(self, encoding: str, before: str = "", after: str = "") -> re.Pattern | None:
        piece = _byte_piece(encoding)
        keys = [k for k in self.keys if all(piece(ch) is not None for ch in k)]
        if not keys:
            return None
        body = trie_pattern(keys, piece)
        return re.compile((before + "(?:" + body + ")" + after).encode("latin-1"), re.DOTALL)

    @lru_cache(maxsize=16)
    def finder(self, encoding: str, fast: bool = True, accelerate: bool = True) -> "ByteFinder":
        """Where names may start in buffers of `encoding` (see ByteFinder); `accelerate=False` keeps ahocorasick_rs out."""
        return ByteFinder(self, encoding, fast, accelerate)

    @lru_cache(maxsize=4)
    def code_page_finder(self, encoding: str, fast: bool = True, accelerate: bool = True) -> "ByteFinder | None":
        """Where names may be in `encoding`'s bytes, for the names whose bytes there differ from their UTF-8
        (those with a character over ASCII that `encoding` has); None when there is no such name. For a UTF-8
        source that turns out to hold code-page lines (`codepage.CodePageSearch`)."""
        piece = _byte_piece(encoding)
        keys = [k for k in self.keys if not k.isascii() and all(piece(ch) is not None for ch in k)]
        if not keys:
            return None
        return NameMatcher([(k, 0) for k in keys], accelerate).finder(encoding, fast, accelerate)

    def max_bytes(self, encoding_width: int = 4) -> int:
        """An upper bound on the encoded length of any name."""
        return self.max_chars * encoding_width

    @cached_property
    def _ladder(self) -> dict[str, tuple[str, ...]]:
        """Per key, itself and then its prefixes that are names too, longest first."""
        return {k: (k,) + p for k, p in self._prefixes.items()}

    @cached_property
    def _exact(self) -> re.Pattern | None:
        """The bare trie: occurrences() searches it from one past each start (see there)."""
        return re.compile(trie_pattern(self.keys, _str_piece)) if self.keys else None

    @cached_property
    def _folded_automaton(self):
        import ahocorasick_rs

        return ahocorasick_rs.AhoCorasick(self.keys, matchkind=ahocorasick_rs.MATCHKIND_STANDARD)

    def occurrences(self, text: str, lo: int = 0, hi: int | None = None):
        """Every quoted occurrence or mention starting in text[lo:hi], as Occurrence objects in text order.

        search() from one past the last start gives every start the lookahead
        "(?=(trie))" would, in order, with the same match at each; it skips
        ahead on the trie's first characters, where the lookahead was tried
        at every position (about 2 us a line instead of 5).
        """
        n = len(text)
        hi = n if hi is None else hi
        if self._by_automaton:
            yield from self._automaton_occurrences(text, lo, hi)
            return
        if self._exact is None:
            return
        search, ladder, subjects_of = self._exact.search, self._ladder, self._subjects_of
        pos = lo
        while True:
            m = search(text, pos)
            if m is None:
                return
            start = m.start()
            if start >= hi:
                return
            pos = start + 1
            for k in ladder[fold(m.group())]:
                yield from _named_at(text, start, start + len(k), subjects_of[k])

    def _automaton_occurrences(self, text: str, lo: int, hi: int):
        """occurrences() by the automaton: every key at every start (overlapping), in text order, longest first."""
        found = self._folded_automaton.find_matches_as_indexes(fold(text), overlapping=True)
        if not found:
            return
        found.sort(key=lambda m: (m[1], -m[2]))
        keys, subjects_of = self.keys, self._subjects_of
        for index, start, end in found:
            if start < lo:
                continue
            if start >= hi:
                return
            yield from _named_at(text, start, end, subjects_of[keys[index]])

    def analyze(self, text: str, lo: int = 0, hi: int | None = None) -> dict[int, Occurrence]:
        """Per subject, its best occurrence among those starting in text[lo:hi]."""
        best: dict[int, Occurrence] = {}
        for occ in self.occurrences(text, lo, hi):
            have = best.get(occ.subject)
            if have is None or (occ.quoted and not have.quoted):  # Occurrence.beats
                best[occ.subject] = occ
        return best


def _named_at(text: str, start: int, end: int, subjects: tuple[int, ...]) -> Iterator[Occurrence]:
    """The occurrences of a name found at text[start:end], for each of its subjects: quoted, a mention, or none."""
    quoted = start > 0 and text[start - 1] == QUOTE and end < len(text) and text[end] == QUOTE
    if not quoted and not (_open_before(text, start) and _open_after(text, end)):
        return
    for subject in subjects:
        yield _occurrence(subject, text[start:end], quoted, start, end)


def _occurrence(subject: int, matched: str, quoted: bool, start: int, end: int) -> Occurrence:
    """Occurrence(subject, matched, quoted, start, end) without the frozen __init__'s five object.__setattr__ calls."""
    occ = object.__new__(Occurrence)
    object.__setattr__(occ, "__dict__", {"subject": subject, "matched": matched, "quoted": quoted, "start": start, "end": end})
    return occ
