"""Errors the user can act on, and source problems kept as data.

`MfaLogScanError` and its children (ConfigError, RuleError) stop a run
before scanning starts (bad options, a broken rules file) and are shown as
one line, exit status 2.
`SourceIssue` is not an exception: it records what went wrong while reading
one source, so the scan goes on and the report says exactly what was lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Control and direction-changing characters shown as \\xNN / \\uNNNN, so that text from a log or a file name
    (ESC sequences, OSC 52, U+202E) cannot act on a terminal, a spreadsheet or a reader."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


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


def _located(message: str, path: str | None, line: int | None) -> str:
    if path is None:
        return message
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


@dataclass(frozen=True)
class SourceIssue:
    """One problem met while reading a source.

    `offset` is a byte offset in the decompressed stream where the problem
    starts (None when it concerns the whole source). `severity` is one of:
    `lost` (bytes from there on could not be read: the source is only partly
    scanned), `damaged` (everything was scanned but failed an integrity check,
    such as a CRC), `warning` (scanned and usable, but worth knowing, such as
    undecodable bytes shown as U+FFFD). `lost` and `damaged` are errors.
    """

    message: str
    offset: int | None = None
    severity: str = "lost"

    @property
    def fatal(self) -> bool:
        """Bytes were lost: the source was only partly scanned."""
        return self.severity == LOST

    @property
    def is_error(self) -> bool:
        return self.severity in (LOST, DAMAGED)

    def to_dict(self) -> dict:
        return {"message": self.message, "offset": self.offset, "severity": self.severity}


LOST, DAMAGED, WARNING = "lost", "damaged", "warning"


# The wording of what reading a text source noticed, in one place (the scanner only counts).


def undecodable_issue(count: int, first: int | None, encoding: str, code_page_lines: int = 0) -> SourceIssue:
    """`count` bytes that are not valid `encoding`, shown as U+FFFD (but in lines read as a code page)."""
    hint = " (if the file is not UTF-8, try --encoding, e.g. cp1252)" if encoding == "utf-8" else ""
    if code_page_lines:
        hint = ", but in the lines read as a code page (next issue)"
    where = f", the first at byte {first}" if first is not None else ""
    return SourceIssue(f"{count} undecodable byte(s){where} were scanned as U+FFFD{hint}", first, WARNING)


def code_page_issue(lines: int, first: int, code_page: str) -> SourceIssue:
    """Candidate lines of a UTF-8 source that were not UTF-8 and were read as `code_page`."""
    return SourceIssue(
        f"{lines} line(s) holding a searched name's bytes are not UTF-8 and were read as {code_page} (guessed: "
        f"their bytes over 0x7F are {code_page} letters inside words), the first at byte {first}; names over ASCII "
        f"were searched in {code_page} too from the first byte that is not UTF-8; give --encoding if the file is in "
        "another code page", first, WARNING,
    )


def out_of_step_issue(step) -> SourceIssue:
    """UTF-16 text out of step after a NUL run, and where it was read in step again (a `sources.utf16.Step`)."""
    return SourceIssue(
        f"UTF-16 text goes out of step in the run of {step.length} NUL byte(s) at byte {step.run}: the text after "
        f"it starts at an odd offset (a crash or a preallocated file leaves such runs), so one NUL byte (at byte "
        f"{step.dropped}) was set aside and the text is read in step again from byte {step.regained}",
        step.run, WARNING,
    )


def line_ends_issue(first: dict[str, int]) -> SourceIssue:
    """Line ends of more than one kind; `first` gives each kind's first offset, in the order met."""
    names = {"LF": "LF", "CRLF": "CRLF", "CR": "CR only"}
    kinds = ", then ".join(f"{names[k]} (first at byte {at})" for k, at in first.items())
    changed = list(first.values())[1]
    return SourceIssue(
        f"line ends of more than one kind: {kinds}; every one ends a line (LF, CRLF and a lone CR alike), so "
        f"line numbers count them all", changed, WARNING,
    )


def false_bom_issue(bom: int) -> SourceIssue:
    """A UTF-16/32 byte-order mark of `bom` bytes in front of UTF-8 text."""
    return SourceIssue(
        f"the file starts with a UTF-16/32 byte-order mark (BOM, {bom} bytes) but the text after it is UTF-8: "
        "read as UTF-8 (use --encoding to insist)", 0, WARNING,
    )


def nul_issue(count: int, first: int | None) -> SourceIssue:
    """`count` NUL bytes in text, scanned as they are."""
    where = f", the first at byte {first}" if first is not None else ""
    return SourceIssue(
        f"{count} NUL byte(s){where}: scanned as they are (text around them is searched; "
        "a crash or a full disk can leave such runs)", first, WARNING,
    )


def out_of_order_issue(steps: int, before: str, after: str, yearless: bool) -> SourceIssue:
    """Sampled lines going back in time by more than two days (and less than half a year) `steps` times."""
    then = ("; no new year was counted at those steps, so check the years of its year-less stamps "
            "(--year settles them)" if yearless else "")
    return SourceIssue(
        f"the lines are not in time order: {steps} sampled line(s) go back more than two days "
        f"(the first: {after!r} after {before!r}); its span is that of the sampled lines{then}", None, WARNING,
    )


def read_error(error: OSError) -> str:
    """What an OSError met while reading says, in a source's reason or issue."""
    return f"read error: {error.strerror or error}"
