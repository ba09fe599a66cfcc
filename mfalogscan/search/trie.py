"""Many literal keys as one regular expression, factored as a trie (shared by the exact check and the byte search).

`trie_pattern(keys, piece)` writes the alternation of `keys` with common
prefixes shared, `piece(ch)` rendering one character's alternatives;
`alternatives(forms)` renders a character's forms (str, or latin-1 str
standing for bytes) as a literal, a class or a group.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence


def alternatives(forms: Sequence[str]) -> str:
    """The forms of one character as a pattern: one literal, a character class, or an alternation."""
    if all(len(f) == 1 for f in forms):
        return re.escape(forms[0]) if len(forms) == 1 else "[" + "".join(re.escape(f) for f in forms) + "]"
    return "(?:" + "|".join(re.escape(f) for f in forms) + ")"


def _common(a: str, b: str, d: int) -> int:
    """The length of the common prefix of a and b, known to be at least d (halving: slices compare in C)."""
    lo, hi = d, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[d:mid] == b[d:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def trie_pattern(keys: Sequence[str], piece: Callable[[str], str]) -> str:
    """An alternation of `keys` factored as a trie; `piece` renders one character.

    Written from the sorted keys, a range of them per node and a run of
    single-child nodes at a time: a tree of dicts, one per character, took
    270 MB and 3 s for 100,000 names. A node's branches come in character
    order, a key that ends at a node makes the rest optional (greedy: the
    longest key at a position wins), as the tree gave.
    """
    keys = sorted(set(keys))
    rendered: dict[str, str] = {}

    def render(ch: str) -> str:
        got = rendered.get(ch)
        if got is None:
            got = rendered[ch] = piece(ch)
        return got

    def emit(lo: int, hi: int, d: int) -> str:
        # keys[lo:hi] share their first d characters; sorted, so the one that ends first comes first.
        c = _common(keys[lo], keys[hi - 1], d)
        run = "".join(map(render, keys[lo][d:c]))
        end = len(keys[lo]) == c
        if end:
            lo += 1
        if lo == hi:
            return run
        alts, i = [], lo
        while i < hi:
            ch, j = keys[i][c], i + 1
            while j < hi and keys[j][c] == ch:
                j += 1
            alts.append(emit(i, j, c))
            i = j
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return run + ("(?:" + body + ")?" if end else body)

    return emit(0, len(keys), 0) if keys else ""
