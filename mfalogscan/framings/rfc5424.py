"""RFC 5424 syslog lines.

`<134>1 2024-03-07T18:20:20.006280Z MFASRV01 pfsvc - - - User "jdoe" changed ...`:
`<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
The timestamp is ISO 8601 with optional fractional seconds and an offset
(`Z`, `+01:00`), or `-` (no stamp). `-` is nil in every header field.
APP-NAME is the component, a numeric PROCID the pid. Structured data is `-`
or one or more `[id k="v" ...]` elements (values may hold `\\"`, `\\]` and
`\\\\`); it is skipped. A UTF-8 BOM opening the message is dropped. `<PRI>`
becomes `level` as `facility.severity` (`<134>` is `local0.info`). When
APP-NAME is nil and the message opens with a program tag (`pfsvc: ...`),
the tag is the component.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..timeline.stamps import parse_iso
from .base import BaseFraming, Record
from .syslog import native_body, pri_level, program_tag, score

_FIELD = r"([^ ]{1,255})"
_HEADER = re.compile(r"<(\d{1,3})>([1-9]\d?) " + " ".join([_FIELD] * 5) + " ", re.ASCII)
_SD_ELEMENT = r'\[[^\s\]="]{1,32}(?: [^\s\]="]{1,32}="(?:[^"\\]|\\.)*")*\]'
_SD = re.compile(r"-|(?:" + _SD_ELEMENT + r")+", re.DOTALL)
_BOM = "\ufeff"


def _nil(value: str) -> str | None:
    return None if value == "-" else value


class Rfc5424(BaseFraming):
    name = "rfc5424"
    head = re.compile(rb"<\d{1,3}>[1-9]\d? ")


    def sniff(self, lines: Sequence[str]) -> float:
        return score(self, lines)

    def parse(self, line: str) -> Record | None:
        line = line.rstrip("\r\n")
        m = _HEADER.match(line)
        if m is None:
            return None
        pri, _version, when, host, app, procid, _msgid = m.groups()
        stamp = None
        if when != "-":
            stamp = parse_iso(when)
            if stamp is None or stamp.raw != when:
                return None
        sd = _SD.match(line, m.end())
        if sd is None:
            return None
        pos = sd.end()
        if pos < len(line):
            if line[pos] != " ":
                return None
            pos += 1
        message = line[pos:]
        if message.startswith(_BOM):
            message = message[1:]
        component, pid = _nil(app), int(procid) if procid.isascii() and procid.isdigit() else None
        if component is None:
            tagged = program_tag(message)
            if tagged is not None:
                component, tag_pid, message = tagged
                pid = pid if pid is not None else tag_pid
        return native_body(Record(self.name, message, stamp, pri_level(pri), pid, None, component, None, _nil(host)))


FRAMING = Rfc5424()
