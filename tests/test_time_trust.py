"""Issue 12, time you can trust: a time is known or null with its reason, never guessed.

Every fixture is made here: zone-less ISO syslog, NUL-prefixed records,
one event in native, syslog and CSV forms, split-date CSV layouts,
out-of-order Snare-like syslog, spans that do not depend on who is searched.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfalogscan.framings import syslog
from mfalogscan.timeline.policy import TimePolicy, parse_zone
from mfalogscan.timeline.stamps import parse_iso

from .conftest import CHANGE, native, text_bytes
from .helpers import run


def test_zone_less_iso_syslog_stamps_are_read_in_the_given_zone(write):
    line = f'2019-06-14T10:40:20.912134 MFASRV01 pfsvc: {CHANGE}'
    rec = syslog.FRAMING.parse(line)
    assert rec is not None and rec.host == "MFASRV01" and rec.component == "pfsvc"
    assert rec.stamp.raw == "2019-06-14T10:40:20.912134" and rec.stamp.offset is None
    path = write("syslog.log", text_bytes([line, f"2019-06-14T10:41:00.000001 MFASRV01 pfsvc: quiet"]))
    zone, label = parse_zone("+02:00")
    r = run(path, time=TimePolicy(zone, label))
    (f,) = r.findings
    assert (f.format, f.timestamp, f.timestamp_raw) == ("syslog", "2019-06-14T08:40:20.912134Z", "2019-06-14T10:40:20.912134")
    assert r.sources[0].timezone.startswith("+02:00")
    # with a zone written, the space before it belongs to the stamp as before
    assert parse_iso("2021-03-04 10:11:12 -05:00 rest").raw == "2021-03-04 10:11:12 -05:00"
    assert parse_iso("2021-03-04 10:11:12 rest").raw == "2021-03-04 10:11:12"
    assert syslog.FRAMING.parse(f"2019-06-14T10:40:20+01:00 MFASRV01 pfsvc: x").stamp.offset == 3600


@pytest.mark.parametrize("nuls", [1, 7, 300])
def test_a_record_after_a_nul_run_is_its_own_record(write, nuls):
    first = native('Pfauth succeeded for user "kchen".', 0)
    crashed = "\x00" * nuls + native(CHANGE, 42).replace("18:00:42", "19:30:42")
    path = write("MultiFactorAuthSvc.log", text_bytes([first, crashed, native("Service heartbeat", 59)]))
    r = run(path)
    (f,) = r.findings
    assert f.line == 2 and f.format == "native" and f.category == "user-change"
    assert f.timestamp == "2024-03-07T19:30:42.006280Z" and f.record_line == 2
    src = r.sources[0]
    assert src.unparsed_lines == 0
    assert any("NUL" in i.message or "nul" in i.kind for i in src.issues)


def test_the_native_line_is_the_original_of_an_event_even_when_an_export_stamps_earlier(write):
    change = 'User "CONTOSO\\admin" changed user "jdoe" value Phone from "555" to "556".'
    nat = write("MultiFactorAuthSvc.log", text_bytes([f"2024-03-07T18:20:20.906280Z|i|2960|4036|pfsvc|{change}"]))
    sys3164 = write("syslog/mfa.log", text_bytes([f"Mar  7 18:20:20 MFASRV01 pfsvc: {change}"]))
    csv = write("export.csv", text_bytes(["ReceivedTime,Host,Message",
                                          '2024-03-07T18:20:19Z,MFASRV01,"pfsvc: ' + change.replace('"', '""') + '"']))
    for order in ([csv, sys3164, nat], [nat, csv, sys3164], [sys3164, nat, csv]):
        r = run(order, time=TimePolicy(year=2024))
        by_format = {f.format: f for f in r.findings}
        assert set(by_format) == {"native", "syslog", "csv"}
        assert len({f.event for f in r.findings}) == 1
        assert by_format["native"].duplicate_of is None
        assert by_format["syslog"].duplicate_of == by_format["csv"].duplicate_of == f"{nat}:1"
        assert r.summary.users[0].events == 1


def test_between_findings_of_one_rank_the_earliest_is_the_original(write):
    a = write("a/syslog.log", text_bytes([f"Mar  7 18:20:22 MFASRV01 pfsvc: {CHANGE}"]))
    b = write("b/syslog.log", text_bytes([f"Mar  7 18:20:20 MFASRV02 pfsvc: {CHANGE}"]))
    r = run([a, b], time=TimePolicy(year=2024))
    first, second = r.findings
    assert second.duplicate_of is None and first.duplicate_of == f"{b}:1"


USERS = ("jdoe", "kchen", "bwilson", "mgarcia")


@st.composite
def yearless_logs(draw):
    """An RFC 3164 file of mostly forward steps (some across a new year, some a few seconds back) naming USERS."""
    n = draw(st.integers(20, 400))
    steps = draw(st.lists(st.sampled_from([0, 1, 7, 3600, 86400 * 3, 86400 * 40, -2]), min_size=n, max_size=n))
    who = draw(st.lists(st.sampled_from(USERS + ("nobody",)), min_size=n, max_size=n))
    t, lines = datetime(2021, 11, 20, tzinfo=timezone.utc), []
    for step, user in zip(steps, who):
        t += timedelta(seconds=step)
        lines.append(f"{t:%b} {t.day:2d} {t:%H:%M:%S} MFASRV01 pfsvc: "
                     f'User "CONTOSO\\\\admin" changed user "{user}" value Phone from "1" to "2".')
    return lines


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=yearless_logs(), chosen=st.lists(st.sets(st.sampled_from(USERS), min_size=1), min_size=2, max_size=3))
def test_the_span_of_a_source_does_not_depend_on_who_is_searched(write, lines, chosen):
    path = write("syslog.log", text_bytes(lines))
    os.utime(path, (datetime(2023, 6, 1).timestamp(),) * 2)
    seen = set()
    for users in chosen:
        r = run(path, *sorted(users), yearless_sample_every=256)
        s = r.sources[0]
        seen.add((s.first_timestamp, s.last_timestamp, s.year_from))
    assert len(seen) == 1


def test_a_csv_exports_first_row_is_in_its_span_without_a_finding(write):
    rows = ["TimeGenerated,Computer,Message", "2024-03-07T00:01:35Z,MFASRV01,Service started",
            "2024-03-07T10:21:22Z,MFASRV01," + '"' + CHANGE.replace('"', '""') + '"', "2024-03-07T21:43:58Z,MFASRV01,quiet"]
    r = run(write("export.csv", text_bytes(rows)))
    s = r.sources[0]
    assert (s.first_timestamp, s.last_timestamp) == ("2024-03-07T00:01:35Z", "2024-03-07T21:43:58Z")
