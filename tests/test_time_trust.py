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
    t, lines, times = datetime(2021, 11, 20, tzinfo=timezone.utc), [], []
    for step, user in zip(steps, who):
        t += timedelta(seconds=step)
        times.append(t)
        lines.append(f"{t:%b} {t.day:2d} {t:%H:%M:%S} MFASRV01 pfsvc: "
                     f'User "CONTOSO\\\\admin" changed user "{user}" value Phone from "1" to "2".')
    return lines, times


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=yearless_logs(), chosen=st.lists(st.sets(st.sampled_from(USERS), min_size=1), min_size=2, max_size=3))
def test_the_span_of_a_source_does_not_depend_on_who_is_searched(write, lines, chosen):
    lines, times = lines
    path = write("syslog.log", text_bytes(lines))
    os.utime(path, (max(times).timestamp() + 3600,) * 2)  # written an hour after its latest line
    seen = set()
    for users in chosen:
        r = run(path, *sorted(users), yearless_sample_every=256)
        s = r.sources[0]
        seen.add((s.first_timestamp, s.last_timestamp, s.year_from))
        # and every finding has the time the generator wrote, to the second
        assert [f.timestamp for f in r.findings] == [
            f"{times[i]:%Y-%m-%dT%H:%M:%SZ}" for i, line in enumerate(lines) if any(f'"{u}"' in line for u in users)]
    assert len(seen) == 1
    (span,) = seen  # from sampled lines: within the true span (a line between samples may lie outside it)
    assert f"{min(times):%Y-%m-%dT%H:%M:%SZ}" <= span[0] <= span[1] <= f"{max(times):%Y-%m-%dT%H:%M:%SZ}"


def test_a_csv_exports_first_row_is_in_its_span_without_a_finding(write):
    rows = ["TimeGenerated,Computer,Message", "2024-03-07T00:01:35Z,MFASRV01,Service started",
            "2024-03-07T10:21:22Z,MFASRV01," + '"' + CHANGE.replace('"', '""') + '"', "2024-03-07T21:43:58Z,MFASRV01,quiet"]
    r = run(write("export.csv", text_bytes(rows)))
    s = r.sources[0]
    assert (s.first_timestamp, s.last_timestamp) == ("2024-03-07T00:01:35Z", "2024-03-07T21:43:58Z")


def q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


JDOE = 'User "CONTOSO\\admin" changed user "jdoe" value Phone from "1" to "2".'
MTIME = datetime(2017, 12, 31, 12, tzinfo=timezone.utc)


def scan_csv(write, header, rows, **options):
    path = write("export.csv", text_bytes([header] + rows))
    os.utime(path, (MTIME.timestamp(),) * 2)
    if "date_order" in options:
        options = {"time": TimePolicy(date_order=options.pop("date_order")), **options}
    r = run(path, **options)
    # Event Viewer's own CSV is read event by event (issue 15), other CSV exports line by line
    assert r.sources[0].format == ("event-csv" if header.startswith("Level,Date and Time,Source") else "csv")
    return r


# (header, a row with {msg} where the message goes, the UTC time it holds, with which options)
CSV_SHAPES = [
    pytest.param("LineId,Month,Date,Time,Level,Component,PID,Content", "1,Jun,14,15:16:01,combo,sshd,19939,{msg}",
                 "2017-06-14T15:16:01Z", {}, id="linux-month-day-time"),
    pytest.param("LineId,Date,Day,Time,Component,Pid,Content", "1,Dec,10,06:55:46,sshd,24200,{msg}",
                 "2017-12-10T06:55:46Z", {}, id="openssh-monthname-in-date"),
    pytest.param("LineId,Date,Time,Pid,Tid,Level,Component,Content", "1,03-17,16:13:38.811,1702,2395,D,WindowManager,{msg}",
                 "2017-03-17T16:13:38.811000Z", {}, id="android-mm-dd"),
    pytest.param("LineId,Time,Program,Content", "1,10.30 16:49:06,chrome.exe,{msg}",
                 "2017-10-30T16:49:06Z", {}, id="proxifier-mm.dd"),
    pytest.param("LineId,Date,Time,Level,Component,Content", "1,17/06/09,20:10:40,INFO,executor.Executor,{msg}",
                 "2017-06-09T20:10:40Z", {"date_order": "ymd"}, id="spark-yy/mm/dd-with-date-order"),
    pytest.param("LineId,Label,Timestamp,Date,Node,Time,Component,Level,Content",
                 "1,-,1117838570,2005.06.03,R02-M1-N0,2005-06-03-15.42.50.363779,RAS,INFO,{msg}",
                 "2005-06-03T22:42:50Z", {}, id="bgl-epoch-beside-local-time"),
    pytest.param("LineId,Date,Time,Pid,Level,Component,Content", "1,081109,203615,143,INFO,dfs.DataNode,{msg}",
                 "2008-11-09T20:36:15Z", {"date_order": "ymd"}, id="hdfs-compact"),
    pytest.param("LineId,Time,Component,Pid,Content", "1,20171223-22:15:29:606,Step_LSC,30002312,{msg}",
                 "2017-12-23T22:15:29.606000Z", {}, id="healthapp"),
    pytest.param("LineId,Time,Component,Pid,Content", "1,20171224-0:7:4:43,Step_LSC,30002312,{msg}",
                 "2017-12-24T00:07:04.043000Z", {}, id="healthapp-unpadded-milliseconds"),
    pytest.param("LineId,LogId,Node,Component,State,Time,Flag,Content", "1,460,node-246,unix.hw,state_change,1077804742,1,{msg}",
                 "2004-02-26T14:12:22Z", {}, id="hpc-epoch"),
    pytest.param("LineId,Date,Time,Level,Component,Content", "1,2015-10-18,\"18:01:47,978\",INFO,mapreduce,{msg}",
                 "2015-10-18T18:01:47.978000Z", {}, id="hadoop-comma-millis"),
    pytest.param("Level,Date and Time,Source,Event ID,Task Category", "Information,3/14/2021 1:11:12 PM,AzureMfa,1,None,{msg}",
                 "2021-03-14T13:11:12Z", {}, id="event-viewer-proven-mdy"),
]


@pytest.mark.parametrize("header,row,expected,options", CSV_SHAPES)
def test_csv_exports_give_the_time_their_columns_hold(write, header, row, expected, options):
    other = row.replace("{msg}", q("quiet")).replace("1,", "2,", 1) if row.startswith("1,") else row.replace("{msg}", q("quiet"))
    r = scan_csv(write, header, [row.replace("{msg}", q(JDOE)), other], **options)
    (f,) = r.findings
    assert (f.timestamp, f.timestamp_note, f.category) == (expected, None, "user-change")


@pytest.mark.parametrize("header,row", [
    ("LineId,Date,Time,Level,Component,Content", "1,17/06/09,20:10:40,INFO,executor.Executor,{msg}"),
    ("LineId,Date,Time,Pid,Level,Component,Content", "1,081109,203615,143,INFO,dfs.DataNode,{msg}"),
    ("Level,Date and Time,Source,Event ID,Task Category", "Information,3/4/2021 10:11:12 AM,AzureMfa,1,None,{msg}"),
])
def test_an_ambiguous_date_is_no_time_and_says_why(write, header, row):
    r = scan_csv(write, header, [row.replace("{msg}", q(JDOE))])
    (f,) = r.findings
    assert f.timestamp is None and "--date-order" in f.timestamp_note and f.category == "user-change"


def test_what_is_no_form_read_is_no_time_never_midnight_or_the_first_of_january(write):
    rows = ["2024-03-07T10:00:00Z,MFASRV01," + q("quiet"), "2024-03-07T1O:00:00Z,MFASRV01," + q(JDOE)]
    r = scan_csv(write, "TimeGenerated,Computer,Message", rows)
    (f,) = r.findings
    assert f.timestamp is None and "no date and time form" in f.timestamp_note and f.format == "csv"
    assert f.timestamp_raw is None


def test_an_event_viewer_description_over_several_lines_is_dated_by_its_row(write):
    rows = ['Information,3/14/2021 1:11:12 PM,AzureMfa,1,None,"NPS Extension for Azure MFA:',
            'The user ""jdoe"" was rejected.',
            'Reason: timeout."',
            "Information,3/14/2021 1:12:00 PM,AzureMfa,1,None,quiet"]
    r = scan_csv(write, "Level,Date and Time,Source,Event ID,Task Category", rows)
    (f,) = r.findings
    # The finding is the event: its line is the row's first, as are its offset and time.
    assert (f.line, f.record_line, f.timestamp, f.format) == (2, 2, "2021-03-14T13:11:12Z", "event-csv")


def snare(stamp: str, written: str, event_id: int, user: str) -> str:
    """A Snare-over-syslog line: the BSD header, then the tab-separated event with its own full date."""
    return (f"<14>{stamp} MFASRV01 MSWinEventLog\t1\tSecurity\t{event_id}\t{written}\t{event_id}\t"
            f'Microsoft-Windows-Security-Auditing\tN/A\tUser \"{user}\" logged on.')


def test_years_come_from_the_full_dates_in_the_messages_of_an_out_of_order_file(write):
    # Grouped by event id, as Snare sends them: the dates jump back and forth over four years.
    lines = [snare("Mar  1 12:00:00", "Mon Mar 01 12:00:00 2021", 4624, "jdoe"),
             snare("Jun 10 08:00:00", "Sat Jun 10 08:00:00 2017", 4624, "kchen"),
             snare("Jan  1 00:00:05", "Thu Dec 31 23:59:59 2020", 4625, "jdoe"),
             snare("Feb  2 09:00:00", "Sun Feb 02 09:00:00 2025", 4625, "jdoe")]
    path = write("snare.log", text_bytes(lines))
    os.utime(path, (datetime(2025, 6, 1).timestamp(),) * 2)
    r = run(path)
    assert [f.timestamp for f in r.findings] == ["2021-03-01T12:00:00Z", "2021-01-01T00:00:05Z", "2025-02-02T09:00:00Z"]
    s = r.sources[0]
    assert s.year_from == "full dates written in the messages"
    assert (s.first_timestamp, s.last_timestamp) == ("2017-06-10T08:00:00Z", "2025-02-02T09:00:00Z")
    r = run(path, time=TimePolicy(since=datetime(2021, 1, 1, tzinfo=timezone.utc)))
    assert len(r.findings) == 3 and r.exit_status() == 0


def test_steps_back_of_weeks_are_no_new_years_and_the_source_says_its_lines_are_out_of_order(write):
    lines = [syslog_line("Mar 10 10:00:00"), syslog_line("Mar  1 10:00:00"), syslog_line("Mar 20 10:00:00"),
             syslog_line("Feb 15 10:00:00")]
    path = write("syslog.log", text_bytes(lines))
    os.utime(path, (datetime(2024, 3, 21).timestamp(),) * 2)
    r = run(path, yearless_sample_every=1)
    assert [f.timestamp[:10] for f in r.findings] == ["2024-03-10", "2024-03-01", "2024-03-20", "2024-02-15"]
    (issue,) = [i for i in r.sources[0].issues if "not in time order" in i.message]
    assert "2 sampled line(s)" in issue.message and issue.severity == "warning"


def test_the_year_option_never_gives_a_time_after_as_of(write):
    lines = [syslog_line("Nov  1 10:00:00"), syslog_line("Jan  5 10:00:00"), syslog_line("Aug  5 10:00:00", "quiet"),
             syslog_line("Jan  9 10:00:00")]
    path = write("syslog.log", text_bytes(lines))
    r = run(path, yearless_sample_every=1, time=TimePolicy(year=2023), as_of=datetime(2024, 3, 1, tzinfo=timezone.utc))
    got = [(f.timestamp, f.timestamp_note) for f in r.findings]
    assert got[:2] == [("2023-11-01T10:00:00Z", None), ("2024-01-05T10:00:00Z", None)]
    assert got[2][0] is None and "after" in got[2][1]  # Jan 9 of 2025: after --as-of
    assert r.sources[0].last_timestamp <= "2024-03-02"


def syslog_line(stamp: str, message: str = CHANGE) -> str:
    return f"{stamp} MFASRV01 pfsvc: {message}"


def test_zone_less_iso_stamps_in_plain_files_are_read_in_the_given_zone(write):
    lines = ["2019-06-14 10:40:20,123 INFO auth " + CHANGE, "2019-06-14 10:41:00 INFO quiet",
             "no stamp here " + CHANGE, "2019-06-14 10:40:201 " + CHANGE]
    zone, label = parse_zone("Europe/Berlin")
    r = run(write("app.txt", text_bytes(lines)), time=TimePolicy(zone, label))
    assert r.sources[0].format == "plain"
    got = [(f.timestamp, f.timestamp_note is None) for f in r.findings]
    assert got == [("2019-06-14T08:40:20.123000Z", True), (None, False), (None, False)]
    assert r.sources[0].first_timestamp == "2019-06-14T08:40:20Z"


def test_a_native_line_forwarded_by_syslog_is_one_event_with_the_native_line(write):
    body = f"2024-03-07T18:20:20.906280Z|i|2960|4036|pfsvc|{CHANGE}"
    nat = write("MultiFactorAuthSvc.log", text_bytes([body]))
    fwd = write("syslog/mfa.log", text_bytes([f"Mar  7 18:20:21 MFASRV01 pfsvc: {body}"]))
    fwd5424 = write("syslog/mfa5424.log", text_bytes([f"<134>1 2024-03-07T18:20:21Z MFASRV01 pfsvc 2960 - - {body}"]))
    r = run([fwd, fwd5424, nat])
    assert len({f.event for f in r.findings}) == 1
    by_source = {f.source: f for f in r.findings}
    assert by_source[nat].duplicate_of is None
    assert by_source[fwd].duplicate_of == by_source[fwd5424].duplicate_of == f"{nat}:1"
    assert by_source[fwd].timestamp == "2024-03-07T18:20:21Z" and by_source[fwd].message == CHANGE


# ----- found in review: each was a wrong or lost time -----


def test_a_date_elsewhere_in_a_message_does_not_give_the_year(write):
    lines = ['Mar  7 18:20:20 MFASRV01 pfsvc: OATH token for "jdoe" activated, valid until 2025-03-07T18:20:20',
             'Mar  7 18:21:20 MFASRV01 pfsvc: User "jdoe" password last set 2023-03-06 17:00:00',
             # a Snare date whose weekday contradicts it (7 March 2025 is a Friday)
             "Mar  7 18:22:20 MFASRV01 MSWinEventLog\t1\tSecurity\t1\tMon Mar 07 18:22:20 2025\t4624\tUser \"jdoe\""]
    path = write("syslog.log", text_bytes(lines))
    os.utime(path, (datetime(2024, 3, 9).timestamp(),) * 2)
    r = run(path, as_of=datetime(2024, 3, 10, tzinfo=timezone.utc))
    assert [f.timestamp[:4] for f in r.findings] == ["2024", "2024", "2024"]
    assert r.sources[0].year_from.startswith("the file's modification time")


def test_what_an_export_proves_wins_over_date_order(write):
    r = scan_csv(write, "Time,Host,Message", ["3/14/2021 10:00:00 AM,h,quiet", "3/4/2021 10:00:00 AM,h," + q(JDOE)],
                 date_order="dmy")
    assert [f.timestamp for f in r.findings] == ["2021-03-04T10:00:00Z"]


def test_a_placeholder_date_proves_nothing_and_spoils_nothing(write):
    r = scan_csv(write, "Time,Host,Message", ["00/00/0000 00:00:00,h,quiet", "3/14/2021 10:00:00,h," + q(JDOE)])
    assert [f.timestamp for f in r.findings] == ["2021-03-14T10:00:00Z"]


def test_a_host_starting_with_z_is_no_zone(write):
    line = f"2019-06-14T10:40:20.912134 zrh-mfa01 pfsvc: {CHANGE}"
    zone, label = parse_zone("Europe/Berlin")
    r = run(write("syslog.log", text_bytes([line, line])), time=TimePolicy(zone, label))
    assert {(f.timestamp, f.format) for f in r.findings} == {("2019-06-14T08:40:20.912134Z", "syslog")}
    assert parse_iso("2019-06-14 10:40:20 ZONE-A").raw == "2019-06-14 10:40:20"


@pytest.mark.parametrize("cell", [" 2021-03-05T11:00:00Z", "", "N/A"])
def test_a_row_of_a_multiline_export_never_takes_the_time_of_the_row_above(write, cell):
    rows = ['2021-03-04T10:11:12Z,h,"a description', 'over two lines"', f"{cell},h," + q(JDOE),
            "2021-03-06T10:11:14Z,h,quiet"]
    r = scan_csv(write, "Time,Host,Message", rows)
    (f,) = r.findings
    assert (f.line, f.record_line, f.format, f.category) == (4, 4, "csv", "user-change")
    dated = cell.strip()[:1].isdigit()
    assert f.timestamp == ("2021-03-05T11:00:00Z" if dated else None)
    assert dated or "not written" in f.timestamp_note


def test_as_of_limits_only_years_counted_from_the_year_option(write):
    path = write("syslog.log", text_bytes([syslog_line("Feb 20 10:00:00", "quiet"), syslog_line("May  5 10:00:00")]))
    os.utime(path, (datetime(2024, 6, 1).timestamp(),) * 2)
    r = run(path, as_of=datetime(2024, 3, 1, tzinfo=timezone.utc))
    assert [f.timestamp for f in r.findings] == ["2024-05-05T10:00:00Z"]


def test_a_record_after_a_nul_run_in_the_middle_of_a_line_has_its_own_time(write):
    partial = native('Pfauth succeeded for user "kchen" and the serv', 0)
    line = partial + "\x00" * 300 + native(CHANGE, 0).replace("18:00:00", "19:30:42")
    r = run(write("MultiFactorAuthSvc.log", text_bytes([line, native("quiet", 59)])))
    (f,) = r.findings
    assert f.timestamp == "2024-03-07T19:30:42.006280Z" and f.message == CHANGE and f.category == "user-change"


def test_a_zone_of_a_day_or_more_in_a_csv_cell_is_no_time_and_the_rest_is_read(write):
    r = scan_csv(write, "Time,Host,Message", ["2021-03-04T10:11:12+25:00,h," + q(JDOE),
                                              "2021-03-04T10:11:13Z,h," + q(JDOE)])
    assert [f.timestamp for f in r.findings] == [None, "2021-03-04T10:11:13Z"]
    assert "zone offset" in r.findings[0].timestamp_note


def test_a_duration_is_no_time_of_day(write):
    path = write("export.csv", text_bytes(["Date,Duration,Message", "2021-03-04,0:00:35," + q(JDOE)]))
    (f,) = run(path).findings
    assert f.timestamp is None


def test_a_trailing_line_that_is_no_record_does_not_cut_the_span(write):
    lines = [native("quiet", s % 60).replace("18:", f"0{s // 3600}:", 1) for s in range(0, 3000)]
    lines += [native(CHANGE, 0).replace("18:00", "05:50"), "garbage trailer line"]
    r = run(write("MultiFactorAuthSvc.log", text_bytes(lines)))
    assert r.sources[0].last_timestamp == "2024-03-07T05:50:00Z"


def test_stamps_with_their_year_spanning_a_new_year_are_in_order(write):
    lines = [native("quiet", 0).replace("2024-03-07", "2023-03-04"), native(CHANGE, 0).replace("2024-03-07", "2024-02-01")]
    r = run(write("MultiFactorAuthSvc.log", text_bytes(lines)))
    assert not [i for i in r.sources[0].issues if "time order" in i.message]


def test_a_new_year_between_samples_of_a_sparse_log(write):
    lines = [syslog_line(f"Jun  {d} 10:00:00", "quiet") for d in range(1, 7)]
    lines += [syslog_line("Dec 20 10:00:00", "quiet"), syslog_line("Jan  5 10:00:00"),
              syslog_line("Jan  6 10:00:00", "quiet"), syslog_line("Jan  7 10:00:00", "quiet")]
    path = write("syslog.log", text_bytes(lines))
    os.utime(path, (datetime(2024, 1, 8).timestamp(),) * 2)
    r = run(path)
    assert [f.timestamp for f in r.findings] == ["2024-01-05T10:00:00Z"]
    assert not [i for i in r.sources[0].issues if "time order" in i.message]


def test_a_local_time_that_daylight_saving_skips_or_repeats_is_no_time(write):
    rows = ["2021-10-31 02:30:00,h," + q(JDOE), "2021-03-28 02:30:00,h," + q(JDOE), "2021-03-28 03:30:00,h," + q(JDOE)]
    zone, label = parse_zone("Europe/Berlin")
    r = scan_csv(write, "Time,Host,Message", rows, time=TimePolicy(zone, label))
    got = [(f.timestamp, f.timestamp_note and f.timestamp_note.split("'")[2][:20]) for f in r.findings]
    assert got == [(None, " is ambiguous in Eur"), (None, " does not exist in E"), ("2021-03-28T01:30:00Z", None)]


def test_when_a_siem_indexed_a_row_is_not_when_it_happened(write):
    r = scan_csv(write, "EventTime,IndexTime,Message", ["2021-03-04 10:11:12,1614870000," + q(JDOE)])
    assert [f.timestamp for f in r.findings] == ["2021-03-04T10:11:12Z"]


@pytest.mark.parametrize("header,cells,expected,note", [
    ("Time,Host,Message", ["Tue, 05 Mar 2024 10:00:00"], "2024-03-05T10:00:00Z", None),
    ("Time,Host,Message", ["Mon, 05 Mar 2024 10:00:00"], None, "says Monday, but 5 March 2024 was a Tuesday"),
    ("Time,Host,Message", ["Monday, March 4, 2024 10:00 AM"], "2024-03-04T10:00:00Z", None),
    ("Time,Host,Message", ["Sunday, March 4, 2024 10:00 AM"], None, "says Sunday, but 4 March 2024 was a Monday"),
    ("Time,Host,Message", ["Mon Dec 04 04:47:44 2005"], None, "says Monday, but 4 December 2005 was a Sunday"),
    ("Date,Time,Message", ["Sunday, March 4, 2024", "10:00:00"], None, "says Sunday, but 4 March 2024 was a Monday"),
    # No year written: the weekday is checked against the year the source's clock gives (here its mtime, 2017).
    ("Time,Host,Message", ["Mon Dec 04 04:47:44"], "2017-12-04T04:47:44Z", None),
    ("Time,Host,Message", ["Tue Dec 05 04:47:44"], "2017-12-05T04:47:44Z", None),
    ("Time,Host,Message", ["Tue Dec 04 04:47:44"], None, "says Tuesday, but 4 December 2017 was a Monday"),
])
def test_a_weekday_that_contradicts_the_date_is_no_time_and_says_why(write, header, cells, expected, note):
    """`Mon, 05 Mar 2024 10:00:00` was read as 5 March 2024, a Tuesday: one of the two is wrong, and which is not
    known, so the row has no time, with the reason; a weekday that agrees changes nothing."""
    row = ",".join([q(c) if "," in c else c for c in cells] + ([] if header.startswith("Date") else ["h"]) + [q(JDOE)])
    r = scan_csv(write, header, [row])
    (f,) = r.findings
    assert f.timestamp == expected and f.category == "user-change"
    assert (f.timestamp_note is None) if note is None else (note in f.timestamp_note), f.timestamp_note
