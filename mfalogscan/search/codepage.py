"""The code-page forms of names, searched too once a UTF-8 source shows bytes that are not UTF-8.

Names are searched as raw bytes in the source's encoding. A source read as
UTF-8 may hold lines a code-page program wrote (`mgarc\\xeda` for
`"mgarcía"` in cp1252), beyond the first 64 KiB from which its encoding was
judged. An ASCII name is the same bytes in both, so it is found anyway; a
name with a letter over ASCII is not, and its UTF-8 form never hits there.
`CodePageSearch` wraps the scanner's searcher: from the first chunk holding
bytes that do not decode as UTF-8 (`active`, set by the reading side), each
buffer is searched for the code-page forms of the names over ASCII too
(`NameMatcher.code_page_finder`), and the scanner gets the candidates of
both searches in order. A source that is valid UTF-8, and a search for ASCII
names only, never pay for it; one that is not pays one more search of its
buffers, for those names alone. Which lines then read as the code page is
decided line by line (`sources.codepage.decode_line`).
"""

from __future__ import annotations


class CodePageSearch:
    """A LineScanner searcher: `first`'s candidates, and once `active`, `second`'s merged with them in order."""

    def __init__(self, first, second):
        self.first, self.second = first, second
        self.active = False

    def __call__(self, buf: bytes, base: int):
        one = self.first(buf, base)
        if not self.active:
            return one
        both = (one, self.second(buf, base))
        ahead: list = [None, None]  # per search: (the position asked, its answer), reused while it holds

        def find(pos: int):
            best = None
            for i, search in enumerate(both):
                known = ahead[i]
                if known is None or known[0] > pos or (known[1] is not None and known[1][0] < pos):
                    known = ahead[i] = (pos, search(pos))
                got = known[1]
                if got is not None and (best is None or got[0] < best[0] or (got[0] == best[0] and got[1] > best[1])):
                    best = got
            return best

        return find
