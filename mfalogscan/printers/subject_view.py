"""What a human report says about one subject, built from a finished Report.

Scope first (what was searched, the time covered, gaps and unreadable
parts), then the summary, then the findings by category. The markdown and
HTML printers only lay this out. `--mask-others` replaces the names of other
people in shown log text by pseudonyms (`[other person 1]`) numbered in
order of first appearance over the whole report, so one handed-over report
never discloses another person's account name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..errors import visible  # noqa: F401 (the printers' escape of log text: sv.visible)
from ..model import EVENT_FORMATS
from ..search.casefold import is_account_of, name_key
from ..timeline.policy import instant
from ..search.match import NameMatcher
from ..evidence.procedure import person_procedure
from .masking import Masker
from .procedure_view import ProcedureView

CATEGORY_TITLES = (
    ("user-change", "User-change records", "Records of the person's MFA record being added or changed."),
    ("operational", "Operational records", "Authentication attempts and the like (what Microsoft calls operational data)."),
    ("unclassified", "Unclassified records", "Lines that name the person but that no rule recognises; shown, never guessed."),
)
@dataclass
class SubjectView:
    user: str
    aliases: tuple
    summary: object
    sources: list
    span: tuple
    gaps: list
    problems: list
    sections: list  # (category, title, blurb, findings)
    parameters: dict
    generated_at: str | None
    rules_sha256: str | None
    retention_days: int
    as_of: str
    case: dict
    masked: bool
    procedure: object = None  # a procedure_view.ProcedureView: the stores checklist, attachments, deletion


def source_details(view: "SubjectView") -> list[tuple[str, list[tuple[str, str]]]]:
    """Each source's provenance as (path, [(label, value)]), with this subject's findings kept past retention."""
    out = []
    for s in view.sources:
        pairs = [("status", s.status), ("format", s.format or ""), ("records from", s.first_timestamp or ""),
                 ("records to", s.last_timestamp or ""),
                 ("events" if s.format in EVENT_FORMATS else "lines", s.lines), ("bytes scanned", s.bytes),
                 ("compression", s.compression or "none"), ("encoding", s.encoding or ""),
                 ("stored bytes", "" if s.stored_bytes is None else s.stored_bytes),
                 ("SHA-256 of content", s.sha256 or ""), ("SHA-256 as stored", s.stored_sha256 or ""),
                 ("modified (UTC)", s.modified or ""), ("zone assumed", s.timezone or ""), ("year from", s.year_from or ""),
                 ("findings past retention", s.past_retention.get(view.user, 0))]
        out.append((s.path, [(k, str(v)) for k, v in pairs if v not in ("", None)]))
    return out


def parameter_text(parameters: dict) -> str:
    shown = []
    for key, value in parameters.items():
        if key in ("users", "case", "working_directory", "gdpr_exports", "deleted_on"):
            continue  # each report names only its own subject; the case has its own block
        if value in (None, [], False):
            continue
        shown.append(f"{key}={', '.join(map(str, value)) if isinstance(value, list) else value}")
    return "; ".join(shown)




def subject_views(report) -> Iterator[SubjectView]:
    """Each subject's view in turn: one person's findings are read from the report's store only while theirs is made."""
    from ..timeline.policy import iso_utc

    generated_at = report.generated_at
    starts = [instant(s.first_timestamp) for s in report.sources if s.first_timestamp]
    ends = [instant(s.last_timestamp) for s in report.sources if s.last_timestamp]
    span = (iso_utc(min(starts), False) if starts else None, iso_utc(max(ends), False) if ends else None)
    subjects = report.config.subjects
    captured = {v for f in report.findings for k, v in f.details.items() if k in ("actor", "target") and v}
    for index, (subject, summary) in enumerate(zip(subjects, report.summary.users)):
        masker = None
        if report.config.mask_others:
            own = {name_key(n) for n in subject.names}
            others = [(n, i) for i, s in enumerate(subjects) if i != index for n in s.names]
            masker = Masker(own, NameMatcher(others) if others else None, {c for c in captured if not is_account_of(c, own)})
        shown = masker.shown if masker else (lambda f: f.text)
        label = masker.known if masker else (lambda t: t)
        sources = [_masked_source(s, label) for s in report.sources] if masker else list(report.sources)
        mine = sorted(report.findings.of(subject.name), key=_in_time_order)
        sections = []
        for category, title, blurb in CATEGORY_TITLES:
            rows = [(_masked_finding(f, label) if masker else f, shown(f)) for f in mine if f.category == category]
            sections.append((category, title, blurb, rows))
        parameters = dict(report.parameters(), paths=[label(p) for p in report.config.paths])
        procedure = ProcedureView(report.wording, person_procedure(report, subject.name), summary.past_retention,
                                  report.config.retention_days, iso_utc(report.as_of, False),
                                  masker.mask if masker else str, label)
        yield SubjectView(
            subject.name, subject.aliases, summary, sources, span,
            [(s.path, s.gap_before) for s in sources if s.gap_before],
            [(s.path, s.status, "; ".join([s.reason] * bool(s.reason) + [i.message for i in s.issues]))
             for s in sources if s.status != "scanned" or s.issues],
            sections, parameters, generated_at, report.rules_sha256, report.config.retention_days, iso_utc(report.as_of, False),
            dict(report.config.case), masker is not None, procedure,
        )


def _in_time_order(f):
    """Records by time (those without one last), then where they are, so a report reads as a chronology."""
    if f.timestamp:
        return (0, instant(f.timestamp), f.source, f.line)
    return (1, None, f.source, f.line)


def _masked_source(s, label):
    from dataclasses import replace

    return replace(s, path=label(s.path), gap_before=label(s.gap_before) if s.gap_before else None,
                   copy_of=label(s.copy_of) if s.copy_of else None, reason=label(s.reason) if s.reason else None)


def _masked_finding(f, label):
    from dataclasses import replace

    return replace(f, source=label(f.source), duplicate_of=label(f.duplicate_of) if f.duplicate_of else None)


def safe_file_name(name: str, taken: set[str]) -> str:
    """A file name for a subject that is safe on every system and unique in `taken`."""
    import hashlib

    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80] or "subject"
    if base.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}:
        base = "_" + base
    if base.lower() in taken or base != name:
        base = f"{base}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"
    unique, n = base, 1
    while unique.lower() in taken:  # a hashed name can still meet one taken as it is
        n += 1
        unique = f"{base}-{n}"
    taken.add(unique.lower())
    return unique


# --- The report's sentences, in plain text: the printers escape and lay them out. ---


def made_by(view: SubjectView) -> str:
    from ..model import VERSION

    return f"Made by mfalogscan {VERSION} at {view.generated_at} (UTC). Rules in force: SHA-256 {view.rules_sha256}."


def scope_sentences(view: SubjectView) -> list[str]:
    names = [view.user, *view.aliases]
    out = [f"Searched: {', '.join(view.parameters['paths'])}, for the names {', '.join(names)} (case-insensitive)."]
    if view.span[0]:
        out.append(f"The sources hold records from {view.span[0]} to {view.span[1]}.")
    p = view.parameters
    if p.get("since") or p.get("until"):
        out.append(f"Time window: {p.get('since') or 'the beginning'} to {p.get('until') or 'the end'}; "
                   f"{view.summary.outside_window} finding(s) outside it are not shown.")
    return out


SOURCE_HEADERS = ["source", "status", "format", "records from", "records to", "lines or events"]
RECORD_HEADERS = ["time (UTC)", "kind", "role", "event", "where"]


def source_rows(view: SubjectView) -> list[list]:
    return [[s.path, s.status, s.format or "", s.first_timestamp or "", s.last_timestamp or "", s.counted]
            for s in view.sources]


def warnings(view: SubjectView) -> list[str]:
    out = [f"Not scanned in full: {path} ({status}): {why}" for path, status, why in view.problems]
    out += [f"Gap: {path} starts {gap}; records may have been rotated away or deleted." for path, gap in view.gaps]
    return out


def nothing_found(view: SubjectView) -> str | None:
    """The explicit, scoped statement when nothing was found at all; None when anything was."""
    s = view.summary
    if s.findings or s.outside_window or s.raw_matches_in_skipped:
        return None
    span = f", which hold records from {view.span[0]} to {view.span[1]}" if view.span[0] else ""
    return (f"No occurrences found. No quoted occurrence of {', '.join([view.user, *view.aliases])} was found in the "
            f"{len(view.sources)} source(s) listed above{span}. Unquoted mentions found: {s.mentions}.")


def summary_points(view: SubjectView) -> list[str]:
    s = view.summary
    out = []
    if s.outside_window:
        out.append(f"Outside the time window and not listed: {s.outside_window} finding(s).")
    if s.raw_matches_in_skipped:
        skipped = [f"{src.path} ({src.raw_matches[view.user]})" for src in view.sources if src.raw_matches.get(view.user)]
        out.append(f"Raw quoted matches in bytes that were not read as text (binary files, UTF-16 stretches in a "
                   f"text file): {s.raw_matches_in_skipped}, in {', '.join(skipped)}. Look at these files: they hold "
                   "the name.")
    return out + [
        f"Findings: {s.findings} ({s.quoted} quoted occurrences), in {s.events} distinct event(s); the same event found "
        "in several sources is counted once as an event.",
        f"Unquoted mentions: {s.mentions}.",
        f"First seen: {s.first_seen}; last seen: {s.last_seen}; without a known time: {s.undated}.",
        f"Kept past retention ({view.retention_days} days before {view.as_of}): {s.past_retention} finding(s).",
    ]


def kind_rows(view: SubjectView) -> list[list]:
    category_of = {f.kind: f.category for _, _, _, rows in view.sections for f, _ in rows}
    return [[category_of[k], k, n] for k, n in view.summary.by_kind.items()]


def records(rows: list) -> list[tuple[list[str], str]]:
    """Each finding as (RECORD_HEADERS values, the log text as shown), in the order given (time order)."""
    return [([f.timestamp or "unknown", f.kind + ("" if f.quoted else " (mention)"), f.role, f.event or "",
              f"{f.source}, {f.place}" + (f" (a copy of the record at {f.duplicate_of})" if f.duplicate_of else "")],
             text) for f, text in rows]
