"""CSV: a UTF-8 BOM and a header row, then one row per finding (RFC 4180 quoting, CRLF line ends).

Cells that a spreadsheet would run as a formula (starting with =, +, -, @,
tab or CR) get a leading apostrophe, following OWASP's CSV injection advice:
log text is hostile input. Control and direction-changing characters (ESC,
BEL, U+202E) are shown as `\\xNN` / `\\uNNNN`, as in every other human view.
"""

from __future__ import annotations

import csv
import json

from ..errors import visible
from ..model import FINDING_FIELDS

COLUMNS = list(FINDING_FIELDS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not isinstance(value, (int, float)):
        text = "'" + text
    return visible(text)


BOM = "\ufeff"  # so Excel reads the file as UTF-8 (without it, mgarcía shows as mgarcÃ­a); csv readers of utf-8-sig skip it


def write(report, out) -> None:
    out.write(BOM)
    w = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(COLUMNS)
    for f in report.findings:
        w.writerow([cell(getattr(f, c)) for c in COLUMNS])
