"""One JSON document: tool, parameters, sources, and per user their counts and findings (see evidence.document)."""

from __future__ import annotations

import json

from ..evidence.document import document


def write(report, out) -> None:
    json.dump(document(report), out, ensure_ascii=False, indent=2)
    out.write("\n")
