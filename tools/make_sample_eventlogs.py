"""The NPS extension's AuthZOptCh event log for sample_logs/ (called by tools/make_samples.py).

A real EVTX file, written by the tests' own EVTX writer (tests/evtx_builder.py:
header, chunks, CRCs, BinXML templates as Windows writes them), with events
shaped as Microsoft's troubleshooting pages show the NPS extension's: one
message per event, `NPS Extension for Azure MFA: CID: <id> : Access Accepted
for user <name> with Azure MFA response: ...`. The names are in the message,
so a scan counts them as mentions (listed with --mentions). Deterministic.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.evtx_builder import Event, build_evtx  # noqa: E402

CHANNEL = "Microsoft-AzureMfa-AuthZ/AuthZOptCh"
PROVIDER = "Microsoft-AzureMfa-AuthZ"


def nps_channel(people: list[str], others: list[str]) -> bytes:
    """Three days of AuthZOptCh: the people's and others' sign-ins through the NPS extension."""
    rng = random.Random(115)
    start = dt.datetime(2024, 3, 5, 7, 0, tzinfo=dt.timezone.utc)
    events, t = [], start
    for rid in range(1, 61):
        t += dt.timedelta(minutes=rng.randrange(20, 90), microseconds=rng.randrange(1_000_000))
        who = people[rid % len(people)] if rid % 4 == 0 else rng.choice(others)
        cid = uuid.UUID(int=rng.getrandbits(128), version=4)
        if rid % 9 == 0:
            text = f"Access Rejected for user CONTOSO\\{who} with Azure MFA response: AccessDenied and message: denied"
        elif rid % 7 == 0:
            text = f"Challenge requested in Authentication Ext for User CONTOSO\\{who} with state {cid}"
        else:
            text = (f"Access Accepted for user CONTOSO\\{who} with Azure MFA response: Success and message: "
                    "Mobile App Authenticated")
        events.append(Event(rid, t, channel=CHANNEL, provider=PROVIDER, event_id=1, computer="NPS01.contoso.com",
                            data=[(None, f"NPS Extension for Azure MFA: CID: {cid} : {text}")]))
    return build_evtx(events)
