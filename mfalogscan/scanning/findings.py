"""Candidate lines -> findings: the exact check, the record, the classification, the text kept.

One finding per subject per physical line: a quoted occurrence anywhere on
the line beats an unquoted mention. A long line arrives as several windows
with the same line number; they are merged before anything is emitted.
Mentions are emitted too (the pipeline counts them and lists them on
request; unless listed they are counted only, not classified). Timestamps are not final here: every stamp met, from findings and
from the scanner's samples, goes through the source's clock in stream
order, and the pipeline resolves them once the source has been read.
"""

from __future__ import annotations

import hashlib
from typing import Callable, Iterator, NamedTuple

from ..framings import Record
from ..framings.base import without_nuls
from ..search.linescan import Candidate, Sample
from ..search.match import Occurrence
from ..model import Finding, assemble
from ..rules.classify import RuleBudget, classify
from ..sources.codepage import CODE_PAGE, decode_line
from ..sources.decode import Layout
from ..timeline.clock import SourceClock
from ..timeline.stamps import Stamp
from ..timeline.policy import iso_utc
from .context import Context


ELLIPSIS = " … "


def message_key(message: str) -> str:
    """The same message whatever the white space, a final full stop or case: a short digest."""
    normal = " ".join(message.split()).rstrip(".").casefold()
    return hashlib.sha1(normal.encode("utf-8", "surrogatepass")).hexdigest()


class Pending(NamedTuple):
    """A finding whose timestamp is resolved when its source has been read.

    `finding` has its timestamp still None (settle() sets it before anyone
    else sees the finding); None for a mention that is only counted (no
    --mentions), which is neither classified nor built.
    """

    finding: Finding | None
    stamp: Stamp | None
    epoch: int
    subject: int
    quoted: bool


class CodePageLines:
    """Candidate lines of a UTF-8 source that were not UTF-8 and were read as CODE_PAGE (`codepage.decode_line`):
    how many, and the stream offset of the first."""

    def __init__(self):
        self.lines = 0
        self.first: int | None = None
        self._last = None

    def seen(self, line: int, offset: int) -> None:
        if line != self._last:  # a long line's windows are one line
            self.lines, self._last = self.lines + 1, line
            if self.first is None:
                self.first = offset


class FindingBuilder:
    """Candidates -> findings: exact check, record, classification, shortened text."""

    def __init__(self, path: str, ctx: Context, framing, layout: Layout, clock: SourceClock):
        self.path = path
        self.clock = clock
        self.ctx = ctx
        self.framing = framing
        self.enc = layout.search_encoding
        self.retry = layout.code_page_lines
        self.code_page = CodePageLines()
        self.text_max = ctx.config.text_max
        self.list_mentions = ctx.config.list_mentions
        # Per subject, made when a finding needs it: one per subject for every source cost 0.4 s a source with
        # 100,000 names.
        self._is_subject: dict[int, Callable[[str], bool]] = {}
        self.rule_budget = RuleBudget()

    def _decode(self, data: bytes) -> str:
        """A line (a CRLF's CR dropped) as text: a line of a UTF-8 source that is not UTF-8 as the code page its
        bytes fit, if they do."""
        if data.endswith(b"\r"):
            data = data[:-1]
        return decode_line(data)[0] if self.retry else data.decode(self.enc, "replace")

    def _not_decoded(self, cand: Candidate, data: bytes) -> tuple[str, str]:
        """The text of a candidate that is not valid in the search encoding, and the encoding it was read in."""
        if self.retry:
            text, code_page = decode_line(data)
            if code_page:
                self.code_page.seen(cand.line, cand.offset)
                return text, CODE_PAGE
            return text, self.enc
        return data.decode(self.enc, "replace"), self.enc

    def findings(self, candidates: Iterator[Candidate | Sample]) -> Iterator[Pending]:
        line, best = None, {}
        for cand in candidates:
            if isinstance(cand, Sample):
                # A sample starts a line after every pending one (samples come before their line's candidates).
                if best:
                    yield from self._emit(best)
                    line, best = None, {}
                record = self.framing.parse(without_nuls(self._decode(cand.data)))
                if record is not None:
                    self.clock.observe(record.stamp, sample=True, at=cand.at)
                continue
            if cand.line != line:
                if best:
                    yield from self._emit(best)
                line, best = cand.line, {}
            data, enc = cand.data, self.enc
            if not cand.long and data.endswith(b"\r"):
                data = data[:-1]
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                text, enc = self._not_decoded(cand, data)
            if cand.long:
                lo = len(cand.data[: cand.lo].decode(enc, "replace"))
                hi = len(cand.data[: cand.hi].decode(enc, "replace"))
                occ = self.ctx.matcher.analyze(text, lo, hi)
            else:
                occ = self.ctx.matcher.analyze(text)
            for subject, o in occ.items():
                have = best.get(subject)
                if o.beats(have[0] if have else None):
                    best[subject] = (o, cand, text)
        if best:
            yield from self._emit(best)

    def _record(self, cand: Candidate, text: str) -> tuple[Record, int]:
        if cand.head is not None:
            head_text = without_nuls(self._decode(cand.head.data))
            rec = self.framing.parse(head_text) if self.framing.continues(head_text) else None
            if rec is not None:
                return rec, cand.head.line
        line_text = self._decode(cand.line_head) if cand.long else text
        rec = self.framing.parse(without_nuls(line_text))
        if rec is None:
            rec = Record("plain", line_text)
        return rec, cand.line

    def _emit(self, best: dict) -> Iterator[Pending]:
        records: dict[int, tuple[Record, int]] = {}  # one parse per candidate, whoever is named on it
        epoch = None
        for subject in sorted(best):
            occ, cand, text = best[subject]
            if id(cand) not in records:
                records[id(cand)] = self._record(cand, text)
            record, record_line = records[id(cand)]
            if "\x00" in text:
                record, record_line = self._restarted(text, occ, record, record_line, cand.line)
            if epoch is None or record_line == cand.line:
                epoch = self.clock.observe(record.stamp, at=cand.at if record_line == cand.line else -1)
            if not occ.quoted and not self.list_mentions:
                yield Pending(None, record.stamp, epoch, subject, False)  # only counted: settle() needs no more
                continue
            message = record.message
            if cand.long and record_line == cand.line:
                # The record is this long line: its message is its head and the window around the name.
                message = message + ELLIPSIS + text
            is_subject = self._is_subject.get(subject)
            if is_subject is None:
                is_subject = self._is_subject[subject] = self.ctx.is_subject(subject)
            verdict = classify(self.ctx.rules, message, record.component, is_subject, self.rule_budget.off)
            if verdict.details:
                self.rule_budget.note(verdict)
            shown, cut = self._shown(cand, text, occ)
            own = record_line == cand.line and not cand.long
            shown_message = record.message if own and len(record.message) <= self.text_max else shown
            whole = record.message if record_line == cand.line else text
            values = {  # every field of a Finding, in field order
                "user": self.ctx.subjects[subject].name,
                "matched": occ.matched,
                "source": self.path,
                "line": cand.line,
                "offset": cand.offset,
                "timestamp": None,
                "timestamp_raw": record.stamp.raw if record.stamp else None,
                "category": verdict.category,
                "kind": verdict.kind,
                "role": verdict.role,
                "rule": verdict.rule,
                "quoted": occ.quoted,
                "format": record.format,
                "component": record.component,
                "text": shown,
                "text_truncated": cut,
                "message": shown_message,
                "level": record.level,
                "pid": record.pid,
                "tid": record.tid,
                "request_id": record.request_id,
                "call_status": verdict.call_status,
                "field": verdict.field,
                "record_line": record_line,
                "details": verdict.details,
                "event": None,
                "duplicate_of": None,
                "past_retention": None,
                "timestamp_note": self._no_time(record),
                "record_id": None,
                "channel": None,
                "event_id": None,
                "message_key": message_key(whole),
            }
            yield Pending(assemble(Finding, values), record.stamp, epoch, subject, occ.quoted)

    def _restarted(self, text: str, occ: Occurrence, record: Record, record_line: int, line: int):
        """The record a name belongs to when a NUL run before it on its line ends a crashed record and a new one
        starts after the NULs (`partial...\0\0\0 2024-...|i|...`); else the line's record."""
        cut = text.rfind("\x00", 0, occ.start)
        if cut < 0:
            return record, record_line
        restarted = self.framing.parse(text[cut + 1 :])
        return (restarted, line) if restarted is not None and restarted.stamp is not None else (record, record_line)

    def _no_time(self, record: Record) -> str | None:
        """Why a record has no stamp (None when it has one)."""
        if record.stamp is not None:
            return None
        if record.stamp_note is not None:
            return record.stamp_note
        if self.framing.name == "plain":
            return "the source is in no framing mfalogscan reads, and the line does not start with an ISO date and time"
        if record.format == "plain":
            return f"the line is not a {self.framing.name} record and continues none, so it has no time"
        return f"the {record.format} record has no time"

    def _shown(self, cand: Candidate, text: str, occ: Occurrence) -> tuple[str, bool]:
        """The text kept on a finding: whole when short, else its start and the occurrence in context."""
        if not cand.long and len(text) <= self.text_max:
            return text, False
        half = self.text_max // 2
        head = (self._decode(cand.line_head) if cand.long else text)[: half]
        ctx = max(0, (self.text_max - half - (occ.end - occ.start)) // 2)
        around = text[max(0, occ.start - ctx) : occ.end + ctx]
        return head + ELLIPSIS + around + ELLIPSIS.rstrip(), True


class Settler:
    """Gives pending findings their times, applies the time window (undated findings always stay), counts mentions.

    `take(p)` returns the finding to list, or None when it is outside the
    window or an unlisted mention; per subject, `mentions` and `outside`
    count what was not listed (counted whether listed or not, so "not
    listed" never reads as "absent"). `base` is the year of the source's
    first record, needed only for year-less stamps (`needs_base`).
    """

    def __init__(self, clock: SourceClock, ctx: Context):
        self._clock = clock
        index = {s.name: i for i, s in enumerate(ctx.subjects)}
        self._slot = [index[s.name] for s in ctx.subjects]  # where a subject's counts go (by name, as findings say)
        self._list_mentions = ctx.config.list_mentions
        self._in_window = ctx.config.time.in_window
        self.mentions = [0] * len(ctx.subjects)
        self.outside = [0] * len(ctx.subjects)
        self.base: int | None = None

    @staticmethod
    def needs_base(p: Pending) -> bool:
        return p.stamp is not None and p.stamp.year is None

    def take(self, p: Pending) -> Finding | None:
        finding, stamp, epoch, subject, quoted = p
        when = self._clock.resolve(stamp, epoch, self.base)
        if when is not None and not self._in_window(when):
            if quoted or self._list_mentions:  # count what would have been listed
                self.outside[self._slot[subject]] += 1
            return None
        if not quoted:
            self.mentions[self._slot[subject]] += 1
            if not self._list_mentions:
                return None
        # Set in place: the finding is new and nobody else has it yet, so no copy is needed (nor kept in memory).
        object.__setattr__(finding, "timestamp", iso_utc(when, stamp is not None and stamp.fraction))
        if when is None and stamp is not None:
            object.__setattr__(finding, "timestamp_note", self._clock.why_not(stamp, epoch, self.base))
        return finding
