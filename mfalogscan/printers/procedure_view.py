"""What a human report says of the procedure beyond the logs, in plain text (issue 17): the stores checklist,
Microsoft's retention and deletion facts beside this scan's own, the deletion follow-up, and each attached
export as rows. Every word comes from the checklist's wording file (evidence/stores.toml); the Markdown and
HTML printers only lay it out and escape it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..evidence.procedure import PersonProcedure
from ..evidence.stores import Wording, state_label


@dataclass(frozen=True)
class ProcedureView:
    wording: Wording
    procedure: PersonProcedure
    past_retention: int
    retention_days: int
    as_of: str
    #: How an export's text values are shown: as written, or with --mask-others other people's names masked.
    shown: Callable[[str], str] = str
    #: How paths are shown (with --mask-others other people's names in them masked, as everywhere in the report).
    label: Callable[[str], str] = str


def heading(v: ProcedureView, key: str) -> str:
    return v.wording.word(key)


def intro(v: ProcedureView) -> str:
    p = v.wording.procedure
    return f"{v.wording.word('intro')} ({p['title']}, {p['url']}" + (f", {p['published']}" if p.get("published") else "") + ")"


def store_rows(v: ProcedureView) -> list[tuple[str, str, list[str], list[str]]]:
    """Each store as (name, state in words, the sources or attachments that cover it, what else is said of it:
    what covered cannot tell, how to obtain it)."""
    return [(s.name, state_label(v.wording, s.state), [v.label(p) for p in s.sources or s.attachments],
             [t for t in (s.note, s.obtain) if t]) for s in v.procedure.stores]


def facts(v: ProcedureView) -> list[str]:
    out = [f"{f['text']} ({f['source']})" for f in v.wording.facts]
    out.append(v.wording.word("this_scan") + ": " + v.wording.word(
        "scan_retention", n=v.past_retention, days=v.retention_days, date=v.as_of))
    return out


def deletion(v: ProcedureView) -> tuple[list[str], list[list[str]], list[list[str]]] | None:
    """(sentences, the follow-up records as rows, the undated records as rows), or None without --deleted-on."""
    d = v.procedure.deletion
    if d is None:
        return None
    w = v.wording
    said = [w.word("deletion_intro", date=d.deleted_on, ends=d.window_ends),
            w.word("deletion_passed" if d.window_passed else "deletion_pending", n=len(d.before), ends=d.window_ends),
            w.word("deletion_after", n=d.after)]
    if d.undated:
        said.append(w.word("deletion_undated", n=len(d.undated)))
    if d.outside_window:
        said.append(w.word("deletion_window", n=d.outside_window))
    return said, [_ref_row(r, v.label) for r in d.before], [_ref_row(r, v.label) for r in d.undated]


REF_HEADERS = ["time (UTC)", "kind", "where"]


def _ref_row(ref: dict, label: Callable[[str], str]) -> list[str]:
    return [ref["timestamp"] or "unknown", f"{ref['category']}: {ref['kind']}", f"{label(ref['source'])}, line {ref['line']}"]


EXPORT_TYPE = "type"


def attachments(v: ProcedureView) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, str, str]]]]:
    """Each attached export as (its path, what identifies the file, its rows as (field, value, JSON type))."""
    out = []
    for a in v.procedure.attachments:
        meta = [("SHA-256", a.sha256), ("bytes", f"{a.bytes:,}"), ("modified (UTC)", a.modified or ""),
                ("encoding", a.encoding)]
        rows = [(v.shown(field) or "(the whole file)", v.shown(value) if kind == "string" else value, kind)
                for field, value, kind in a.rows]
        out.append((v.label(a.path), meta, rows))
    return out
