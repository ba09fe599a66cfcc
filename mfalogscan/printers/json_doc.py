"""One JSON document: tool, parameters, sources, and per user their counts and findings (see evidence.document).

The document is written as `json.dump(document(report), indent=2)` would
write it, byte for byte, but each person's findings are read from the
report's store one at a time, so memory does not grow with them.
"""

from __future__ import annotations

import json

from ..evidence.document import document

_INDENT = " " * 8  # a finding's depth: document > users > user > findings > finding


def _placeholder(i: int) -> str:
    # A NUL cannot be in a name or a path, so this cannot meet real data (json writes it as \u0000).
    return f"\0findings {i}\0"


def write(report, out) -> None:
    users = [u.user for u in report.summary.users]
    doc = document(report, findings=lambda i, user: _placeholder(i))
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    at = 0
    for i, user in enumerate(users):
        marker = '"findings": ' + json.dumps(_placeholder(i))
        where = text.index(marker, at)
        out.write(text[at:where] + '"findings": ')
        _findings(report.findings.of(user), out)
        at = where + len(marker)
    out.write(text[at:] + "\n")


def _findings(findings, out) -> None:
    first = True
    for f in findings:
        out.write(("[\n" if first else ",\n") + _INDENT + _indented(f.to_dict(), _INDENT))
        first = False
    out.write("[]" if first else "\n" + _INDENT[:-2] + "]")


_scalar = json.JSONEncoder(ensure_ascii=False).encode  # C-accelerated for strings; as json.dumps writes scalars


def _indented(value, indent: str) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=2)` with its lines after the first indented by `indent`.

    json.dumps falls back to its pure-Python encoder whenever `indent` is set
    (5.6 s of a 16,113-finding scan under cProfile: 12 s -> 6.4 s wall with
    this); this writes the same bytes with the C string encoder (tests
    compare the two on arbitrary values).
    """
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        items = ",\n".join(inner + _scalar(str(k)) + ": " + _indented(v, inner) for k, v in value.items())
        return "{\n" + items + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + _indented(v, inner) for v in value) + "\n" + indent + "]"
    return _scalar(value)
