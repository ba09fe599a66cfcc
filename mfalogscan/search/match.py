"""Finding names in log text: a byte prefilter and an exact check.

Two levels, so that only lines that hit are ever decoded:

1. `NameMatcher.finder(encoding)` (a `ByteFinder`) finds in raw bytes every
   place where a name may be, for every name at once: a literal search
   over case-folded bytes (`automaton`: an Aho-Corasick automaton, or its
   stand-in in plain Python), whose cost does not grow with the number of
   names, or with `fast=False` the plain reference, `line_searcher`: one
   regular expression listing each character's case variants in that
   encoding. It only says "a name may be here"; the scanner uses it to pick
   candidate lines.
2. `NameMatcher.analyze(text)` looks at one decoded line and says, per
   subject, whether a name occurs there quoted (`"N"`), as an unquoted
   mention (`'N'` or bare, on a name boundary), or not at all (`jdoe2`).
   It searches the folded names in the folded line, every one at every
   position: by an automaton with `ahocorasick_rs`, else (or with
   `accelerate=False`) by `literals.Literals`, the same in plain Python.
   With `fast=False`, the reference: a trie of each name's case variants
   over the line itself. Tests hold the three equal.

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
from .casefold import fold, short_reason, variants
from .literals import Literals
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


def _delimited(key: str) -> tuple[str, ...]:
    """What the prefilter searches for a short name: its forms where quotes close it."""
    return ('"' + key + '"', "'" + key + "'", "\\" + key + '"', "\\" + key + "'")


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
    `literals.Literals`, the same in plain Python. The plain way runs the full
    variant trie on the raw bytes; tests check all three give the same candidates.
    """

    def __init__(self, matcher: "NameMatcher", encoding: str, fast: bool = True, accelerate: bool = True):
        # `encoding` is ASCII-compatible (the scanner transcodes anything else to UTF-8).
        self.fast = fast
        self._matcher, self._encoding = matcher, encoding
        self.prefilter = Prefilter(matcher.search_keys, encoding, accelerate) if fast else None

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
    be validated (non-empty, no `"`, no control characters); a short one
    (`short_reason`) is searched only where quotes close it.
    """

    def __init__(self, names: Sequence[tuple[str, int]], accelerate: bool = True, fast: bool = True):
        self._subjects_of: dict[str, tuple[int, ...]] = {}
        for name, subject in names:
            # An ASCII name is its own NFC and NFD form.
            forms = (name,) if name.isascii() else {unicodedata.normalize(f, name) for f in ("NFC", "NFD")}
            for form in forms:
                key = fold(form)
                got = self._subjects_of.get(key, ())
                if subject not in got:
                    self._subjects_of[key] = got + (subject,)
        self.keys = sorted(self._subjects_of)
        # Names too short to search as others (allowed by --short-names): found only where quotes close them, and
        # the prefilter searches those forms (search_keys) instead of the bare name in every line.
        short = [n for n, _ in names if short_reason(n)]
        self._short = frozenset(fold(unicodedata.normalize(f, n)) for n in short for f in ("NFC", "NFD"))
        self.search_keys = sorted({d for k in self.keys for d in (_delimited(k) if k in self._short else (k,))})
        self.max_chars = max((len(k) for k in self.search_keys), default=0)
        # The exact check searches the folded keys in the folded text (fold() maps one character to one, so its
        # positions are the text's), by the automaton or Literals; the reference (fast=False) is the `re` trie
        # of case variants, which took 28 s and 650 MB to compile for 100,000 names. Built on first use.
        self._by_literals = fast and bool(self.keys)
        self._accelerate = accelerate and installed()

    def subjects_of(self, matched: str) -> tuple[int, ...]:
        return self._subjects_of.get(fold(matched), ())

    @lru_cache(maxsize=16)
    def line_searcher(self, encoding: str) -> re.Pattern | None:
        """A bytes pattern whose matches start wherever a name may start; None if no name is encodable."""
        return self._byte_trie(encoding, keys=self.search_keys)

    @lru_cache(maxsize=16)
    def quoted_searcher(self, encoding: str) -> re.Pattern | None:
        """A bytes pattern for `"name"` in `encoding`; group 1 is the name. The reference of quoted_names()."""
        quote = re.escape(QUOTE.encode(encoding).decode("latin-1"))
        return self._byte_trie(encoding, quote + "(?=(", ")" + quote + ")")

    def quoted_names(self, encoding: str) -> Callable[[bytes], Iterator[tuple[int, int, str]]]:
        """buf -> (start of the quote, start of the name, the name) of every `"name"` in buf: the matches of
        quoted_searcher(encoding).finditer(buf), at a cost that does not grow with the names (raw matches in
        binary files; the trie took 200 s and 1.5 GB to build for 100,000 names).

        Each quote is tried: what lies between it and the next quote at a whole
        character's distance is a name when it decodes strictly to a key's case
        variant. No key holds a quote, so a name that fits there is the only one.
        """
        quote, keys = QUOTE.encode(encoding), self._subjects_of
        width, reach = len(quote), self.max_bytes() + len(quote)

        def names(buf: bytes) -> Iterator[tuple[int, int, str]]:
            find = buf.find
            p = find(quote)
            while p >= 0:
                s = p + width
                e = find(quote, s, s + reach)
                while e > s and (e - s) % width:  # a quote's bytes across two UTF-16 characters
                    e = find(quote, e + 1, s + reach)
                if e > s:
                    try:
                        name = buf[s:e].decode(encoding)
                    except UnicodeDecodeError:
                        name = None
                    if name is not None and fold(name) in keys:
                        yield p, s, name
                p = find(quote, p + 1)

        return names

    def _byte_trie(self, encoding: str, before: str = "", after: str = "", keys: Sequence[str] | None = None) -> re.Pattern | None:
        piece = _byte_piece(encoding)
        keys = [k for k in (self.keys if keys is None else keys) if all(piece(ch) is not None for ch in k)]
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
        """Per key, itself and then its prefixes that are names too, longest first.

        The trie reports only the longest name at a position, so the shorter
        ones are checked there too. Made in one pass over the sorted keys:
        a key's prefixes come before it, and every key between a prefix and
        it has that prefix too, so a stack holds exactly the prefixes.
        """
        ladder, stack = {}, []
        for k in self.keys:
            while stack and not k.startswith(stack[-1]):
                stack.pop()
            ladder[k] = (k, *reversed(stack))
            stack.append(k)
        return ladder

    @cached_property
    def _exact(self) -> re.Pattern | None:
        """The bare trie: occurrences() searches it from one past each start (see there)."""
        return re.compile(trie_pattern(self.keys, _str_piece)) if self.keys else None

    @cached_property
    def _folded_literals(self):
        if not self._accelerate:
            return Literals(self.keys)
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
        if self._by_literals:
            yield from self._literal_occurrences(text, lo, hi)
            return
        if self._exact is None:
            return
        search, ladder, subjects_of, short = self._exact.search, self._ladder, self._subjects_of, self._short
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
                yield from _named_at(text, start, start + len(k), subjects_of[k], k in short)

    def _literal_occurrences(self, text: str, lo: int, hi: int):
        """occurrences() by a literal search: every key at every start (overlapping), in text order, longest first."""
        if isinstance(self._folded_literals, Literals):
            yield from self._python_occurrences(text, lo, hi)
            return
        found = self._folded_literals.find_matches_as_indexes(fold(text), overlapping=True)
        if not found:
            return
        found.sort(key=lambda m: (m[1], -m[2]))
        keys, subjects_of, short = self.keys, self._subjects_of, self._short
        for index, start, end in found:
            if start < lo:
                continue
            if start >= hi:
                return
            key = keys[index]
            yield from _named_at(text, start, end, subjects_of[key], key in short)

    def _python_occurrences(self, text: str, lo: int, hi: int):
        """_literal_occurrences() by Literals, from lo on and start by start, with no list of every match to sort
        (on the busy account's lines that list and its sort took 1.3 of 4.3 us a line)."""
        folded, lit = fold(text), self._folded_literals
        search, lengths, subjects_of, short, size = lit.heads.search, lit.lengths, self._subjects_of, self._short, len(text)
        pos = lo
        while (m := search(folded, pos)) is not None and (start := m.start()) < hi:
            for n in lengths[m.group()]:  # longest first
                if start + n <= size and (subjects := subjects_of.get(key := folded[start : start + n])) is not None:
                    yield from _named_at(text, start, start + n, subjects, key in short)
            pos = start + 1

    def analyze(self, text: str, lo: int = 0, hi: int | None = None) -> dict[int, Occurrence]:
        """Per subject, its best occurrence among those starting in text[lo:hi]."""
        best: dict[int, Occurrence] = {}
        for occ in self.occurrences(text, lo, hi):
            have = best.get(occ.subject)
            if have is None or (occ.quoted and not have.quoted):  # Occurrence.beats
                best[occ.subject] = occ
        return best


def _named_at(text: str, start: int, end: int, subjects: tuple[int, ...], short: bool = False) -> Iterator[Occurrence]:
    """The occurrences of a name found at text[start:end], for each of its subjects: quoted, a mention, or none.

    A short name (see short_reason) counts only where quotes close it: `"a"` is quoted, `'a'` and `\\a"` or
    `\\a'` are mentions."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    quoted = before == QUOTE == after
    if short:
        if not (quoted or before == after == "'" or (before == "\\" and after in ('"', "'"))):
            return
    elif not quoted and not (_open_before(text, start) and _open_after(text, end)):
        return
    for subject in subjects:
        yield _occurrence(subject, text[start:end], quoted, start, end)


def _occurrence(subject: int, matched: str, quoted: bool, start: int, end: int) -> Occurrence:
    """Occurrence(subject, matched, quoted, start, end) without the frozen __init__'s five object.__setattr__ calls."""
    occ = object.__new__(Occurrence)
    object.__setattr__(occ, "__dict__", {"subject": subject, "matched": matched, "quoted": quoted, "start": start, "end": end})
    return occ
