"""RFC 3164 (BSD) syslog lines, as collectors write them to files.

`Mar 07 18:20:20 MFASRV01 pfsvc: User "jdoe" changed ...`: an optional
`<PRI>` (`<134>Mar  7 ...`), a BSD stamp (`Mar 07` or `Mar  7`; no year,
no zone), the host, then a tag (`pfsvc:`, `pfrad:`, `pfsvc[2960]:`, any
other program token) and the message. Also read: the high-precision form
modern collectors write (`2024-03-07T18:20:20.006280+01:00 MFASRV01 pfsvc:
...`, year and offset as written), and a line whose host was left out
(`Mar  7 18:20:20 pfsvc[2960]: ...`). A line whose text after the host is
not `tag: ` keeps that text whole as its message, with no component.

The stamp is returned as written (`parse_bsd`: year and offset None); the
time policy supplies them. `<PRI>` becomes `level` as `facility.severity`
(`<134>` is `local0.info`). A message that is itself a native MFA line (a
collector forwarding MultiFactorAuthSvc.log) gives that line's message, pid,
tid, request id and, where the header had none, level and component
(`native_body`, shared with RFC 5424), so that it is compared, classified
and linked into events as the native line is; the stamp stays the syslog
header's (with the year of the native stamp when the header has none).

`split_tag` and `pri_level` are shared with the other syslog-like framings.
"""

from __future__ import annotations

import re
from typing import Sequence

from dataclasses import replace

from ..timeline.stamps import Stamp, parse_bsd, parse_iso, with_year_from_text
from . import native
from .base import BaseFraming, Record

_FACILITIES = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
    "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)
_SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")

_PRI = re.compile(r"<(\d{1,3})>", re.ASCII)
_ISO_HEAD = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", re.ASCII)
# A tag: a program token without spaces, brackets or colons, an optional [pid], then `:` and a space (or the end).
_TAG = re.compile(r"(?P<tag>[^\s\[\]:]{1,64})(?:\[(?P<pid>[^\]\s]{0,20})\])?:(?: |$)")
_TOKEN = re.compile(r"(\S+)(?: |$)")

# Everything parse() accepts starts like this (the stamp up to its seconds).
_HEAD = rb"(?:<\d{1,3}>)?(?:[A-Za-z]{3} {1,2}\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)"


def pri_level(pri: str | None) -> str | None:
    """`134` -> `local0.info`; None when absent or out of range."""
    if pri is None:
        return None
    n = int(pri)
    if n > 191:
        return None
    return f"{_FACILITIES[n >> 3]}.{_SEVERITIES[n & 7]}"


def split_tag(text: str, pos: int = 0):
    """`pfsvc[2960]: rest` at text[pos:] -> (tag, pid or None, rest), or None."""
    m = _TAG.match(text, pos)
    if m is None:
        return None
    pid = m["pid"]
    return m["tag"], int(pid) if pid and pid.isascii() and pid.isdigit() else None, text[m.end():]


_PROGRAM = re.compile(r"[a-z][a-z0-9_.\-/]{0,47}")


def program_tag(text: str):
    """Like `split_tag`, for a tag opening a bare message (`pfsvc: ...`): a lower-case program name or any
    name with a `[pid]`, so that `Error: ...` or `Note: ...` is not taken for a tag."""
    got = split_tag(text)
    if got is None:
        return None
    with_pid = text[len(got[0]) : len(got[0]) + 1] == "["
    return got if with_pid or _PROGRAM.fullmatch(got[0]) else None


def _stamp(line: str, pos: int) -> tuple[Stamp, int] | None:
    """The stamp at line[pos:] and where the text after it (and its space) starts."""
    rest = line[pos:]
    stamp = parse_bsd(rest)
    if stamp is None and _ISO_HEAD.match(rest):
        stamp = parse_iso(rest)
    if stamp is None:
        return None
    end = pos + len(stamp.raw)
    if end < len(line) and line[end] != " ":
        return None  # `Mar  7 18:20:20x`, or an ISO stamp followed by `|` (a native line), `,` (a CSV row)...
    return stamp, end + 1


class Syslog3164(BaseFraming):
    name = "syslog"
    head = re.compile(_HEAD)


    def sniff(self, lines: Sequence[str]) -> float:
        return score(self, lines)

    def parse(self, line: str) -> Record | None:
        line = line.rstrip("\r\n")
        pos, level = 0, None
        m = _PRI.match(line)
        if m is not None:
            pos, level = m.end(), pri_level(m[1])
        got = _stamp(line, pos)
        if got is None:
            return None
        stamp, pos = got
        host = component = pid = None
        tagged = split_tag(line, pos)
        if tagged is None:  # the usual case: a host comes first
            tok = _TOKEN.match(line, pos)
            if tok is not None:
                host, pos = tok[1], tok.end()
                tagged = split_tag(line, pos)
        if tagged is not None:
            component, pid, message = tagged
        else:
            message = line[pos:]
        if stamp.year is None:
            stamp = with_year_from_text(stamp, message)
        return native_body(Record(self.name, message, stamp, level, pid, None, component, None, host))


def native_body(record: Record) -> Record:
    """`record` with the fields of the native MFA line its message holds, if it holds one."""
    inner = native.FRAMING.parse(record.message) if record.message[:1].isdigit() else None
    if inner is None:
        return record
    return replace(record, message=inner.message, level=record.level or inner.level, pid=inner.pid, tid=inner.tid,
                   component=record.component or inner.component, request_id=inner.request_id)


def score(framing, lines: Sequence[str], first: int = 5) -> float:
    """The fraction of non-blank lines `framing` parses; 0 when none of the first few does."""
    body = [l for l in lines if l.strip()]
    if not body or not any(framing.parse(l) is not None for l in body[:first]):
        return 0.0
    return sum(1 for l in body if framing.parse(l) is not None) / len(body)


FRAMING = Syslog3164()
