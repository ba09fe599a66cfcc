"""MultiFactorAuthSvc.log's own framing.

`2024-03-07T18:20:20.006280Z|i|2960|4036|pfsvc|[GUID|]message`: UTC time with
fractional seconds and `Z`, a short level token, process and thread ids, the
component (pfsvc, pfadssvc, pfrad, ...), newer builds' request GUID, then the
message. Sub-operations (`validate_oath_code: ...`) stay in the message. A
line that does not start this way continues the record above it.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..model import assemble
from ..timeline.stamps import Stamp
from .base import BaseFraming, Record

_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z"
_LINE = re.compile(
    r"(?P<timestamp>" + _STAMP + r")\|(?P<level>[^|]{0,8})\|(?P<pid>\d{1,10})\|(?P<tid>\d{1,10})\|"
    r"(?P<component>[^|]{1,64})\|(?:(?P<request_id>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
    r"[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\|)?(?P<message>.*)",
    re.DOTALL,
)


class Native(BaseFraming):
    name = "native"
    # [0-9] rather than \d: Python's re checks a class of ten bytes faster.
    head = re.compile(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z\|")
    multiline = True
    head_fixed_digits = True

    def sniff(self, lines: Sequence[str]) -> float:
        # Indented lines (exception frames) continue records; only the others could start one.
        starts = [l for l in lines if l.strip() and not l[:1].isspace()]
        if not starts:
            return 0.0
        heads = sum(1 for l in starts if _LINE.match(l))
        return heads / len(starts) if heads and heads * 10 >= len(starts) else 0.0

    def parse(self, line: str) -> Record | None:
        m = _LINE.match(line)
        if m is None:
            return None
        stamp, level, pid, tid, component, request_id, message = m.groups()
        # parse_iso(stamp), read by position (_STAMP's fields have fixed widths; int() reads any decimal
        # digits, as \d matches them). Record and Stamp are assembled without their frozen __init__: with
        # parse_iso's second regular expression this took 5-9 us a line, now under 4
        # (tests/test_fast_findings.py checks both ways agree).
        fraction = stamp[20:-1]  # the digits between '.' and 'Z'; '' when none were written
        return assemble(Record, {
            "format": self.name, "message": message,
            "stamp": assemble(Stamp, {
                "raw": stamp, "year": int(stamp[0:4]), "month": int(stamp[5:7]), "day": int(stamp[8:10]),
                "hour": int(stamp[11:13]), "minute": int(stamp[14:16]), "second": int(stamp[17:19]),
                "microsecond": int(fraction[:6].ljust(6, "0")) if fraction else 0, "offset": 0,
                "fraction": bool(fraction), "year_in_text": False, "weekday": None,
            }),
            "level": level, "pid": int(pid), "tid": int(tid), "component": component, "request_id": request_id,
            "host": None, "stamp_note": None,
        })


FRAMING = Native()
