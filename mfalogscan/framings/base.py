"""The contract of a framing (`BaseFraming`) and what it gives (`Record`); see the package's docstring."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from ..timeline.stamps import Stamp


@dataclass(frozen=True)
class Record:
    """One log record's fields, as far as its framing tells them."""

    format: str
    message: str
    stamp: Stamp | None = None
    level: str | None = None
    pid: int | None = None
    tid: int | None = None
    component: str | None = None
    request_id: str | None = None
    host: str | None = None
    #: Why `stamp` is None on a record that has a time field (a CSV cell in no form read exactly).
    stamp_note: str | None = None


class BaseFraming(ABC):
    """The contract every framing meets, with its defaults: one line, one record, nothing learned from the sample."""

    name = "base"
    head = None  # compiled bytes pattern, or None
    multiline = False
    header_lines = 0
    head_fixed_digits = False

    @abstractmethod
    def sniff(self, lines: Sequence[str]) -> float:
        """How well the sample fits this framing, 0 to 1."""

    @abstractmethod
    def parse(self, line: str) -> Record | None:
        """The record a line starts, or None."""

    def continues(self, head_line: str) -> bool:
        """Whether a line that does not start a record still belongs to the one `head_line` starts (multiline)."""
        return True

    def for_sample(self, lines: Sequence[str], date_order: str | None = None) -> "BaseFraming":
        """The framing set up for one source from its first lines (`date_order`: --date-order, for numeric dates)."""
        return self


@lru_cache(maxsize=32)
def after_nuls(head: re.Pattern | None) -> re.Pattern | None:
    """`head`, matching also after a run of NULs at the start of a line.

    A service that crashes while writing leaves NULs where its last line was
    going; the next record written after the restart then starts after them,
    on the same physical line. It is a record of its own, not the tail of the
    one above (the NUL run itself is reported as a source issue).
    """
    if head is None:
        return None
    return re.compile(rb"\x00*(?:" + head.pattern + rb")", head.flags)


def without_nuls(line: str) -> str:
    """A decoded line as its framing parses it: without the NUL run `after_nuls` lets a head follow."""
    return line.lstrip("\x00") if line.startswith("\x00") else line
