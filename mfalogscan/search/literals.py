"""Every occurrence of many literals, overlapping, in plain Python: the automaton's stand-in without ahocorasick_rs.

`Literals(patterns).find_matches_as_indexes(haystack, overlapping=True)`
gives what `ahocorasick_rs` gives for the same patterns (all bytes, or all
str): a list of (pattern index, start, end) for every occurrence of every
pattern, overlapping ones too, in order of start and, at one start, longest
first (callers sort: the automaton's order is another). `first(haystack,
pos)` gives the next start and what occurs there, for callers that stop early.

How, at a cost that does not grow with the patterns: one regular
expression of the patterns' heads (their first `head` characters, as a
trie) finds each position where a pattern may start; there, each length
that a pattern with that head has is tried, the slice of that length looked
up in a dict of the patterns. The heads are as long as a budget of the
expression's size allows: a few names are their own heads, 100,000 names
that share first names and a domain have a few thousand heads of 8 (one trie
of all of them was 1.8 million characters, 4 s and 240 MB to compile). So
the expression's size is bounded, and the work at a position is bounded by
the distinct lengths under its head.
"""

from __future__ import annotations

import re
from typing import Sequence

from .trie import trie_pattern

HEADS = (64, 32, 16, 12, 8, 6, 4, 3, 2, 1)  # head lengths tried, longest first
BUDGET = 1 << 16  # characters of heads at most: their expression compiles in about 0.2 s


def head_length(patterns, budget: int = BUDGET) -> int:
    """The longest of HEADS whose distinct heads of `patterns` add up to at most `budget` characters."""
    for n in HEADS:
        if sum(map(len, {p[:n] for p in patterns})) <= budget:
            return n
    return 1


class Literals:
    """Many distinct literals, all bytes or all str, found overlapping (see the module docstring)."""

    def __init__(self, patterns: Sequence[bytes] | Sequence[str], budget: int = BUDGET):
        self._index: dict = {}
        for i, p in enumerate(patterns):
            if not p:
                raise ValueError("an empty pattern matches everywhere")
            self._index.setdefault(p, i)
        self.head = head = head_length(self._index, budget)
        lengths: dict = {}
        for p in self._index:
            lengths.setdefault(p[:head], set()).add(len(p))
        # A pattern shorter than the head is a head itself; where a longer head begins with it, it may start there
        # too (the expression gives only the longest head at a position).
        short = {h for h in lengths if len(h) < head}
        if short:
            for h, got in lengths.items():
                got.update(j for j in range(1, len(h)) if h[:j] in short)
        #: Per head, the lengths of the patterns that may start where it does, longest first.
        self.lengths = {h: sorted(got, reverse=True) for h, got in lengths.items()}
        as_bytes = bool(lengths) and isinstance(next(iter(lengths)), bytes)
        heads = [h.decode("latin-1") for h in lengths] if as_bytes else list(lengths)
        body = trie_pattern(heads, re.escape)
        #: The heads' expression (its match at a position is the longest head there), and pattern -> index.
        self.heads = re.compile(body.encode("latin-1") if as_bytes else body, re.DOTALL) if heads else None
        self.index = self._index

    def first(self, haystack, pos: int = 0) -> tuple[int, list[tuple[int, int]]] | None:
        """(start, [(pattern index, end), ...] longest first) of the first start at or after pos, or None."""
        if self.heads is None:
            return None
        search, lengths, index, size = self.heads.search, self.lengths, self._index.get, len(haystack)
        while (m := search(haystack, pos)) is not None:
            s = m.start()
            left, found = size - s, []
            for n in lengths[m.group()]:
                if n <= left:
                    i = index(haystack[s : s + n])
                    if i is not None:
                        found.append((i, s + n))
            if found:
                return s, found
            pos = s + 1
        return None

    def find_matches_as_indexes(self, haystack, overlapping: bool = True) -> list[tuple[int, int, int]]:
        if not overlapping:
            raise ValueError("only overlapping matches are found")  # all the callers ask for
        out: list[tuple[int, int, int]] = []
        pos = 0
        while (got := self.first(haystack, pos)) is not None:
            s, found = got
            out.extend((i, s, e) for i, e in found)
            pos = s + 1
        return out
