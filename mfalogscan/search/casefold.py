"""Simple Unicode case folding, as one table shared by every matcher.

Windows compares account names case-insensitively one character at a time,
through its upper-case table. mfalogscan does the same: two characters are
equal when their one-character upper-case forms agree, which is Unicode's
*simple* case folding (CaseFolding.txt, statuses C and S) except that dotless
`ı` also equals `i` and `I`, as it does on Windows. So `K` (KELVIN SIGN)
equals `k`, `ẞ` equals `ß`, but `ß` does not equal `ss`. Both the byte prefilter and the exact check are built from the same
variant classes here, so they can never disagree; tests check the classes
against the `regex` module's own simple folding.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# No code point above this has a case mapping (Unicode 15: Adlam ends at U+1E943).
_CASED_LIMIT = 0x1E944


def _key(ch: str) -> str:
    up = ch.upper()
    if len(up) != 1:
        return ch
    low = up.lower()
    return low if len(low) == 1 else up


@lru_cache(maxsize=None)
def _tables() -> tuple[dict[int, str], dict[str, tuple[str, ...]]]:
    fold: dict[int, str] = {}
    classes: dict[str, set[str]] = {}
    # Only characters with a case mapping can fold; finding them first halves the start-up cost.
    for ch in (c for c in map(chr, range(_CASED_LIMIT)) if c.upper() != c or c.lower() != c):
        k = _key(ch)
        if k != ch:
            fold[ord(ch)] = k
            classes.setdefault(k, {k}).add(ch)
    return fold, {k: tuple(sorted(v)) for k, v in classes.items()}


def name_key(name: str) -> str:
    """How two account names are compared: white space trimmed, composed Unicode (NFC), case folded."""
    if name.isascii():
        return name.strip().lower()  # ASCII is its own NFC, and fold() of it is lower()
    return fold(unicodedata.normalize("NFC", name.strip()))


def is_account_of(value: str, keys) -> bool:
    """True when `value` (maybe `DOMAIN\\name`) names one of the accounts whose name_key()s are `keys`."""
    key = name_key(value)
    return key in keys or key.rsplit("\\", 1)[-1] in keys


def fold(text: str) -> str:
    """Map every character to the representative of its simple-fold class."""
    if text.isascii():
        # The table maps A-Z to a-z and no other ASCII character (tests check): lower() is 15 times faster.
        return text.lower()
    return text.translate(_tables()[0])


def variants(ch: str) -> tuple[str, ...]:
    """Every character equal to `ch` under simple case folding (including itself)."""
    k = fold(ch)
    return _tables()[1].get(k, (k,))


def short_reason(name: str) -> str | None:
    """Why `name` is too short to search as names are (None: it is not): one character, or no letter or digit.

    Such a name is in nearly every line (`a`, `-`), so every line would be a
    candidate, decoded and checked. Searched anyway (--short-names), it is
    found only where quotes close it: `"a"` (quoted), `'a'`, and after a
    backslash before a quote, `"CONTOSO\\a"` (mentions).
    """
    key = name_key(name)
    if not any(ch.isalnum() for ch in key):
        return "no letter or digit"
    if len(key) == 1:
        return "one character"
    return None
