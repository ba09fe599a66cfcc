"""Binary EVTX event logs (issue 15): every record naming a subject found, with its place, time and fields.

Every file is made by tests/evtx_builder.py (real EVTX: file header, chunks,
CRCs, template BinXML as Windows writes it), so each test knows exactly
which records name whom, where they are and when they happened.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfalogscan import ScanConfig, Subject, scan
from mfalogscan.eventlogs.rawnames import RawNames, needles, sid_bytes
from mfalogscan.search.casefold import variants

from .evtx_builder import Event, build_evtx, record_offsets

T0 = datetime(2026, 11, 2, 9, 30, 0, 123456, tzinfo=timezone.utc)
AUTHZ = "Microsoft-AzureMfa-AuthZ/AuthZOptCh"


def nps(rid: int, user: str, outcome: str = "Accepted", **kw) -> Event:
    message = (f"NPS Extension for Azure MFA: CID: 6c0b6fd1-{rid:04d} : Access {outcome} for user {user} with Azure "
               f"MFA response: {'Success' if outcome == 'Accepted' else 'AccessDenied'} and message: done")
    return Event(rid, T0 + timedelta(seconds=rid), data=[(None, message)], **kw)


def security(rid: int, target: str, **kw) -> Event:
    return Event(rid, T0 + timedelta(seconds=rid), channel="Security", provider="Microsoft-Windows-Security-Auditing",
                 event_id=4624, data=[("SubjectUserName", "NPS01$"), ("TargetUserName", target),
                                      ("TargetDomainName", "CONTOSO")], **kw)


def mixed(n: int = 60) -> list[Event]:
    """Events naming jdoe in several ways among others' events."""
    events = []
    for rid in range(1, n + 1):
        if rid % 10 == 3:
            events.append(security(rid, "jdoe"))
        elif rid % 10 == 7:
            events.append(nps(rid, "jdoe@contoso.com", "Rejected"))
        elif rid % 10 == 9:
            events.append(Event(rid, T0 + timedelta(seconds=rid), event_id=2,
                                data=[("User-Name", "CONTOSO\\jdoe"), ("Called-Station-Id", "10.0.0.1")]))
        else:
            events.append(nps(rid, f"user{rid}@contoso.com"))
    return events


def run(path, *subjects, **options):
    subjects = tuple(Subject(s[0], tuple(s[1:])) if isinstance(s, tuple) else Subject(s) for s in subjects or ("jdoe",))
    return scan(ScanConfig(paths=(str(path),), subjects=subjects, **options))


def cli(*args, cwd=None):
    p = subprocess.run([sys.executable, "-m", "mfalogscan", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=300)
    assert "Traceback" not in p.stderr, p.stderr
    return p


def test_every_record_naming_the_subject_is_found_with_its_place_time_and_field(tmp_path):
    events = mixed()
    data = build_evtx(events, per_chunk=25)
    p = tmp_path / "Microsoft-AzureMfa-AuthZ%4AuthZOptCh.evtx"
    p.write_bytes(data)
    report = run(p, ("jdoe", "jdoe@contoso.com"), list_mentions=True)
    offsets = record_offsets(data)
    by_id = {f.record_id: f for f in report.findings}
    expected = {e.record_id for e in events if e.record_id % 10 in (3, 7, 9)}
    assert set(by_id) == expected
    for e in events:
        if e.record_id not in expected:
            continue
        f = by_id[e.record_id]
        assert f.line == e.record_id and f.offset == offsets[e.record_id] and f.place == f"record {e.record_id}"
        assert f.timestamp == (T0 + timedelta(seconds=e.record_id)).isoformat().replace("+00:00", "Z")  # not written
        assert f.channel == e.channel and f.event_id == e.event_id and f.format == "evtx"
        assert f.component == e.provider and f.details["computer"] == "nps01.contoso.com"
    whole = by_id[3]
    assert whole.quoted and whole.field == "TargetUserName" and whole.matched == "jdoe"
    assert whole.category == "unclassified"  # a Security event: no shipped rule, never guessed
    domain = by_id[9]
    assert domain.quoted and domain.field == "User-Name" and domain.matched == "CONTOSO\\jdoe"
    assert domain.category == "operational" and domain.kind == "nps-extension-event"
    inside = by_id[7]  # the alias inside the message: a mention, classified by the NPS rules
    assert not inside.quoted and inside.field == "Data" and inside.kind == "access-rejected"
    assert inside.call_status == "AccessDenied"
    src = report.sources[0]
    assert src.status == "scanned" and src.lines == len(events) and src.format == "evtx" and not src.issues
    assert report.exit_status() == 0


def test_mentions_are_counted_not_listed_without_the_option(tmp_path):
    p = tmp_path / "a.evtx"
    p.write_bytes(build_evtx(mixed()))
    report = run(p, ("jdoe", "jdoe@contoso.com"))
    assert {f.record_id for f in report.findings} == {r for r in range(1, 61) if r % 10 in (3, 9)}
    assert report.sources[0].mentions == {"jdoe": 6}


def test_a_sid_alias_finds_the_records_of_that_user_and_names_the_field(tmp_path):
    sid = "S-1-5-21-3623811015-3361044348-30300820-1104"
    events = [nps(1, "x@contoso.com", user_sid=sid), nps(2, "y@contoso.com"), security(3, "svc", user_sid=sid)]
    p = tmp_path / "sids.evtx"
    p.write_bytes(build_evtx(events))
    report = run(p, ("jdoe", sid))
    assert [(f.record_id, f.field, f.matched) for f in report.findings] == [
        (1, "Security.UserID", sid), (3, "Security.UserID", sid)]
    assert sid_bytes(sid) in p.read_bytes()  # the prefilter's binary form is the one BinXML stores


def test_unicode_names_and_userdata_fields_are_found(tmp_path):
    events = [Event(1, T0, data=[("TargetUserName", "Zoë.Ångström")]),
              Event(2, T0, user_data={"UserName": "山田太郎", "Reason": "locked"}),
              Event(3, T0, data=[("TargetUserName", "ZOË.ÅNGSTRÖM")])]
    p = tmp_path / "u.evtx"
    p.write_bytes(build_evtx(events))
    report = run(p, "zoë.ångström", "山田太郎")
    assert [(f.record_id, f.user, f.field) for f in report.findings] == [
        (1, "zoë.ångström", "TargetUserName"), (2, "山田太郎", "UserName"), (3, "zoë.ångström", "TargetUserName")]


def test_recognised_by_content_whatever_its_name_and_inside_gzip_and_zip(tmp_path):
    data = build_evtx(mixed(20))
    (tmp_path / "exported-copy.bin").write_bytes(data)
    (tmp_path / "old.evtx.gz").write_bytes(gzip.compress(data, mtime=0))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("logs/AuthZOptCh.evtx", data)
    (tmp_path / "archive.zip").write_bytes(buf.getvalue())
    report = run(tmp_path)
    found = {(f.source[len(str(tmp_path)) + 1 :], f.record_id) for f in report.findings}
    for name in ("exported-copy.bin", "old.evtx.gz", "archive.zip!logs/AuthZOptCh.evtx"):
        assert {(name, 3), (name, 9), (name, 13), (name, 19)} <= found, (name, found)
    assert {s.status for s in report.sources} == {"scanned"}


@pytest.mark.parametrize("kind", ["magic", "header-crc", "garbage", "zero-size-record", "cut", "records-crc", "zeros"])
def test_fault_a_damaged_evtx_chunk_between_good_ones_is_said_and_the_records_after_it_found(tmp_path, kind):
    events = [security(rid, "jdoe") for rid in range(1, 61)]
    data = build_evtx(events, per_chunk=20, damage={1: kind})
    p = tmp_path / "damaged.evtx"
    p.write_bytes(data)
    report = run(p)
    ids = {f.record_id for f in report.findings}
    src = report.sources[0]
    chunk1 = 4096 + 65536
    assert set(range(1, 21)) <= ids  # the chunk before the damage
    if kind != "cut":
        assert set(range(41, 61)) <= ids, kind  # and the one after it
    issues = [i for i in src.issues if i.offset is not None and i.offset >= chunk1]
    assert issues, (kind, src.issues)
    assert all(chunk1 <= i.offset < chunk1 + 65536 for i in issues), issues
    readable = {"magic": True, "header-crc": True, "records-crc": True, "zero-size-record": "most", "cut": "some",
                "garbage": False, "zeros": False}[kind]
    if readable is True:
        assert set(range(21, 41)) <= ids
    elif readable is False:
        assert not ids & set(range(21, 41))
    assert report.exit_status() == 2, (kind, src.issues)


def test_fault_a_dirty_evtx_log_copied_while_in_use_is_read_in_full(tmp_path):
    events = [security(rid, "jdoe") for rid in range(1, 61)]
    p = tmp_path / "live.evtx"
    p.write_bytes(build_evtx(events, per_chunk=20, dirty=True))
    report = run(p)
    assert {f.record_id for f in report.findings} == set(range(1, 61))
    assert [i.severity for i in report.sources[0].issues] == ["warning"]
    assert "not closed" in report.sources[0].issues[0].message
    assert report.exit_status() == 0


def test_fault_names_in_evtx_bytes_that_are_no_chunk_are_said(tmp_path):
    data = build_evtx([security(1, "jdoe")]) + b"\x01" * 100 + "TargetUserName jdoe".encode("utf-16-le") + b"\x02" * 200
    p = tmp_path / "slack.evtx"
    p.write_bytes(data)
    report = run(p)
    lost = [i for i in report.sources[0].issues if i.severity == "lost"]
    assert len(lost) == 1 and "1 raw match" in lost[0].message and lost[0].offset == 4096 + 65536
    assert report.exit_status() == 2


def test_fault_evtx_without_the_evtx_package_is_unreadable_with_what_to_install(tmp_path, monkeypatch):
    import mfalogscan.scanning.eventscan as eventscan

    monkeypatch.setattr(eventscan, "renderer", lambda: None)
    p = tmp_path / "a.evtx"
    p.write_bytes(build_evtx(mixed(10)))
    report = run(p)
    src = report.sources[0]
    assert src.status == "unreadable" and "pip install evtx" in src.reason and src.bytes == p.stat().st_size
    assert report.exit_status() == 2


def test_the_time_window_applies_to_timecreated(tmp_path):
    p = tmp_path / "w.evtx"
    p.write_bytes(build_evtx([security(r, "jdoe") for r in range(1, 11)]))
    from mfalogscan.timeline.policy import TimePolicy

    policy = TimePolicy(since=T0 + timedelta(seconds=5), until=T0 + timedelta(seconds=7))
    report = run(p, time=policy)
    assert [f.record_id for f in report.findings] == [5, 6, 7]
    assert report.sources[0].outside_window == {"jdoe": 7}


def test_cli_table_json_and_csv_show_channel_and_eventid(tmp_path):
    p = tmp_path / "AuthZ.evtx"
    p.write_bytes(build_evtx(mixed(20)))
    table = cli("scan", p, "-u", "jdoe", "--mentions", "-f", "table")
    assert table.returncode == 0
    assert "#3 " in table.stdout and "#19 " in table.stdout and "Security EventID 4624" in table.stdout
    assert (AUTHZ + "EventID2") in "".join(table.stdout.split())  # folded to the width
    lines = [json.loads(x) for x in cli("scan", p, "-u", "jdoe", "-f", "jsonl").stdout.splitlines()]
    f = next(x for x in lines if x["type"] == "finding")
    assert (f["record_id"], f["channel"], f["event_id"], f["field"]) == (3, "Security", 4624, "TargetUserName")
    csv = cli("scan", p, "-u", "jdoe", "-f", "csv").stdout
    assert "record_id,channel,event_id" in csv.splitlines()[0]


def test_verify_rereads_the_cited_records_and_detects_a_change(tmp_path):
    events = mixed(30)
    p = tmp_path / "AuthZ.evtx"
    p.write_bytes(build_evtx(events))
    report_path = tmp_path / "report.json"
    assert cli("scan", p, "-u", "jdoe", "-o", report_path).returncode == 0
    assert cli("verify", report_path).returncode == 0
    events[2] = security(3, "jdoe", computer="elsewhere")  # the cited record now says another computer
    p.write_bytes(build_evtx(events))
    res = cli("verify", report_path)
    assert res.returncode == 1 and "AuthZ.evtx:3" in res.stdout + res.stderr, res.stdout + res.stderr


# ---------------------------------------------------------------- the raw prefilter

_latin = st.characters(min_codepoint=0x20, max_codepoint=0x24F, blacklist_characters='"\\')


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(_latin, min_size=3, max_size=16).filter(lambda s: s.strip() == s and len(s.strip()) >= 3),
       data=st.data())
def test_the_raw_prefilter_never_misses_a_name_in_any_case(name, data):
    """Whatever case form of each character the log holds, UTF-16LE or ANSI, the prefilter says the place."""
    written = "".join(data.draw(st.sampled_from(sorted(variants(ch)))) for ch in name)
    names = RawNames([name])
    buf = b"\x00\x11junk" + written.encode("utf-16-le") + b"\x07tail"
    if not names.everywhere:
        assert names.hits(buf), (name, written)
    assert names.marked(names.hits(buf), [0], [len(buf)]) == ([True], 0)


def test_names_the_prefilter_cannot_search_make_every_record_a_candidate():
    pats, everywhere = needles(["山田"])
    assert everywhere and not pats
    assert RawNames(["山田"]).marked([], [0, 4], [4, 8]) == ([True, True], 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(choices=st.lists(st.sampled_from(["jdoe", "JDoe", "CONTOSO\\jdoe", "alice", "jdoe2", "xjdoe"]), min_size=1,
                        max_size=40))
def test_property_the_findings_are_exactly_the_records_naming_the_subject(tmp_path_factory, choices):
    events = [security(i + 1, who) for i, who in enumerate(choices)]
    p = tmp_path_factory.mktemp("prop") / "p.evtx"
    p.write_bytes(build_evtx(events, per_chunk=7))
    report = run(p)
    assert [f.record_id for f in report.findings] == [
        e.record_id for e in events if e.data[1][1] in ("jdoe", "JDoe", "CONTOSO\\jdoe")]


# ---------------------------------------------------------------- Event Viewer exports, scanned

def _export_events():
    from .eventlog_exports import event, system_time

    base = datetime(2026, 11, 2, 9, 30, 0, tzinfo=timezone.utc)
    out = []
    for i in range(1, 13):
        who = "CONTOSO\\jdoe" if i % 4 == 0 else f"user{i}@contoso.com"
        message = (f"NPS Extension for Azure MFA: CID: {i} : Access Rejected for user {who} with Azure MFA response: "
                   "AccessDenied and message: denied")
        out.append(event(record_id=100 + i, time=base + timedelta(minutes=i),
                         time_raw=system_time(base + timedelta(minutes=i), "0"), channel=AUTHZ,
                         provider="Microsoft-AzureMfa-AuthZ", event_id=1, computer="nps01", level="Information",
                         fields=(("Data", message),),
                         message=message, local_time=(base + timedelta(minutes=i)).replace(tzinfo=None)))
    return out


@pytest.mark.parametrize("kind", ["xml", "xml-wevtutil", "csv", "text"])
def test_event_viewer_exports_are_scanned_event_by_event(tmp_path, kind):
    from .eventlog_exports import write_csv, write_text, write_xml

    events = _export_events()
    export = {"xml": lambda: write_xml(events), "xml-wevtutil": lambda: write_xml(events, viewer=False),
              "csv": lambda: write_csv(events, style="iso"), "text": lambda: write_text(events)}[kind]()
    p = tmp_path / f"AuthZOptCh.{kind.split('-')[0]}"
    p.write_bytes(export.data)
    report = run(p, list_mentions=True)
    named = [i for i, e in enumerate(events) if "jdoe" in e.message]
    assert [f.offset for f in report.findings] == [export.offsets[i] for i in named]
    for f, i in zip(report.findings, named):
        e = events[i]
        assert f.format == "event-" + kind.split("-")[0] and f.event_id == 1 and f.kind == "access-rejected"
        assert f.matched == "jdoe" and not f.quoted  # inside the rendered message: a mention
        # CSV and text: the local time read as UTC (the default --timezone), as precise as written
        assert f.timestamp.replace(".000000Z", "Z") == e.time.isoformat().replace("+00:00", "Z")
        assert f.line == export.lines[i]
        assert f.record_id == (e.record_id if kind.startswith("xml") else None)
    src = report.sources[0]
    assert src.status == "scanned" and src.lines == len(events) and not src.issues, src.issues
    assert (src.timezone is not None) == (kind in ("csv", "text"))  # the zone assumed is said
    assert report.exit_status() == 0


def test_an_export_read_under_a_zone_gives_utc_and_a_skipped_local_time_gives_none(tmp_path):
    from .eventlog_exports import event, write_text
    from mfalogscan.timeline.policy import TimePolicy, parse_zone

    wall = [datetime(2026, 3, 29, 1, 30), datetime(2026, 3, 29, 2, 30), datetime(2026, 7, 1, 12, 0)]
    events = [event(channel=AUTHZ, provider="Microsoft-AzureMfa-AuthZ", event_id=1, computer="nps01",
                    level="Information", message=f"Access Accepted for user jdoe n{i}", local_time=w)
              for i, w in enumerate(wall)]
    p = tmp_path / "t.txt"
    p.write_bytes(write_text(events).data)
    zone, label = parse_zone("Europe/Berlin")
    report = run(p, list_mentions=True, time=TimePolicy(zone=zone, zone_label=label))
    assert [f.timestamp for f in report.findings] == ["2026-03-29T00:30:00.000000Z", None,
                                                      "2026-07-01T10:00:00.000000Z"]  # wevtutil writes milliseconds
    assert "does not exist in Europe/Berlin" in report.findings[1].timestamp_note


@pytest.mark.parametrize("options", [{"accelerate": False}, {"fast": False}, {"jobs": 2}])
def test_the_plain_python_search_the_reference_and_workers_find_the_same(tmp_path, options):
    data = build_evtx(mixed(), per_chunk=25)
    for i in range(3):
        (tmp_path / f"AuthZ{i}.evtx").write_bytes(data)
    subjects = (("jdoe", "jdoe@contoso.com"),)
    expected = [(f.source, f.record_id, f.quoted) for f in run(tmp_path, *subjects, list_mentions=True).findings]
    got = [(f.source, f.record_id, f.quoted) for f in run(tmp_path, *subjects, list_mentions=True, **options).findings]
    assert got == expected and len(expected) == 3 * 18


def test_a_checksum_that_fails_is_said_as_damage_not_as_bytes_lost(tmp_path):
    p = tmp_path / "crc.evtx"
    p.write_bytes(build_evtx([security(r, "jdoe") for r in range(1, 41)], per_chunk=20, damage={1: "header-crc"}))
    res = cli("scan", p, "-u", "jdoe", "-f", "jsonl")
    assert res.returncode == 2
    assert "1 source(s) were read in full but are damaged" in res.stderr and "could not be read in full" not in res.stderr
    assert sum(1 for x in res.stdout.splitlines() if x.startswith('{"type":"finding"')) == 40


def test_an_export_whose_dates_prove_no_order_says_so_on_the_source(tmp_path):
    from .eventlog_exports import event, write_csv

    events = [event(provider="Microsoft-AzureMfa-AuthZ", event_id=1, level="Information",
                    message=f"Access Accepted for user jdoe n{i}", local_time=datetime(2026, 2, 1 + i, 10, 0))
              for i in range(3)]
    p = tmp_path / "ambiguous.csv"
    p.write_bytes(write_csv(events, style="us").data)
    report = run(p, list_mentions=True)
    assert [f.timestamp for f in report.findings] == [None] * 3
    (issue,) = report.sources[0].issues
    assert issue.severity == "warning" and issue.message.startswith("3 event(s) have no time; the first: ")
    assert "--date-order" in issue.message
    from mfalogscan.timeline.policy import TimePolicy

    told = run(p, list_mentions=True, time=TimePolicy(date_order="mdy"))
    assert [f.timestamp for f in told.findings] == ["2026-02-01T10:00:00Z", "2026-02-02T10:00:00Z", "2026-02-03T10:00:00Z"]


def test_the_system_eventrecordid_is_the_records_number_and_a_computer_can_name_a_person(tmp_path):
    data = bytearray(build_evtx([security(1, "other", computer="JDOE-PC"), security(2, "jdoe")]))
    offsets = record_offsets(bytes(data))
    import struct
    import zlib

    for rid, at in offsets.items():  # renumber the record headers, as a file of selected records has them
        struct.pack_into("<Q", data, at + 8, 900 + rid)
    chunk = 4096
    struct.pack_into("<QQQQ", data, chunk + 8, 901, 902, 901, 902)
    free = struct.unpack_from("<I", data, chunk + 48)[0]
    struct.pack_into("<I", data, chunk + 52, zlib.crc32(bytes(data[chunk + 512 : chunk + free])))
    struct.pack_into("<I", data, chunk + 124, zlib.crc32(bytes(data[chunk : chunk + 120] + data[chunk + 128 : chunk + 512])))
    p = tmp_path / "selected.evtx"
    p.write_bytes(bytes(data))
    report = run(p, ("jdoe", "JDOE-PC"))
    assert [(f.record_id, f.line, f.field, f.details.get("record_number_in_file")) for f in report.findings] == [
        (1, 1, "Computer", "901"), (2, 2, "TargetUserName", "902")]
    assert report.findings[0].text.endswith("[Computer=JDOE-PC]")


def test_fault_a_value_no_xml_parser_takes_is_read_and_a_record_that_cannot_be_is_said(tmp_path, monkeypatch):
    """A review found a record naming jdoe dropped without a word: U+FFFF in another field broke the XML parse."""
    p = tmp_path / "ffff.evtx"
    p.write_bytes(build_evtx([Event(1, T0, data=[("TargetUserName", "jdoe"), ("X", "a\uffff\ufffeb")]),
                              Event(2, T0, data=[("TargetUserName", "bob")])]))
    report = run(p)
    assert [(f.record_id, f.field) for f in report.findings] == [(1, "TargetUserName")]
    assert "X=a\uffff\ufffeb" in report.findings[0].text  # the value as the record holds it
    import mfalogscan.eventlogs.evtx as evtx_module

    def broken(xml, offset, record_id):
        return evtx_module.ReadProblem(offset, 0, f"record {record_id}: its rendering is not well-formed XML (test)")

    monkeypatch.setattr(evtx_module, "from_xml", broken)
    report = run(p)
    (issue,) = [i for i in report.sources[0].issues if i.severity == "lost"]
    assert "record 1: its rendering is not well-formed XML" in issue.message and report.exit_status() == 2


def test_fault_a_name_in_a_chunks_slack_is_said(tmp_path):
    """A review found a name after the chunk's last record (its slack: a record the header no longer counts) missed
    without a word."""
    import struct
    import zlib

    data = bytearray(build_evtx([security(r, "bob" if r < 5 else "jdoe") for r in range(1, 6)]))
    chunk, offsets = 4096, sorted(record_offsets(bytes(data)).values())
    last, fifth = offsets[-2] - chunk, offsets[-1] - chunk  # the header now ends the records before the fifth
    struct.pack_into("<QQQQ", data, chunk + 8, 1, 4, 1, 4)
    struct.pack_into("<II", data, chunk + 44, last, fifth)
    struct.pack_into("<I", data, chunk + 52, zlib.crc32(bytes(data[chunk + 512 : chunk + fifth])))
    struct.pack_into("<I", data, chunk + 124, zlib.crc32(bytes(data[chunk : chunk + 120] + data[chunk + 128 : chunk + 512])))
    p = tmp_path / "slack.evtx"
    p.write_bytes(bytes(data))
    report = run(p)
    assert report.findings == [] and report.sources[0].lines == 4
    (issue,) = report.sources[0].issues
    assert issue.severity == "warning" and issue.offset == 4096
    assert "1 possible raw match(es) of a searched name in bytes of this chunk that are no record" in issue.message
    assert "look at the file" in issue.message and report.exit_status() == 1  # nothing found in the log's records


def test_the_table_counts_events_apart_from_lines(tmp_path):
    (tmp_path / "nps.evtx").write_bytes(build_evtx(mixed(20)))
    (tmp_path / "MultiFactorAuthSvc.log").write_text("2024-03-01T00:00:00.000000Z|i|1|2|pfsvc|hello\n" * 3)
    p = cli("scan", tmp_path, "-u", "nobody.here", "-f", "table")
    assert "in 2 source(s), 3 lines and 20 events searched." in " ".join(p.stdout.split())
