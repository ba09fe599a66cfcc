"""Kiwi Syslog Server's log files: tab-separated, no header.

`2024-03-07<TAB>18:20:20<TAB>Local0.Info<TAB>MFASRV01<TAB>Mar  7 18:20:20 MFASRV01 pfsvc: User "jdoe" changed ...`:
date, time, priority (`facility.level`), the sender's host, then the message
as received. Date and time may be one column (`2024-03-07 18:20:20<TAB>...`).
Dates are `YYYY-MM-DD` or, Kiwi's default, `MM-DD-YYYY` (`/` also read);
a sample whose first date part goes past 12 is read day first throughout,
and `--date-order dmy` or `mdy` says which a server was set to write.

The stamp comes from Kiwi's own date and time (a year, no zone). The
priority as written (`Local0.Info`) is the `level`. A message that wraps a
whole RFC 3164, RFC 5424 or native line gives its host, component, pid,
... and its own message; one opening with a program tag (`pfsvc: ...`)
gives the component and loses the tag.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..timeline.stamps import parse_loose
from .base import BaseFraming, Record
from .csv_export import unwrap
from .syslog import score

_DATE = r"(?:\d{4}[-/]\d\d[-/]\d\d|(?P<first>\d\d)[-/](?P<second>\d\d)[-/]\d{4})"
_TIME = r"\d\d:\d\d:\d\d(?:\.\d{1,6})?"
_LINE = re.compile(
    rf"(?P<date>{_DATE})[\t ](?P<time>{_TIME})\t(?P<priority>[A-Za-z0-9]{{1,16}}\.[A-Za-z]{{1,16}})\t"
    r"(?P<host>[^\t]{1,255})\t(?P<message>.*)",
    re.DOTALL | re.ASCII,
)


class Kiwi(BaseFraming):
    name = "kiwi"
    head = re.compile(rb"(?:\d{4}[-/]\d\d[-/]\d\d|\d\d[-/]\d\d[-/]\d{4})[\t ]\d\d:\d\d:\d\d")
    head_fixed_digits = True

    def __init__(self, dayfirst: bool = False):
        self.dayfirst = dayfirst

    def for_sample(self, lines: Sequence[str], date_order: str | None = None) -> "Kiwi":
        if date_order in ("dmy", "mdy"):  # --date-order: how this Kiwi server was set to write MM-DD-YYYY dates
            dayfirst = date_order == "dmy"
            return Kiwi(dayfirst) if dayfirst != self.dayfirst else self
        firsts, seconds = [], []
        for line in lines:
            m = _LINE.match(line)
            if m is not None and m["first"]:
                firsts.append(int(m["first"]))
                seconds.append(int(m["second"]))
        dayfirst = bool(firsts) and max(firsts) > 12 and max(seconds) <= 12
        return Kiwi(dayfirst) if dayfirst != self.dayfirst else self

    def sniff(self, lines: Sequence[str]) -> float:
        return score(self, lines)

    def parse(self, line: str) -> Record | None:
        m = _LINE.match(line.rstrip("\r\n"))
        if m is None:
            return None
        stamp = parse_loose(m["date"] + " " + m["time"], dayfirst=self.dayfirst)
        if stamp is None:
            return None
        message, host, component = m["message"], m["host"].strip() or None, None
        pid = tid = request_id = None
        inner = unwrap(message)
        if inner is not None:
            message, host, component = inner.message, inner.host or host, inner.component
            pid, tid, request_id = inner.pid, inner.tid, inner.request_id
        return Record(self.name, message, stamp, m["priority"], pid, tid, component, request_id, host)


FRAMING = Kiwi()
