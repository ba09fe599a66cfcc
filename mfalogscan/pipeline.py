"""The pipeline: sources -> candidate lines -> exact matches -> records -> findings.

`scan_events(config)` yields, source by source, that source's findings in
line order and then its SourceStatus; `scan(config)` collects them into a
Report. Nothing here prints: the CLI hands the events to a printer.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import replace
from datetime import datetime, timezone
from typing import Iterator

from .casefold import is_account_of, name_key
from .config import ScanConfig
from .errors import WARNING, SourceIssue
from .framings import detect
from .findings import FindingBuilder
from .linescan import LineScanner
from .match import NameMatcher
from .reading import Counts, raw_chunks, text_chunks
from .model import STATUS_PARTIAL, STATUS_SCANNED, STATUS_SKIPPED, STATUS_UNREADABLE, Finding, SourceStatus
from .rules.load import RuleSet, load_rules
from .sources.decode import (
    SAMPLE, Layout, first_undecodable, mark_undecodable, sniff_layout, undecodable_so_far,
)
from .sources.discover import Found, check_paths, discover
from .sources.openers import Unit, expand
from .sources.snapshot import Snapshot
from .sources.budget import Budget
from .sources.streams import PeekReader
from .timepolicy import SourceClock, iso_utc, reference_now

_SNIFF_LINES = 200


class Context:
    """What every source's scan shares: the config, the matcher and the rules."""

    def __init__(self, config: ScanConfig, rules: RuleSet | None = None):
        self.config = config
        self.subjects = config.subjects
        self.matcher = NameMatcher([(n, i) for i, s in enumerate(config.subjects) for n in s.names])
        self.rules = rules if rules is not None else load_rules(config.rules_files)
        self.now = reference_now()
        self._keys = [frozenset(name_key(n) for n in s.names) for s in config.subjects]

    def is_subject(self, index: int):
        keys = self._keys[index]
        return lambda value: is_account_of(value, keys)


def scan_events(config: ScanConfig, rules: RuleSet | None = None) -> Iterator[Finding | SourceStatus]:
    """Findings and source statuses, in source order then line order."""
    check_paths(config.paths)
    ctx = Context(config, rules)
    if config.jobs > 1:
        from .parallel import scan_parallel

        yield from scan_parallel(discover(config.paths), ctx, config.jobs)
        return
    for item in discover(config.paths):
        if isinstance(item, SourceStatus):
            yield item
            continue
        yield from scan_found(item, ctx)


def scan_found(found: Found, ctx: Context) -> Iterator[Finding | SourceStatus]:
    """Scan one file (or standard input); its own status, with its stored hash and time, comes last."""
    modified, snap = None, None
    if found.fs_path is None:
        raw, size, times, close = sys.stdin.buffer, None, [], False
    else:
        try:
            raw = open(found.fs_path, "rb")
        except OSError as e:
            yield SourceStatus(found.path, STATUS_UNREADABLE, f"cannot open: {e.strerror or e}")
            return
        close = True
        try:
            st = os.fstat(raw.fileno())
            times = [("the file's modification time", st.st_mtime)]
            modified = iso_utc(datetime.fromtimestamp(st.st_mtime, timezone.utc), True)
            size = st.st_size if stat.S_ISREG(st.st_mode) else None  # a FIFO's 0 is no size
            if size is not None:
                snap = Snapshot(raw, size)  # the file as it is now, however it changes while read
        except OSError:
            size, times = None, []
    current = found.path
    own: list[SourceStatus] = []  # statuses of the file itself (not of members inside it)
    try:
        reader = PeekReader(snap or raw)
        ratio = ctx.config.max_expansion
        budget = Budget(size, ratio, read_so_far=lambda: reader.pos) if ratio else None
        unit = Unit(found.path, reader, stored_bytes=size, times=times, budget=budget)
        for item in expand(unit):
            if isinstance(item, SourceStatus):
                if item.container is None:
                    own.append(item)
                else:
                    yield item
            else:
                current = item.path
                for event in _scan_unit(item, ctx):
                    if isinstance(event, SourceStatus) and event.container is None:
                        own.append(event)
                    else:
                        yield event
    except OSError as e:
        yield SourceStatus(current, STATUS_UNREADABLE, f"read error: {e.strerror or e}")
    except Exception as e:  # noqa: BLE001 - one bad source must never end the whole scan
        if ctx is not None and ctx.config.debug:
            raise
        yield SourceStatus(
            current, STATUS_UNREADABLE,
            f"internal error while reading ({type(e).__name__}: {e}); the rest of this source was not scanned. "
            "Please report it; run with --debug for the traceback.",
        )
    finally:
        own = [_as_stored(status, snap, found, modified) for status in own]  # before the file is closed
        if close:
            raw.close()
    yield from own


def _as_stored(status: SourceStatus, snap: Snapshot | None, found: Found, modified: str | None) -> SourceStatus:
    """A file's own status with its stored hash and time, and what changed in it while it was read."""
    # Standard input (no snapshot) cannot be read twice for the hash of a compressed stream as stored.
    stored = status.sha256 if status.compression is None else snap.sha256() if snap is not None else None
    status = replace(status, stored_sha256=stored, modified=modified)
    if snap is None:
        return status
    plain = status.compression is None and status.status == STATUS_SCANNED  # a read error says so itself
    changes = snap.changes(found.fs_path, status.bytes if plain else None)
    if not changes:
        return status
    issues = status.issues + tuple(changes)
    lost = [i for i in issues if i.fatal]
    if status.status == STATUS_SCANNED and lost:
        return replace(status, issues=issues, status=STATUS_PARTIAL, reason="; ".join(i.message for i in lost))
    return replace(status, issues=issues)


def _scan_unit(unit: Unit, ctx: Context) -> Iterator[Finding | SourceStatus]:
    cfg = ctx.config
    try:
        sample = unit.stream.peek(SAMPLE)
    except OSError as e:
        yield _status(unit, STATUS_UNREADABLE, f"read error: {e.strerror or e}", None, None, Counts(), 0)
        return
    layout = sniff_layout(sample, cfg.encoding)
    if layout.binary:
        yield _count_binary(unit, ctx, layout)
        return
    body = sample[layout.bom :]
    if layout.transcoded:
        body = body[: len(body) - len(body) % layout.unit_width]
    sample_lines = body.decode(layout.encoding, "replace").split(layout.newline.decode())[:_SNIFF_LINES]
    framing = detect(sample_lines, cfg.framing)
    # Year-less stamps (RFC 3164) need their order read closely to place new years; others only a span.
    yearless = any(r is not None and r.stamp is not None and r.stamp.year is None
                   for r in map(framing.parse, sample_lines[:50]))
    sample_every = cfg.yearless_sample_every if yearless else cfg.sample_every
    counts = Counts()
    counts.feed(unit.stream.read(layout.bom))
    before = undecodable_so_far()
    mark_undecodable()
    finder = ctx.matcher.finder(layout.search_encoding, cfg.fast)
    # Sources searched as stored may be searched on the reading thread; transcoded ones after transcoding.
    ahead_finder = finder if cfg.fast and not layout.transcoded else None
    raw, searcher = raw_chunks(unit, cfg, counts, ahead_finder, ctx.matcher.max_bytes())
    scanner = LineScanner(
        searcher or finder,
        layout.newline,
        framing.head if framing.multiline else None,
        layout.unit_width,
        cfg.max_line,
        sample_every=sample_every,
        starts=framing.head,
        starts_fixed_digits=framing.head_fixed_digits,
        accelerate=cfg.accelerate and cfg.fast,
    )
    clock = SourceClock(cfg.time)
    builder = FindingBuilder(unit.path, ctx, framing, layout, clock)
    chunks = text_chunks(raw, layout, cfg.chunk_size, counts)
    try:
        pending = list(builder.findings(scanner.run(chunks, layout.bom)))
    finally:
        raw.close()  # reading is over (or, on an error, abandoned) before anything else
    bad = undecodable_so_far() - before
    issues = list(counts.issues)
    if bad:
        hint = " (if the file is not UTF-8, try --encoding, e.g. cp1252)" if layout.encoding == "utf-8" else ""
        first = first_undecodable()
        where = f", the first at byte {first}" if first is not None else ""
        issues.append(SourceIssue(f"{bad} undecodable byte(s){where} were scanned as U+FFFD{hint}", first, WARNING))
    if layout.how == "false bom":
        issues.append(SourceIssue(
            f"the file starts with a UTF-16/32 byte-order mark (BOM, {layout.bom} bytes) but the text after it is UTF-8: "
            "read as UTF-8 (use --encoding to insist)", 0, WARNING,
        ))
    if counts.nuls:
        where = f", the first at byte {counts.first_nul}" if counts.first_nul is not None else ""
        issues.append(SourceIssue(
            f"{counts.nuls} NUL byte(s){where}: scanned as they are (text around them is searched; "
            "a crash or a full disk can leave such runs)", counts.first_nul, WARNING,
        ))
    base, year_from = clock.base_year(unit.file_times(), ctx.now)
    findings, mentions, outside = _timed(pending, clock, base, ctx)
    yield from findings
    span = [w for w in (clock.resolve(st, ep, base) for st, ep in clock.stamps) if w is not None]
    status = _status(unit, STATUS_SCANNED, None, layout, framing.name, counts, scanner.lines, issues, bad)
    yield replace(
        status,
        findings=len(findings),
        mentions=_by_name(ctx, mentions),
        outside_window=_by_name(ctx, outside),
        unparsed_lines=max(0, scanner.not_starts - framing.header_lines) if framing.head is not None else None,
        first_timestamp=iso_utc(min(span), False) if span else None,
        last_timestamp=iso_utc(max(span), False) if span else None,
        timezone=f"{cfg.time.zone_label} (assumed for stamps written without a zone)" if clock.used_zone else None,
        year_from=year_from,
    )


def _by_name(ctx: Context, counts: list[int]) -> dict:
    return {s.name: n for s, n in zip(ctx.subjects, counts) if n}


def _timed(pending: list, clock: SourceClock, base: int | None, ctx: Context) -> tuple[list[Finding], list[int], list[int]]:
    """Resolve timestamps, apply the time window (undated findings always stay), count mentions."""
    index = {s.name: i for i, s in enumerate(ctx.subjects)}
    mentions = [0] * len(ctx.subjects)
    outside = [0] * len(ctx.subjects)
    kept = []
    for p in pending:
        f = p.finding
        when = clock.resolve(p.stamp, p.epoch, base)
        if when is not None and not ctx.config.time.in_window(when):
            if f.quoted or ctx.config.list_mentions:  # count what would have been listed
                outside[index[f.user]] += 1
            continue
        if not f.quoted:
            mentions[index[f.user]] += 1
            if not ctx.config.list_mentions:
                continue
        kept.append(replace(f, timestamp=iso_utc(when, p.stamp is not None and p.stamp.fraction)))
    return kept, mentions, outside


def _status(unit, status, reason, layout, framing, counts, lines, issues=(), undecodable=0) -> SourceStatus:
    issues = list(issues) + unit.all_issues()
    if status == STATUS_SCANNED and any(i.fatal for i in issues):
        status = STATUS_PARTIAL
        reason = "; ".join(i.message for i in issues if i.fatal)
    return SourceStatus(
        path=unit.path,
        status=status,
        reason=reason,
        format=framing,
        encoding=layout.describe() if layout else None,
        compression=unit.compression,
        container=unit.container,
        stored_bytes=unit.stored_bytes,
        bytes=counts.bytes,
        lines=lines,
        undecodable_bytes=undecodable,
        nul_bytes=counts.nuls,
        sha256=counts.sha256 if status != STATUS_UNREADABLE else None,
        issues=tuple(issues),
    )


_RAW_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


def _count_binary(unit: Unit, ctx: Context, layout: Layout) -> SourceStatus:
    """A binary file is not parsed, but its raw quoted matches are counted so the admin knows to look.

    A UTF-16-LE `"name"` after an ASCII byte also reads as UTF-16-BE one byte
    earlier (and the reverse), so UTF-16 hits are counted once per position of
    their first letter, whichever byte order found them.
    """
    counts = Counts()
    searchers = [(p, e) for e in _RAW_ENCODINGS if (p := ctx.matcher.quoted_searcher(e)) is not None]
    keep = ctx.matcher.max_bytes() + 8
    per_subject = [0] * len(ctx.subjects)
    wide_seen: set[int] = set()  # absolute positions of UTF-16 hits near the current buffer

    def count(buf: bytes, base: int, limit: int) -> None:
        for pattern, encoding in searchers:
            wide = encoding != "utf-8"
            for m in pattern.finditer(buf):
                if m.start() >= limit:
                    break
                if wide:
                    # Read as BE, an LE hit's first letter starts one byte earlier (and the reverse).
                    letter = base + m.start(1) + (1 if encoding == "utf-16-be" else 0)
                    if letter in wide_seen:
                        continue
                    wide_seen.add(letter)
                for s in ctx.matcher.subjects_of(m.group(1).decode(encoding, "replace")):
                    per_subject[s] += 1

    tail, base = b"", 0
    raw, _ = raw_chunks(unit, ctx.config, counts)
    try:
        for data in raw:
            buf = tail + data
            limit = max(0, len(buf) - keep)  # matches starting later are counted with the next chunk
            count(buf, base, limit)
            tail, base = buf[limit:], base + limit
            wide_seen = {p for p in wide_seen if p >= base - 4}
        count(tail, base, len(tail))
    finally:
        raw.close()
    raw = {s.name: n for s, n in zip(ctx.subjects, per_subject) if n}
    status = _status(unit, STATUS_SKIPPED, layout.why + "; not parsed (raw quoted matches counted)", None, None, counts, 0)
    return replace(status, raw_matches=raw)
