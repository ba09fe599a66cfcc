"""Errors the user can act on, and source problems kept as data.

`MfaLogScanError` and its children stop a run before scanning starts (bad
options, a broken rules file) and are shown as one line, exit status 2.
`SourceIssue` is not an exception: it records what went wrong while reading
one source, so the scan goes on and the report says exactly what was lost.
"""

from __future__ import annotations

from dataclasses import dataclass


class MfaLogScanError(Exception):
    """Base of every error mfalogscan raises on purpose."""


class ConfigError(MfaLogScanError):
    """A bad option, subject name or users file."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        super().__init__(_located(message, path, line))


class RuleError(MfaLogScanError):
    """A rules file that cannot be used; names the file, line and rule."""

    def __init__(self, message: str, path: str, line: int | None = None, rule: str | None = None):
        self.path = path
        self.line = line
        self.rule = rule
        where = f"rule {rule!r}: " if rule else ""
        super().__init__(_located(where + message, path, line))


class SourceError(MfaLogScanError):
    """A source that cannot be opened at all (raised inside the reader, recorded as a SourceIssue)."""


def _located(message: str, path: str | None, line: int | None) -> str:
    if path is None:
        return message
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


@dataclass(frozen=True)
class SourceIssue:
    """One problem met while reading a source.

    `offset` is a byte offset in the decompressed stream where the problem
    starts (None when it concerns the whole source); `fatal` says whether the
    bytes from there on could not be read (so the source is only partly
    scanned) or it was a warning about bytes that were still scanned.
    """

    message: str
    offset: int | None = None
    fatal: bool = True

    def to_dict(self) -> dict:
        return {"message": self.message, "offset": self.offset, "fatal": self.fatal}
