"""The syslog (RFC 3164), RFC 5424, CSV export and Kiwi framings: records, heads, sniffing, detection, whole scans."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mfalogscan.framings import csv_export, detect, kiwi, native, rfc5424, syslog

from .conftest import CHANGE, GUID, text_bytes
from .conftest import native as native_line
from .helpers import run

OTHER = 'User "CONTOSO\\admin" changed user "kchen" value Phone from "1" to "2".'
ALL = (native.FRAMING, rfc5424.FRAMING, syslog.FRAMING, kiwi.FRAMING, csv_export.FRAMING)


def csv_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def stamp_fields(stamp):
    return (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second, stamp.microsecond, stamp.offset)


def heads(framing, line: str) -> bool:
    return framing.head.match(line.encode("utf-8")) is not None


# ----- RFC 3164 -----

SYSLOG_CASES = [
    # line, host, component, pid, level, stamp (year, month, day, h, m, s, us, offset), message
    (f"Mar 07 18:20:20 MFASRV01 pfsvc: {CHANGE}", "MFASRV01", "pfsvc", None, None, (None, 3, 7, 18, 20, 20, 0, None), CHANGE),
    (f"Mar  7 18:20:20 MFASRV01 pfsvc: {CHANGE}", "MFASRV01", "pfsvc", None, None, (None, 3, 7, 18, 20, 20, 0, None), CHANGE),
    (f"<134>Mar 07 18:20:20 MFASRV01 pfsvc: {CHANGE}", "MFASRV01", "pfsvc", None, "local0.info", (None, 3, 7, 18, 20, 20, 0, None), CHANGE),
    (f"<134>Mar  7 18:20:20 MFASRV01 pfsvc[2960]: {CHANGE}", "MFASRV01", "pfsvc", 2960, "local0.info", (None, 3, 7, 18, 20, 20, 0, None), CHANGE),
    ("<131>Dec 31 23:59:59 mfa02.contoso.com pfadssvc: ***** ERROR ***** Error sending email",
     "mfa02.contoso.com", "pfadssvc", None, "local0.err", (None, 12, 31, 23, 59, 59, 0, None), "***** ERROR ***** Error sending email"),
    ("Mar  7 18:20:20 MFASRV01 pfrad: RADIUS request from 10.0.0.1", "MFASRV01", "pfrad", None, None,
     (None, 3, 7, 18, 20, 20, 0, None), "RADIUS request from 10.0.0.1"),
    ("Mar  7 18:20:20 10.1.2.3 postfix/smtpd[12]: connect from unknown", "10.1.2.3", "postfix/smtpd", 12, None,
     (None, 3, 7, 18, 20, 20, 0, None), "connect from unknown"),
    # No host written: the first token is already the tag.
    (f"Mar  7 18:20:20 pfsvc[2960]: {CHANGE}", None, "pfsvc", 2960, None, (None, 3, 7, 18, 20, 20, 0, None), CHANGE),
    # Not a tag after the host: the rest is the message.
    ("Mar  7 18:20:20 MFASRV01 service started", "MFASRV01", None, None, None, (None, 3, 7, 18, 20, 20, 0, None), "service started"),
    ("Mar  7 18:20:20 MFASRV01 pfsvc:", "MFASRV01", "pfsvc", None, None, (None, 3, 7, 18, 20, 20, 0, None), ""),
    # The high-precision form collectors write to files: year and offset as written.
    (f"2024-03-07T18:20:20.006280+01:00 MFASRV01 pfsvc: {CHANGE}", "MFASRV01", "pfsvc", None, None,
     (2024, 3, 7, 18, 20, 20, 6280, 3600), CHANGE),
    # A native line inside a syslog message gives its message and pid (it is linked and classified as the
    # native line is); its full date gives the year (issue 12).
    (f"Mar 07 18:20:20 MFASRV01 pfsvc: {native_line(CHANGE)}", "MFASRV01", "pfsvc", 2960, "i",
     (2024, 3, 7, 18, 20, 20, 0, None), CHANGE),
]


@pytest.mark.parametrize("line,host,component,pid,level,stamp,message", SYSLOG_CASES)
def test_syslog_records(line, host, component, pid, level, stamp, message):
    rec = syslog.FRAMING.parse(line)
    assert rec is not None and rec.format == "syslog"
    assert (rec.host, rec.component, rec.pid, rec.level, rec.message) == (host, component, pid, level, message)
    assert stamp_fields(rec.stamp) == stamp
    assert heads(syslog.FRAMING, line)
    assert syslog.FRAMING.parse(line + "\r") == rec


def test_syslog_stamp_is_as_written():
    rec = syslog.FRAMING.parse(f"Mar  7 18:20:20 MFASRV01 pfsvc: {CHANGE}")
    assert rec.stamp.raw == "Mar  7 18:20:20" and rec.stamp.year is None and rec.stamp.offset is None


@pytest.mark.parametrize("line", [
    native_line(CHANGE),
    f"<134>1 2024-03-07T18:20:20.006280Z MFASRV01 pfsvc - - - {CHANGE}",
    f"2024-03-07\t18:20:20\tLocal0.Info\tMFASRV01\tpfsvc: {CHANGE}",
    "Foo 07 18:20:20 MFASRV01 pfsvc: x",
    "Mar 07 18:20 MFASRV01 pfsvc: x",
    "   at System.Net.Mail.SmtpClient.Send(MailMessage message)",
    "",
])
def test_syslog_rejects_other_lines(line):
    assert syslog.FRAMING.parse(line) is None


def test_syslog_sniff():
    lines = [f"Mar {7 + i // 60:2d} 18:20:{i % 60:02d} MFASRV01 pfsvc: {OTHER}" for i in range(19)]
    lines.insert(10, "garbage that a collector wrote")
    assert syslog.FRAMING.sniff(lines) >= 0.9
    assert syslog.FRAMING.sniff([native_line(CHANGE, i) for i in range(10)]) == 0.0
    assert syslog.FRAMING.sniff([]) == 0.0


# ----- RFC 5424 -----

RFC5424_CASES = [
    (f"<134>1 2024-03-07T18:20:20.006280Z MFASRV01 pfsvc - - - {CHANGE}",
     "MFASRV01", "pfsvc", None, "local0.info", (2024, 3, 7, 18, 20, 20, 6280, 0), CHANGE),
    (f"<134>1 2024-03-07T19:20:20.123+01:00 MFASRV01 pfsvc 2960 ID47 - {CHANGE}",
     "MFASRV01", "pfsvc", 2960, "local0.info", (2024, 3, 7, 19, 20, 20, 123000, 3600), CHANGE),
    (f"<131>1 2024-03-07T13:20:20-05:00 mfa02 pfadssvc 2960 - - {CHANGE}",
     "mfa02", "pfadssvc", 2960, "local0.err", (2024, 3, 7, 13, 20, 20, 0, -18000), CHANGE),
    # Structured data: several elements, escaped quote, bracket and backslash in values.
    ('<134>1 2024-03-07T18:20:20Z MFASRV01 pfsvc - - [exampleSDID@32473 iut="3" eventSource="App\\"x\\]" '
     'path="C:\\\\Logs"][meta sequenceId="1"] ' + CHANGE,
     "MFASRV01", "pfsvc", None, "local0.info", (2024, 3, 7, 18, 20, 20, 0, 0), CHANGE),
    # A BOM opens the message.
    (f"<134>1 2024-03-07T18:20:20Z MFASRV01 pfsvc - - - \ufeff{CHANGE}",
     "MFASRV01", "pfsvc", None, "local0.info", (2024, 3, 7, 18, 20, 20, 0, 0), CHANGE),
    # A non-numeric PROCID is no pid; nil APP-NAME with a tag opening the message.
    (f"<14>1 2024-03-07T18:20:20Z MFASRV01 pfsvc svc-7 - - {CHANGE}",
     "MFASRV01", "pfsvc", None, "user.info", (2024, 3, 7, 18, 20, 20, 0, 0), CHANGE),
    (f"<134>1 2024-03-07T18:20:20Z MFASRV01 - - - - pfrad[77]: {CHANGE}",
     "MFASRV01", "pfrad", 77, "local0.info", (2024, 3, 7, 18, 20, 20, 0, 0), CHANGE),
]


@pytest.mark.parametrize("line,host,component,pid,level,stamp,message", RFC5424_CASES)
def test_rfc5424_records(line, host, component, pid, level, stamp, message):
    rec = rfc5424.FRAMING.parse(line)
    assert rec is not None and rec.format == "rfc5424"
    assert (rec.host, rec.component, rec.pid, rec.level, rec.message) == (host, component, pid, level, message)
    assert stamp_fields(rec.stamp) == stamp
    assert heads(rfc5424.FRAMING, line)


def test_rfc5424_nil_fields():
    line = f"<165>1 - - - - - - {CHANGE}"
    rec = rfc5424.FRAMING.parse(line)
    assert rec.stamp is None and rec.host is None and rec.component is None and rec.pid is None
    assert rec.message == CHANGE and rec.level == "local4.notice" and heads(rfc5424.FRAMING, line)
    bare = rfc5424.FRAMING.parse("<134>1 2024-03-07T18:20:20Z MFASRV01 pfsvc - - -")
    assert bare.message == "" and bare.component == "pfsvc"
    assert rfc5424.FRAMING.parse("<134>1 2024-03-07T18:20:20Z MFASRV01 pfsvc - - [a b=\"c\"]").message == ""


@pytest.mark.parametrize("line", [
    f"<134>Mar  7 18:20:20 MFASRV01 pfsvc: {CHANGE}",
    f"<134>1 2024-03-07 18:20:20Z MFASRV01 pfsvc - - - {CHANGE}",  # a space inside the stamp
    f"<134>1 yesterday MFASRV01 pfsvc - - - {CHANGE}",
    f'<134>1 2024-03-07T18:20:20Z MFASRV01 pfsvc - - [unclosed a="b" {CHANGE}',
    f"<134>1 2024-03-07T18:20:20Z MFASRV01 pfsvc - - -{CHANGE}",
    native_line(CHANGE),
])
def test_rfc5424_rejects_other_lines(line):
    assert rfc5424.FRAMING.parse(line) is None


# ----- CSV exports -----

REORDERED = [
    "Message,Host,ReceivedTime",
    csv_quote("pfsvc: " + CHANGE) + ',"MFASRV01","2021-03-04T10:11:12-05:00"',
    csv_quote("pfsvc: " + OTHER) + ",MFASRV01,2021-03-04T10:11:13-05:00",
    '"pfsvc: User ""jdoe"" changed user ""jdoe"" value Phone from ""1"" to ""2"".","MFASRV01","2021-03-04T10:11:14-05:00"',
]


def test_csv_reordered_columns_and_doubled_quotes():
    framing = csv_export.FRAMING.for_sample(REORDERED)
    assert framing is not csv_export.FRAMING and csv_export.FRAMING.delimiter is None
    assert (framing.delimiter, framing.time, framing.message, framing.host) == (",", (2,), 0, 1)
    rec = framing.parse(REORDERED[1])
    assert rec.format == "csv" and rec.message == CHANGE and rec.component == "pfsvc" and rec.host == "MFASRV01"
    assert stamp_fields(rec.stamp) == (2021, 3, 4, 10, 11, 12, 0, -18000)
    rec = framing.parse(REORDERED[3])
    assert rec.message == 'User "jdoe" changed user "jdoe" value Phone from "1" to "2".'
    assert framing.parse(REORDERED[0]) is None
    assert not heads(framing, REORDERED[0])
    assert all(heads(framing, l) for l in REORDERED[1:])


def test_csv_columns_are_checked_against_their_content():
    # Quoted header names; and a header whose names do not fit the rows: the content decides.
    lines = ['"Message","Host","ReceivedTime"', REORDERED[3]]
    assert detect(lines).parse(lines[1]).message == 'User "jdoe" changed user "jdoe" value Phone from "1" to "2".'
    lines = ["Message,Host,ReceivedTime",
             '"2021-03-04T10:11:12-05:00","MFASRV01","pfsvc: User ""jdoe"" changed user ""jdoe"" value Phone from ""1"" to ""2""."']
    framing = detect(lines)
    assert (framing.name, framing.time, framing.message, framing.host) == ("csv", (0,), 2, 1)
    rec = framing.parse(lines[1])
    assert rec.message == 'User "jdoe" changed user "jdoe" value Phone from "1" to "2".' and rec.component == "pfsvc"
    assert rec.stamp.offset == -18000 and heads(framing, lines[1]) and not heads(framing, lines[0])


def test_csv_header_case_names_and_time_first():
    lines = [
        "TimeStamp,Computer,Raw Log",
        "2021-03-04 10:11:12,MFASRV01," + csv_quote("Mar  4 10:11:12 mfa02 pfsvc[2960]: " + CHANGE),
        "2021-03-04 10:11:13,MFASRV01,pfsvc: service started",
        "2021-03-04 10:11:14,MFASRV01,Error: not a tag",
    ]
    framing = detect(lines)
    assert framing.name == "csv" and (framing.time, framing.message, framing.host) == ((0,), 2, 1)
    rec = framing.parse(lines[1])
    # The wrapped RFC 3164 line gives host, component and pid; the CSV's own column gives the stamp.
    assert (rec.host, rec.component, rec.pid, rec.message) == ("mfa02", "pfsvc", 2960, CHANGE)
    assert stamp_fields(rec.stamp) == (2021, 3, 4, 10, 11, 12, 0, None)
    assert framing.parse(lines[2]).component == "pfsvc" and framing.parse(lines[2]).message == "service started"
    rec = framing.parse(lines[3])
    assert rec.component is None and rec.message == "Error: not a tag" and rec.host == "MFASRV01"
    assert all(heads(framing, l) for l in lines[1:]) and not heads(framing, lines[0])


def test_csv_semicolon_delimited_with_bad_rows():
    lines = [
        "Date and Time;Severity;Hostname;Message",
        "04.03.2021 10:11:12;Info;MFASRV01;" + csv_quote("pfsvc: " + CHANGE),
        "03/04/2021 10:11:13;Info;MFASRV01;pfsvc: " + OTHER,
        "03/04/2021 10:11:14;Info",  # too few fields
        "not a time;Info;MFASRV01;pfsvc: " + OTHER,
        "",
    ]
    framing = detect(lines)
    assert framing.name == "csv" and framing.delimiter == ";" and framing.level == 1
    rec = framing.parse(lines[1])
    assert (rec.message, rec.component, rec.host, rec.level) == (CHANGE, "pfsvc", "MFASRV01", "Info")
    rec = framing.parse(lines[2])
    # 03/04/2021 and 04.03.2021 prove no order of day and month: no time, and the reason (issue 12: no guess)
    assert rec.stamp is None and "--date-order" in rec.stamp_note and rec.message == OTHER
    rec = detect(lines, date_order="mdy").parse(lines[2])
    assert stamp_fields(rec.stamp) == (2021, 3, 4, 10, 11, 13, 0, None)
    assert framing.parse(lines[3]) is None and framing.parse(lines[4]) is None and framing.parse(lines[5]) is None
    assert not heads(framing, lines[0]) and all(heads(framing, l) for l in lines[1:3])


def test_csv_tab_delimited_with_separate_date_and_time_and_unnamed_message():
    lines = [
        "Date\tTime\tPriority\tHostname\tPayload Text",
        f"2024-03-07\t18:20:20\tLocal0.Info\tMFASRV01\tpfsvc: {CHANGE}",
        f"2024-03-07\t18:20:21\tLocal0.Info\tMFASRV01\tpfsvc: {OTHER}",
    ]
    framing = detect(lines)
    assert framing.name == "csv" and framing.time == (0, 1) and framing.message == 4
    rec = framing.parse(lines[1])
    assert stamp_fields(rec.stamp) == (2024, 3, 7, 18, 20, 20, 0, None)
    assert (rec.level, rec.host, rec.component, rec.message) == ("Local0.Info", "MFASRV01", "pfsvc", CHANGE)
    assert csv_export.FRAMING.sniff(lines) > kiwi.FRAMING.sniff(lines)


def test_csv_time_found_by_content_and_message_by_length():
    lines = [
        "When,Node,Body",
        f"2021-03-04T10:11:12Z,MFASRV01,{csv_quote(CHANGE)}",
        "2021-03-04T10:11:13Z,MFASRV01,short",
    ]
    framing = detect(lines)
    assert framing.name == "csv" and (framing.time, framing.message) == ((0,), 2)
    assert framing.parse(lines[1]).message == CHANGE


def test_csv_unquoted_delimiters_in_the_last_column_stay_in_the_message():
    lines = ["time,host,message", "2021-03-04T10:11:12Z,MFASRV01,pfsvc: hello, world"]
    assert detect(lines).parse(lines[1]).message == "hello, world"


def test_csv_with_letter_times_keeps_the_header_out_of_head():
    lines = ["Time,Message", f"Mar 07 2021 10:11:12,{csv_quote(CHANGE)}", f"Thu Mar 04 10:11:12 2021,{csv_quote(OTHER)}"]
    framing = detect(lines)
    assert framing.name == "csv"
    assert all(heads(framing, l) for l in lines[1:]) and not heads(framing, lines[0])
    assert framing.head.match(b"Time,Message\r\n") is None and framing.head.match(b"Time,Message\nMar") is None


def test_csv_wrapping_native_lines():
    lines = ["_time,host,_raw", f"2024-03-07T18:20:20.006+00:00,MFASRV01,{csv_quote(native_line(CHANGE, guid=GUID))}"]
    rec = detect(lines).parse(lines[1])
    assert (rec.component, rec.pid, rec.tid, rec.request_id, rec.level, rec.message) == (
        "pfsvc", 2960, 4036, GUID, "i", CHANGE)
    assert rec.stamp.raw == "2024-03-07T18:20:20.006+00:00"


@pytest.mark.parametrize("lines", [
    [native_line(CHANGE, i) for i in range(5)],
    [f"Mar  7 18:20:2{i} MFASRV01 pfsvc: {CHANGE}" for i in range(5)],
    [f"Mar  7 18:20:2{i} MFASRV01 pfsvc: Started, version 6.3; build {i}" for i in range(5)],
    [f"2024-03-07\t18:20:2{i}\tLocal0.Info\tMFASRV01\tpfsvc: {CHANGE}" for i in range(5)],
    ["Name,Phone", "jdoe,555"],  # a header but no time column
    ["only,one,line"],
])
def test_csv_needs_a_header_with_a_time_column(lines):
    assert csv_export.FRAMING.sniff(lines) == 0.0
    assert csv_export.FRAMING.for_sample(lines) is csv_export.FRAMING
    assert csv_export.FRAMING.parse(lines[-1]) is None and csv_export.FRAMING.head is None


# ----- Kiwi -----

KIWI_LINES = [
    f"2024-03-07\t18:20:20\tLocal0.Info\tMFASRV01\tMar  7 18:20:20 MFASRV01 pfsvc: {CHANGE}",
    f"2024-03-07 18:20:21\tLocal0.Info\t10.0.0.5\t<134>Mar  7 18:20:21 mfa02 pfsvc[2960]: {CHANGE}",
    f"03-07-2024\t18:20:22\tLocal0.Notice\t10.0.0.5\tpfsvc: {CHANGE}",
    f"03-07-2024 18:20:23\tUser.Warning\tMFASRV01\t{CHANGE}",
    f"2024-03-07 18:20:24\tLocal0.Info\tMFASRV01\t<134>1 2024-03-07T18:20:24Z mfa03 pfrad 77 - - {CHANGE}",
]


def test_kiwi_records():
    got = [kiwi.FRAMING.parse(l) for l in KIWI_LINES]
    assert all(r.format == "kiwi" and r.message == CHANGE for r in got)
    assert [(r.host, r.component, r.pid, r.level) for r in got] == [
        ("MFASRV01", "pfsvc", None, "Local0.Info"),
        ("mfa02", "pfsvc", 2960, "Local0.Info"),
        ("10.0.0.5", "pfsvc", None, "Local0.Notice"),
        ("MFASRV01", None, None, "User.Warning"),
        ("mfa03", "pfrad", 77, "Local0.Info"),
    ]
    assert [stamp_fields(r.stamp) for r in got] == [(2024, 3, 7, 18, 20, s, 0, None) for s in range(20, 25)]
    assert got[0].stamp.raw == "2024-03-07 18:20:20" and got[2].stamp.raw == "03-07-2024 18:20:22"
    assert all(heads(kiwi.FRAMING, l) for l in KIWI_LINES)


def test_kiwi_day_first_dates_learned_from_the_sample():
    lines = [f"{d}-03-2024\t18:20:20\tLocal0.Info\tMFASRV01\tpfsvc: x" for d in ("07", "13")]
    framing = kiwi.FRAMING.for_sample(lines)
    assert framing is not kiwi.FRAMING and kiwi.FRAMING.dayfirst is False
    assert [(r.stamp.month, r.stamp.day) for r in map(framing.parse, lines)] == [(3, 7), (3, 13)]
    assert kiwi.FRAMING.for_sample(KIWI_LINES) is kiwi.FRAMING


@pytest.mark.parametrize("line", [
    f"2024-03-07\t18:20:20\tMFASRV01\t{CHANGE}",  # no priority
    f"2024-03-07,18:20:20,Local0.Info,MFASRV01,{CHANGE}",
    f"Mar  7 18:20:20 MFASRV01 pfsvc: {CHANGE}",
    native_line(CHANGE),
])
def test_kiwi_rejects_other_lines(line):
    assert kiwi.FRAMING.parse(line) is None


def test_kiwi_scores_above_csv_and_csv_above_kiwi():
    assert kiwi.FRAMING.sniff(KIWI_LINES) == 1.0 and csv_export.FRAMING.sniff(KIWI_LINES) == 0.0
    assert csv_export.FRAMING.sniff(REORDERED) == 1.0 and kiwi.FRAMING.sniff(REORDERED) == 0.0


# ----- detection across the whole table -----

SAMPLES = {
    "native": [native_line(CHANGE if i % 3 == 0 else OTHER, i, guid=GUID if i % 2 else None) for i in range(20)],
    "syslog-zero-padded": [f"Mar 07 18:20:{i:02d} MFASRV01 pfsvc: {OTHER}" for i in range(20)],
    "syslog-space-padded": [f"Mar  7 18:20:{i:02d} MFASRV01 pfsvc: {OTHER}" for i in range(20)],
    "syslog-pri": [f"<134>Mar  7 18:20:{i:02d} MFASRV01 pfsvc[2960]: {OTHER}" for i in range(20)],
    "syslog-pri-zero-padded": [f"<134>Mar 07 18:20:{i:02d} MFASRV01 pfsvc: {OTHER}" for i in range(20)],
    "rfc5424": [f"<134>1 2024-03-07T18:20:{i:02d}.006280Z MFASRV01 pfsvc - - - {OTHER}" for i in range(20)],
    "csv": REORDERED,
    "kiwi": KIWI_LINES,
}
EXPECTED = {"native": "native", "rfc5424": "rfc5424", "csv": "csv", "kiwi": "kiwi"}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_detect_picks_the_framing(sample):
    lines = SAMPLES[sample]
    assert detect(lines).name == EXPECTED.get(sample, "syslog")
    assert detect(lines + [""]).name == EXPECTED.get(sample, "syslog")  # the split's trailing empty line


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_head_matches_every_parsed_line(sample):
    framing = detect(SAMPLES[sample])
    for line in SAMPLES[sample]:
        if framing.parse(line) is not None:
            assert heads(framing, line), line


def test_native_scores_zero_on_the_new_framings():
    lines = SAMPLES["native"]
    assert [f.sniff(lines) for f in ALL[1:]] == [0.0, 0.0, 0.0, 0.0]


def test_forced_framing_is_set_up_from_the_sample():
    assert detect(REORDERED, forced="csv").time == (2,)
    assert detect(SAMPLES["native"], forced="syslog").name == "syslog"


# ----- whole scans -----

def _one(report, name):
    assert report.sources[0].format == name, report.sources
    found = [f for f in report.findings if f.user == "jdoe"]
    assert len(found) == 1
    return found[0]


def _check(f, name, component="pfsvc", message=CHANGE):
    assert (f.format, f.kind, f.role, f.component, f.message, f.quoted) == (
        name, "value-changed", "target", component, message, True)


def test_scan_syslog(write):
    lines = [f"<134>Mar  7 18:20:{i:02d} MFASRV01 pfsvc[2960]: {OTHER}" for i in range(10)]
    lines[4] = f"<134>Mar  7 18:20:04 MFASRV01 pfsvc[2960]: {CHANGE}"
    f = _one(run(write("syslog.log", text_bytes(lines, "\r\n"))), "syslog")
    _check(f, "syslog")
    assert f.line == 5 and f.pid == 2960


def test_scan_rfc5424(write):
    lines = [f"<134>1 2024-03-07T18:20:{i:02d}.006280+01:00 MFASRV01 pfsvc 2960 - - {OTHER}" for i in range(10)]
    lines[2] = f'<134>1 2024-03-07T18:20:02.006280+01:00 MFASRV01 pfsvc 2960 - [x@1 a="\\]"] \ufeff{CHANGE}'
    f = _one(run(write("mfa-5424.log", text_bytes(lines))), "rfc5424")
    _check(f, "rfc5424")
    assert f.line == 3 and f.pid == 2960


def test_scan_csv_with_doubled_quotes(write):
    lines = ["Message,Host,ReceivedTime"] + [
        csv_quote("pfsvc: " + (CHANGE if i == 3 else OTHER)) + f",MFASRV01,2021-03-04T10:11:{i:02d}-05:00" for i in range(10)
    ]
    assert '""jdoe""' in lines[4]
    f = _one(run(write("export.csv", text_bytes(lines, "\r\n", bom=True))), "csv")
    _check(f, "csv")
    assert f.line == 5 and f.matched == "jdoe"


def test_scan_kiwi(write):
    lines = [f"03-07-2024\t18:20:{i:02d}\tLocal0.Info\t10.0.0.5\tMar  7 18:20:{i:02d} MFASRV01 pfsvc: {OTHER}" for i in range(10)]
    lines[6] = f"03-07-2024\t18:20:06\tLocal0.Info\t10.0.0.5\tMar  7 18:20:06 MFASRV01 pfsvc: {CHANGE}"
    f = _one(run(write("SyslogCatchAll.txt", text_bytes(lines))), "kiwi")
    _check(f, "kiwi")
    assert f.line == 7 and f.level == "Local0.Info"


# ----- CSV head against the csv module -----

_FIELD_TEXT = st.text(alphabet=st.sampled_from('ab ,;\t"\'x1'), max_size=8)


@given(st.lists(_FIELD_TEXT, min_size=2, max_size=2), st.sampled_from([",", ";", "\t"]),
       st.booleans(), st.lists(st.booleans(), min_size=2, max_size=2), _FIELD_TEXT)
def test_csv_head_matches_every_row_the_csv_module_parses(prior, delimiter, quote_time, quote_prior, junk):
    header = delimiter.join(["Host", "Message", "Time", "Note"])
    framing = csv_export.FRAMING.for_sample([header, delimiter.join(["h", "m", "2021-03-04T10:11:12Z", "n"])])
    assert framing.time == (2,) and framing.delimiter == delimiter
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n",
                        quoting=csv.QUOTE_ALL if quote_time else csv.QUOTE_MINIMAL)
    writer.writerow(prior + ["2021-03-04T10:11:12Z", "pfsvc: " + CHANGE])
    line = buf.getvalue().rstrip("\n")
    # Also hand-made rows: fields quoted or not as they come, stray quotes left in.
    raw = delimiter.join(['"' + p + '"' if q else p for p, q in zip(prior, quote_prior)] + ["2021-03-04T10:11:12Z", junk])
    for row in (line, raw):
        if framing.parse(row) is not None:
            assert heads(framing, row), row
    assert framing.parse(line) is not None
