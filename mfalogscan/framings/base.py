"""The contract of a framing (`BaseFraming`) and what it gives (`Record`); see the package's docstring."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
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

    def for_sample(self, lines: Sequence[str]) -> "BaseFraming":
        return self
