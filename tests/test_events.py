"""One event, many places; copies; rotation sets ordered by content time."""


from mfalogscan.evidence.events import rotation_family
from mfalogscan.timeline.policy import TimePolicy

from .conftest import gzip_bytes, native, text_bytes
from .helpers import run

MSG = 'User "CONTOSO\\admin" changed user "jdoe" value Phone from "+1 555 0100" to "+1 555 0199".'
CSV_MSG = MSG.replace('"', '""')


def four_places(write):
    write("Logs/MultiFactorAuthSvc.log", text_bytes([native("Service started", 10), native(MSG, 20)], "\r\n", bom=True))
    write("export/syslog-3164.log", text_bytes([f"<134>Mar  7 18:00:21 MFASRV01 pfsvc: {MSG}"]))
    write("export/syslog-5424.log", text_bytes([f"<134>1 2024-03-07T18:00:20.506Z MFASRV01 pfsvc - - - {MSG}"]))
    write("export/siem.csv", text_bytes(["Message,Host,ReceivedTime", f'"pfsvc: {CSV_MSG}",MFASRV01,2024-03-07T13:00:22-05:00']))


def test_one_event_in_four_places_is_four_findings_of_one_event(write, tmp_path):
    four_places(write)
    r = run(str(tmp_path), time=TimePolicy(year=2024))
    formats = {f.source.rsplit("/", 1)[-1]: f.format for f in r.findings}
    assert formats == {"MultiFactorAuthSvc.log": "native", "siem.csv": "csv", "syslog-3164.log": "syslog", "syslog-5424.log": "rfc5424"}
    assert len(r.findings) == 4 and len({f.event for f in r.findings}) == 1
    assert all(f.kind == "value-changed" and f.role == "target" for f in r.findings)
    native_finding = [f for f in r.findings if f.format == "native"][0]
    assert native_finding.duplicate_of is None
    duplicates = [f for f in r.findings if f.duplicate_of]
    assert len(duplicates) == 3 and {f.duplicate_of for f in duplicates} == {native_finding.ref}
    user = r.summary.users[0]
    assert (user.findings, user.events) == (4, 1) and r.summary.events == 1


def test_a_different_time_or_message_is_another_event(write, tmp_path):
    write("a.log", text_bytes([native(MSG, 20), native(MSG, 50)]))  # the same change twice, 30 s apart
    write("b.log", text_bytes([native(MSG, 21), native(MSG.replace("0199", "0200"), 22)]))
    r = run(str(tmp_path))
    events = [(f.source.rsplit("/", 1)[-1], f.line, f.event, f.duplicate_of is not None) for f in r.findings]
    assert events[0][2] == events[2][2] and events[2][3]  # a.log:1 and b.log:1 are one event
    assert len({e[2] for e in events}) == 3 and r.summary.users[0].events == 3


def test_two_lines_of_one_source_are_never_one_event(write):
    r = run(write("a.log", text_bytes([native(MSG, 20), native(MSG, 21)])))
    assert len({f.event for f in r.findings}) == 2 and not any(f.duplicate_of for f in r.findings)


def test_copies_are_recognised_by_content(write, tmp_path):
    data = text_bytes([native(MSG, 20)])
    write("MultiFactorAuthSvc.log.1", data)
    write("backup/MultiFactorAuthSvc.log.1.gz", gzip_bytes(data))
    write("MultiFactorAuthSvc.log", text_bytes([native(MSG, 40)]))
    r = run(str(tmp_path))
    by_name = {s.path.split(str(tmp_path) + "/", 1)[1]: s for s in r.sources}
    assert by_name["MultiFactorAuthSvc.log.1"].copy_of is None  # walked first ("M" sorts before "b")
    assert by_name["backup/MultiFactorAuthSvc.log.1.gz"].copy_of.endswith("/MultiFactorAuthSvc.log.1")
    assert by_name["MultiFactorAuthSvc.log"].copy_of is None
    assert by_name["MultiFactorAuthSvc.log.1"].sha256 == by_name["backup/MultiFactorAuthSvc.log.1.gz"].sha256


def test_rotation_set_is_ordered_by_content_time_with_gaps(write, tmp_path):
    def day(d, n=3):
        return text_bytes([native(MSG, 0).replace("2024-03-07", f"2024-03-{d:02d}")] * n)

    write("MultiFactorAuthSvc.log", day(9))
    write("MultiFactorAuthSvc.log.1", day(2))  # older by its name, newer by its content
    write("MultiFactorAuthSvc.log.2.gz", gzip_bytes(day(8)))
    write("MultiFactorAuthAdSyncSvc.log", text_bytes([native("sync", 1)]))
    write("MultiFactorAuthSvc.log.3", text_bytes([native(MSG, 0).replace("2024-03-07T18:00:00", "2024-03-02T18:30:00")]))
    r = run(str(tmp_path))
    rot = {s.path.rsplit("/", 1)[1]: (s.rotation_set, s.rotation_order, s.gap_before) for s in r.sources}
    assert rot["MultiFactorAuthSvc.log.1"][:2] == ("multifactorauthsvc.log", 1)
    assert rot["MultiFactorAuthSvc.log.3"][:3] == ("multifactorauthsvc.log", 2, None)  # 30 minutes later: no gap
    assert rot["MultiFactorAuthSvc.log.2.gz"][:2] == ("multifactorauthsvc.log", 3)
    assert rot["MultiFactorAuthSvc.log"][:2] == ("multifactorauthsvc.log", 4)
    assert rot["MultiFactorAuthSvc.log.2.gz"][2].startswith("5 days, 23:30:00 after the end of")
    assert rot["MultiFactorAuthSvc.log"][2].startswith("1 day, 0:00:00 after the end of")
    assert rot["MultiFactorAuthAdSyncSvc.log"][:2] == ("multifactorauthadsyncsvc.log", 1)


def test_rotation_family_names():
    for name in ("MultiFactorAuthSvc.log", "x/MultiFactorAuthSvc.log.12", "MultiFactorAuthSvc.log.2.gz",
                 "a.zip!MultiFactorAuthSvc.log.3", "MultiFactorAuthSvc_20240307.log", "MultiFactorAuthSvc.log.2024-03-07.bz2"):
        assert rotation_family(name) == "multifactorauthsvc.log", name


# --- regressions from review ---


def test_long_messages_link_too(write, tmp_path):
    long_msg = MSG.replace("+1 555 0199", "x" * 2500)
    write("a/MultiFactorAuthSvc.log", text_bytes([native(long_msg, 20)]))
    write("b/syslog.log", text_bytes([f"<134>1 2024-03-07T18:00:21Z MFASRV01 pfsvc - - - {long_msg}"]))
    r = run(str(tmp_path))
    assert [f.text_truncated for f in r.findings] == [True, True]
    assert len({f.event for f in r.findings}) == 1 and r.findings[1].duplicate_of == r.findings[0].ref


def test_a_second_line_of_one_source_does_not_close_the_event(write, tmp_path):
    def at(second):
        return native(MSG, second)

    write("a.log", text_bytes([at(0), at(3)]))
    write("b.log", text_bytes([at(2)]))
    write("c.log", text_bytes([at(4)]))
    r = run(str(tmp_path))
    event = {(f.source.rsplit("/", 1)[1], f.line): f.event for f in r.findings}
    assert event[("a.log", 1)] == event[("b.log", 1)] == event[("c.log", 1)] != event[("a.log", 2)]


def test_a_gap_is_measured_from_the_latest_end_so_far(write, tmp_path):
    def span(start_hour, end_hour):
        return text_bytes([native("x", 0).replace("2024-03-07T18", f"2024-03-07T{h:02d}") for h in (start_hour, end_hour)])

    write("MultiFactorAuthSvc.log.2", span(0, 10))
    write("MultiFactorAuthSvc.log.1", span(1, 2))
    write("MultiFactorAuthSvc.log", span(9, 12))
    r = run(str(tmp_path))
    s = {x.path.rsplit("/", 1)[1]: x for x in r.sources}
    assert s["MultiFactorAuthSvc.log.1"].overlaps_previous and s["MultiFactorAuthSvc.log"].overlaps_previous
    assert s["MultiFactorAuthSvc.log"].gap_before is None


def test_a_copy_under_another_name_keeps_the_member_in_its_set(write, tmp_path):
    day1 = text_bytes([native(MSG, 0)])
    write("Evidence/A saved copy.txt", day1)
    write("MultiFactorAuthSvc.log.1", day1)
    write("MultiFactorAuthSvc.log", text_bytes([native(MSG, 30)]))
    r = run(str(tmp_path))
    s = {x.path.rsplit("/", 1)[1]: x for x in r.sources}
    assert s["MultiFactorAuthSvc.log.1"].copy_of.endswith("A saved copy.txt")
    assert s["MultiFactorAuthSvc.log.1"].rotation_order == 1 and s["MultiFactorAuthSvc.log"].rotation_order == 2
    assert s["MultiFactorAuthSvc.log"].gap_before is None
