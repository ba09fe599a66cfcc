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
from dataclasses import dataclass, field

from ..casefold import fold
from ..events import instant

CATEGORY_TITLES = (
    ("user-change", "User-change records", "Records of the person's MFA record being added or changed."),
    ("operational", "Operational records", "Authentication attempts and the like (what Microsoft calls operational data)."),
    ("unclassified", "Unclassified records", "Lines that name the person but that no rule recognises; shown, never guessed."),
)
# Where log text names an account: `user "X"`, `User "X"`, `user record "X"`, `user 'X'`, pfAuthUser('X',
# and the same inside a CSV export, where every double quote is doubled (`user ""X""`).
_NAMED = re.compile(r"""((?:[Uu]ser(?: record)?|pfAuthUser\()\s?)("{1,2}|')([^"'\r\n]{1,256})\2""")


@dataclass
class Masker:
    """Stable pseudonyms for everyone but the subject of a report."""

    others: dict = field(default_factory=dict)

    def mask(self, text: str, own: set[str], known: list[str]) -> str:
        def pseudonym(name: str) -> str:
            key = fold(name.rsplit("\\", 1)[-1])
            if key not in self.others:
                self.others[key] = f"[other person {len(self.others) + 1}]"
            return self.others[key]

        def named(m: re.Match) -> str:
            name = m.group(3)
            if fold(name.rsplit("\\", 1)[-1]) in own or fold(name) in own:
                return m.group(0)
            return m.group(1) + m.group(2) + pseudonym(name) + m.group(2)

        text = _NAMED.sub(named, text)
        for other in known:  # other searched people, wherever they are named
            if fold(other) not in own:
                text = re.sub(r"(?<![\w.@-])" + re.escape(other) + r"(?![\w@-])", lambda m: pseudonym(m.group(0)), text,
                              flags=re.IGNORECASE)
        return text


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


DETAIL_HEADERS = ["source", "compression", "encoding", "bytes scanned", "stored bytes", "SHA-256 as stored",
                  "modified (UTC)", "zone assumed", "year from", "past retention"]


def detail_rows(view: "SubjectView") -> list[list]:
    """Provenance of every source, with this subject's findings kept past retention."""
    return [[s.path, s.compression or "none", s.encoding or "", s.bytes, "" if s.stored_bytes is None else s.stored_bytes,
             s.stored_sha256 or "", s.modified or "", s.timezone or "", s.year_from or "",
             s.past_retention.get(view.user, 0)] for s in view.sources]


def parameter_text(parameters: dict) -> str:
    shown = []
    for key, value in parameters.items():
        if key == "users":
            continue  # each report names only its own subject
        if value in (None, [], False):
            continue
        shown.append(f"{key}={', '.join(map(str, value)) if isinstance(value, list) else value}")
    return "; ".join(shown)


def _shown(f, masker: Masker | None, own: set[str], known: list[str]):
    if masker is None:
        return f.text
    return masker.mask(f.text, own, known)


def subject_views(report) -> list[SubjectView]:
    from ..timepolicy import iso_utc, reference_now

    masker = Masker() if report.config.mask_others else None
    generated_at = iso_utc(reference_now(), False)
    views = []
    known = [n for s in report.config.subjects for n in s.names]
    starts = [instant(s.first_timestamp) for s in report.sources if s.first_timestamp]
    ends = [instant(s.last_timestamp) for s in report.sources if s.last_timestamp]
    span = (iso_utc(min(starts), False) if starts else None, iso_utc(max(ends), False) if ends else None)
    gaps = [(s.path, s.gap_before) for s in report.sources if s.gap_before]
    problems = [(s.path, s.status, "; ".join([s.reason] * bool(s.reason) + [i.message for i in s.issues]))
                for s in report.sources if s.status != "scanned" or s.issues]
    for subject, summary in zip(report.config.subjects, report.summary.users):
        own = {fold(n) for n in subject.names}
        mine = [f for f in report.findings if f.user == subject.name]
        sections = []
        for category, title, blurb in CATEGORY_TITLES:
            rows = [(f, _shown(f, masker, own, known)) for f in mine if f.category == category]
            sections.append((category, title, blurb, rows))
        views.append(SubjectView(
            subject.name, subject.aliases, summary, list(report.sources), span, gaps, problems, sections,
            report.parameters(), generated_at, report.rules_sha256, report.config.retention_days,
            iso_utc(report.as_of, False),
        ))
    return views


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
    from .. import __version__

    return f"Made by mfalogscan {__version__} at {view.generated_at} (UTC). Rules in force: SHA-256 {view.rules_sha256}."


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


SOURCE_HEADERS = ["source", "status", "format", "records from", "records to", "lines", "SHA-256 of content"]
FINDING_HEADERS = ["time (UTC)", "source", "line", "role", "kind", "event", "log text"]


def source_rows(view: SubjectView) -> list[list]:
    return [[s.path, s.status, s.format or "", s.first_timestamp or "", s.last_timestamp or "", s.lines, s.sha256 or ""]
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
        out.append(f"Raw quoted matches in files that were not parsed (binary): {s.raw_matches_in_skipped}, in "
                   f"{', '.join(skipped)}. Look at these files: they hold the name.")
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


def finding_rows(rows: list) -> list[list]:
    return [[f.timestamp or "unknown", f.source, f.line, f.role, f.kind + ("" if f.quoted else " (mention)"),
             f.event + (f", duplicate of {f.duplicate_of}" if f.duplicate_of else ""), text] for f, text in rows]


_CONTROL = __import__("re").compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Control and direction-changing characters shown as \\xNN / \\uNNNN, so they cannot act on a terminal or reader."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)
