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


def trie_pattern(keys: Sequence[str], piece: Callable[[str], str]) -> str:
    """An alternation of `keys` factored as a trie; `piece` renders one character."""
    root: dict = {}
    for key in keys:
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [piece(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return emit(root)
