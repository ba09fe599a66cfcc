"""The decompression bomb guard: how far one stored file may expand."""

from __future__ import annotations


class Budget:
    """How far one stored file may expand: a decompression bomb guard, shared by all its streams.

    A log compresses 5 to 50 times; deflate at most 1,032 times, and a bomb
    nests or overlaps layers to go beyond. Until the file's streams together
    have given `floor` bytes nothing stops, so archives of real logs always
    open. Past that, a stream (a gzip layer, a zip member) stops once its
    output passes `ratio` times the compressed bytes it has read, and every
    stream of the file stops once their output passes four floors or twice
    `ratio` times the file's stored size, whichever is more (so ten thousand
    small bombs in one zip stop too; twice, because a stream stops only
    between reads and may pass its own limit by one read). A stream that stops is reported; the file's
    other members are read with what is left.
    """

    FLOOR = 1 << 30

    def __init__(self, stored: int | None, ratio: int, floor: int | None = None, read_so_far=None):
        # Standard input has no size: its budget grows with the bytes read from it so far.
        self.stored, self.ratio = stored, ratio
        self.floor = self.FLOOR if floor is None else floor
        self._read_so_far = read_so_far
        self.used = 0

    def check(self, out_pos: int, read: int) -> str | None:
        """Why a stream that has given `out_pos` bytes from `read` compressed bytes must stop now, or None."""
        if self.used > self.floor and out_pos > self.ratio * read:
            return (f"decompression stopped after {out_pos} bytes from {read} compressed bytes: "
                    f"more than {self.ratio}:1 (a decompression bomb?), so the rest was not scanned; "
                    "--max-expansion RATIO allows more")
        stored = self.stored if self.stored is not None else self._read_so_far()
        if self.used > max(4 * self.floor, 2 * self.ratio * stored):
            size = f"{self.stored} bytes" if self.stored is not None else "of unknown size"
            return (f"decompression stopped: this file ({size}) has expanded to {self.used} bytes in all, more than "
                    f"{2 * self.ratio}:1 over all its members (a decompression bomb?), so the rest was not scanned; "
                    "--max-expansion RATIO allows more")
        return None
