"""The readers of Event Viewer's and wevtutil's exports (mfalogscan/eventlogs/exports*.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from mfalogscan.eventlogs.exports import read_export, sniff_export
from mfalogscan.eventlogs.exports_base import LOCAL_NOTE
from mfalogscan.eventlogs.record import EventRecord, ReadProblem

from .eventlog_exports import Export, event, system_time, write_csv, write_text, write_xml

UTC = timezone.utc
ZOE, YAMADA = "Zoë Ångström", "山田太郎"


def read(kind: str, export: Export, size: int = 1 << 16) -> list[EventRecord | ReadProblem]:
    return list(read_export(kind, export.chunks(size), export.encoding, export.bom))


def events_of(items):
    return [i for i in items if isinstance(i, EventRecord)]


def problems_of(items):
    return [i for i in items if isinstance(i, ReadProblem)]


def xml_events():
    t1 = datetime(2026, 1, 2, 15, 4, 59, 999999, tzinfo=UTC)
    t2 = datetime(2026, 1, 2, 23, 59, 59, 123456, tzinfo=UTC)
    return [
        event(record_id=41, time=t1, time_raw=system_time(t1, "9"), channel="Microsoft-AzureMfa-AuthN/AuthNOptCh",
              provider="Microsoft-AzureMfa-AuthN", event_id=1, computer="NPS01.contoso.com", user_id="S-1-5-18",
              level="Information", fields=(("UserName", ZOE), ("Data", "CONTOSO\\zoe"), ("Data[2]", "ok")),
              message=f"NPS Extension for Azure MFA: CID: 1 : Access Accepted for user {ZOE} (CONTOSO\\zoe)"),
        event(record_id=42, time=t2, time_raw=system_time(t2), channel="AD FS Tracing/Debug", provider="AD FS Tracing",
              event_id=57, computer="ADFS01", level="Error", fields=(("User", YAMADA),),
              message=f"MFA adapter failed for {YAMADA}\nline two <b>&amp;</b> \"quoted\""),
    ]


# ----- XML -----

@pytest.mark.parametrize("viewer", [True, False])
@pytest.mark.parametrize("size", [1, 7, 1 << 16])
def test_xml_fields_times_and_offsets(viewer, size):
    evs = xml_events()
    export = write_xml(evs, viewer=viewer)
    got = read("xml", export, size)
    assert got == [replace(e, offset=o, line=n) for e, o, n in zip(evs, export.offsets, export.lines)]
    # The offset is the `<` of `<Event`, in the stream (BOM included).
    assert export.data[export.offsets[1]:].decode(export.encoding).startswith("<Event ")
    # A seventh digit of 9 is cut, not rounded into the next second.
    assert got[0].time.second == 59 and got[0].time.microsecond == 999999


def test_xml_userdata_is_named_by_local_names():
    e = event(event_id=7, fields=(("TargetUser", ZOE), ("Reason", "x"), ("TargetUser[2]", YAMADA)))
    export = write_xml([e], user_data=True, rendering=False)
    (got,) = read("xml", export)
    assert got.fields == e.fields and got.message is None


def test_xml_entities_are_text_and_unknown_times_say_why():
    e = event(event_id=3, time_raw="yesterday", fields=(("X", "<script>&amp;</script>"),), message="a & b < c")
    (got,) = read("xml", write_xml([e]))
    assert got.fields == (("X", "<script>&amp;</script>"),) and got.message == "a & b < c"
    assert got.time is None and got.time_raw == "yesterday" and "ISO 8601" in got.time_note


def test_xml_doctype_with_external_entity_is_not_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    prologue = f'<!DOCTYPE Events [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY x "expanded">]>\r\n'
    good = event(event_id=1, fields=(("A", "1"),))
    export = write_xml([good, event(event_id=2, fields=(("A", "&xxe;"),)), good], prologue=prologue)
    # The writer escaped `&`: put the entity references back, as a hostile file would have them.
    raw = export.data.decode("utf-16-le").replace("&amp;xxe;", "&xxe;").encode("utf-16-le")
    export = replace(export, data=raw)
    got = read("xml", export)
    assert [e.event_id for e in events_of(got)] == [1, 1]
    assert not any("TOP SECRET" in str(i) for i in got)
    doctype, bad = problems_of(got)
    assert not doctype.lost and "DOCTYPE" in doctype.message
    assert bad.lost and "entity" in bad.message and bad.offset == export.offsets[1]
    assert bad.offset + bad.length == events_of(got)[1].offset


def test_xml_cut_short_keeps_every_event_before_the_cut():
    evs = xml_events() * 5
    export = write_xml(evs)
    cut = export.offsets[7] + 300
    got = read("xml", replace(export, data=export.data[:cut]), 5)
    assert len(events_of(got)) == 7
    (p,) = problems_of(got)
    assert p.lost and p.offset == export.offsets[7] and p.offset + p.length == cut and "cut short" in p.message


def test_xml_resynchronises_after_a_damaged_event():
    evs = xml_events() * 3
    export = write_xml(evs, viewer=False)
    text = export.data.decode("utf-8")
    # Event 2 loses its end (a crash mid-write), event 4 gets garbage inside, junk lies between 4 and 5.
    lines = text.split("\r\n")
    lines[2] = lines[2][: len(lines[2]) // 2]
    lines[4] = lines[4].replace("<System>", "<System><<>>")
    lines[4] += "garbage"
    data = "\r\n".join(lines).encode("utf-8")
    got = read("xml", replace(export, data=data), 100)
    assert [e.record_id for e in events_of(got)] == [41, 42, 42, 42]  # events 2 and 4 are lost
    cut, damaged = problems_of(got)
    starts = [i for i in range(len(data)) if data.startswith(b"<Event ", i)]
    assert cut.lost and "inside this one" in cut.message
    assert (cut.offset, cut.offset + cut.length) == (starts[2], starts[3])  # up to the next event's start
    # The damaged event's problem runs to the next event, the junk after it included.
    assert damaged.lost and (damaged.offset, damaged.offset + damaged.length) == (starts[4], starts[5])


def test_xml_junk_between_events_is_reported():
    export = write_xml(xml_events(), viewer=False)
    data = export.data.replace(b"\r\n<Event", b"\r\nnot xml at all\r\n<Event", 1)
    got = read("xml", replace(export, data=data))
    assert len(events_of(got)) == 2
    (p,) = problems_of(got)
    assert p.lost and data[p.offset:p.offset + p.length] == b"not xml at all"


def test_xml_very_long_message():
    e = replace(xml_events()[0], message="CONTOSO\\zoe " * 200_000)
    (got,) = read("xml", write_xml([e]), 1 << 16)
    assert got.message == e.message


# ----- CSV and tab-delimited -----

def csv_events(style_day: int = 2):
    return [
        event(level="Information", local_time=datetime(2026, 1, style_day, 15, 4, 5), provider="AD FS",
              event_id=1, fields=(("Task Category", "None"),),
              message=f"User CONTOSO\\{ZOE} signed in.\nSecond line, with \"quotes\", and commas"),
        event(level="Warning", local_time=datetime(2026, 3, 13, 9, 0, 1), provider="Microsoft-AzureMfa-AuthZ",
              event_id=2, fields=(("Task Category", "(1)"),), message=f"=HYPERLINK(\"x\") {YAMADA}\t@SUM(1)"),
        event(level="Error", local_time=datetime(2026, 12, 31, 0, 0, 0), provider="Src", event_id=3,
              fields=(("Task Category", "None"),), message=""),
    ]


def expected_csv(evs, export):
    return [replace(e, offset=o, line=n, time_raw=None, time_note=LOCAL_NOTE)
            for e, o, n in zip(evs, export.offsets, export.lines)]


@pytest.mark.parametrize("style", ["us", "de", "gb", "iso"])
@pytest.mark.parametrize("delim", [",", "\t"])
def test_csv_rows_with_proven_dates(style, delim):
    evs = csv_events()
    export = write_csv(evs, style=style, delim=delim)
    got = read("csv", export, 5)
    assert [replace(g, time_raw=None) for g in got] == expected_csv(evs, export)
    assert got[1].message.startswith("=HYPERLINK")  # formula-like cells are data here; printers escape them


def test_csv_unproven_order_gives_no_time_and_says_why():
    evs = [replace(e, local_time=e.local_time.replace(month=1, day=2)) for e in csv_events()]
    got = read("csv", write_csv(evs, style="gb"))
    assert all(g.local_time is None and g.time is None and "day/month or month/day" in g.time_note for g in got)
    # The ISO form needs no proof.
    got = read("csv", write_csv(evs, style="iso"))
    assert all(g.local_time == datetime(2026, 1, 2, g.local_time.hour, g.local_time.minute, g.local_time.second)
               for g in got)


def test_csv_damaged_rows_are_reported_and_reading_goes_on():
    evs = csv_events()
    export = write_csv(evs)
    text = export.data.decode("utf-8")
    lines = text.split("\r\n")
    lines.insert(3, 'Information,1/2/2026 3:04:05 PM,Src,notanumber,None,"x"')
    lines.insert(4, 'Information,"1/2/2026 3:04:05 PM,Src,9,None,never closed')
    got = read("csv", replace(export, data="\r\n".join(lines).encode("utf-8")))
    assert [e.event_id for e in events_of(got)] == [1, 2, 3]
    bad_id, unclosed = problems_of(got)
    assert bad_id.lost and "not a number" in bad_id.message
    assert unclosed.lost and "never closes" in unclosed.message


def test_csv_very_long_message():
    e = replace(csv_events()[0], message="CONTOSO\\zoe,\"x\"\n" * 50_000)
    (got,) = read("csv", write_csv([e]))
    assert got.message == e.message.replace("\r\n", "\n")


# ----- wevtutil text -----

def text_events():
    fields = lambda user: (("Task", "None"), ("Opcode", "Info"), ("Keyword", "Classic"), ("User Name", user))  # noqa: E731
    return [
        event(channel="Microsoft-AzureMfa-AuthN/AuthNOptCh", provider="Microsoft-AzureMfa-AuthN", event_id=1,
              level="Information", computer="NPS01", user_id="S-1-5-18", fields=fields("NT AUTHORITY\\SYSTEM"),
              local_time=datetime(2026, 1, 2, 15, 4, 5, 123000), time_raw="2026-01-02T15:04:05.123",
              time_note=LOCAL_NOTE, message=f"Access Accepted for CONTOSO\\{ZOE}\nEvent[9]:\n  indented {YAMADA}"),
        event(channel="Application", provider="WLMS", event_id=100, level="Information", computer="WIN-1",
              fields=fields("N/A"), local_time=datetime(2020, 12, 14, 17, 9, 8, 940000),
              time_raw="2020-12-14T17:09:08.940", time_note=LOCAL_NOTE, message="N/A"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "cp1252"])
def test_text_blocks(encoding):
    evs = text_events()
    if encoding == "cp1252":
        evs = [replace(e, message=e.message.replace(YAMADA, "Yamada")) for e in evs]
    export = write_text(evs, encoding=encoding)
    got = read("text", export, 3)
    assert got == [replace(e, offset=o, line=n) for e, o, n in zip(evs, export.offsets, export.lines)]


def test_text_junk_and_a_cut_block():
    export = write_text(text_events())
    data = b"some preamble\r\n" + export.data[: export.offsets[1] + 60]
    got = read("text", replace(export, data=data))
    junk, cut = problems_of(got)
    assert junk.offset == 0 and junk.lost
    assert cut.offset == export.offsets[1] + 15 and "Description" in cut.message
    assert len(events_of(got)) == 1 and events_of(got)[0].line == 2


# ----- sniffing -----

def test_sniff_claims_the_exports():
    assert sniff_export(write_xml(xml_events()).data.decode("utf-16")) == "xml"
    assert sniff_export(write_xml(xml_events(), viewer=False).data.decode("utf-8")) == "xml"
    assert sniff_export(write_csv(csv_events()).data.decode("utf-8-sig")) == "csv"
    assert sniff_export(write_csv(csv_events(), delim="\t").data.decode("utf-8-sig")) == "csv"
    assert sniff_export(write_text(text_events()).data.decode("utf-8")) == "text"


@pytest.mark.parametrize("sample", [
    "2026-01-02T10:11:12.123Z|i|pfsvc|User \"jdoe\" changed ...\n2026-01-02T10:11:13.000Z|i|pfsvc|x\n",
    "2018-03-07T18:20:20.006280Z|e|2960|4036|pfadssvc|***** ERROR *****\n",
    "Mar 07 18:20:20 MFASRV01 pfsvc: User \"jdoe\" added new user \"x\"\n",
    "<134>1 2024-03-07T18:20:20.006280Z MFASRV01 pfsvc - - - message\n",
    "Time,Host,Message\n2021-03-04T10:11:12-05:00,MFASRV01,\"pfsvc: x\"\n",
    "Level,Date and Time,Source,Event ID,Task Category,Computer,Message\nx\n",
    "<?xml version=\"1.0\"?><config><Event>not windows</Event></config>",
    "Event[0]: something happened\nnext line\n",
    "",
])
def test_sniff_refuses_ordinary_logs(sample):
    assert sniff_export(sample) is None


# ----- round trips -----

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff\ufeff"),
                max_size=40)
_name = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,12}", fullmatch=True)
_utc = st.datetimes(datetime(2001, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC))


@st.composite
def random_xml_event(draw):
    t = draw(_utc)
    names = draw(st.lists(_name, max_size=5, unique=True))
    return event(record_id=draw(st.integers(0, 2**63)), time=t, time_raw=system_time(t, draw(st.sampled_from("0159"))),
                 channel=draw(_text), provider=draw(_text.map(lambda s: " ".join(s.split()))),
                 event_id=draw(st.integers(0, 65535)), computer=draw(_text), user_id=draw(st.sampled_from(["S-1-5-18", None])),
                 level=draw(st.sampled_from(["Information", "Warning", "Error", "Critical", "Verbose"])),
                 fields=tuple((n, draw(_text)) for n in names), message=draw(st.one_of(st.none(), _text)))


@settings(max_examples=60, deadline=None)
@given(st.lists(random_xml_event(), max_size=6), st.booleans(), st.integers(1, 300))
def test_xml_round_trip(evs, viewer, size):
    export = write_xml(evs, viewer=viewer)
    got = read("xml", export, size)
    # Attribute values and text read back as XML reads them: CR in text is a line end, LF.
    assert got == [replace(e, offset=o, line=n) for e, o, n in zip(evs, export.offsets, export.lines)]


_line_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                                   blacklist_characters="\ufffe\uffff\ufeff\x85"), max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.datetimes(datetime(2001, 1, 1), datetime(2099, 12, 31)).map(lambda t: t.replace(microsecond=0)),
                          st.lists(_line_text, min_size=1, max_size=3).map("\n".join), _line_text.map(str.strip),
                          st.integers(0, 65535)), max_size=6),
       st.sampled_from(["us", "de", "iso"]), st.sampled_from([",", "\t"]))
def test_csv_round_trip(rows, style, delim):
    evs = [event(level="Information", local_time=t, provider=src, event_id=i, fields=(("Task Category", "None"),),
                 message=m) for t, m, src, i in rows]
    export = write_csv(evs, style=style, delim=delim)
    got = read("csv", export, 13)
    proven = style == "iso" or any(max(t.day, t.month) > 12 and t.day != t.month for t, *_ in rows)
    for g, e, o, n in zip(got, evs, export.offsets, export.lines):
        assert (g.offset, g.line, g.provider, g.event_id, g.message) == (o, n, e.provider, e.event_id, e.message)
        if proven:
            assert g.local_time == e.local_time
        else:
            assert g.local_time in (None, e.local_time)
    assert len(got) == len(evs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.datetimes(datetime(2001, 1, 1), datetime(2099, 12, 31)),
                          st.lists(_line_text, max_size=3).map(lambda ls: "\n".join(ls).rstrip()),
                          _line_text.map(str.strip), st.integers(0, 65535)), max_size=5))
def test_text_round_trip(rows):
    evs = []
    for t, m, src, i in rows:
        t = t.replace(microsecond=t.microsecond // 1000 * 1000)
        raw = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}"
        evs.append(event(channel="Application", provider=src, event_id=i, level="Information", computer="PC",
                         fields=(("Task", "None"), ("Opcode", "Info"), ("Keyword", "N/A"), ("User Name", "N/A")),
                         local_time=t, time_raw=raw, time_note=LOCAL_NOTE, message=m))
    export = write_text(evs)
    got = read("text", export, 17)
    assert got == [replace(e, offset=o, line=n) for e, o, n in zip(evs, export.offsets, export.lines)]
