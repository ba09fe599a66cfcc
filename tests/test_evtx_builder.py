"""tests/evtx_builder.py writes EVTX files that the evtx package (the Rust parser) reads back exactly."""

from __future__ import annotations

import io
import json
import struct
import time
import xml.etree.ElementTree as ET
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.evtx_binxml import CHUNK_SIZE, name_hash
from tests.evtx_builder import DAMAGE, FILE_HEADER_SIZE, Event, big_channel, build_evtx, record_offsets

evtx = pytest.importorskip("evtx")

T0 = datetime(2024, 3, 7, 18, 1, 2, 345678, tzinfo=timezone.utc)
NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"


def read(data: bytes) -> list:
    """Everything evtx yields: a record's parsed JSON (with its header timestamp), or the exception raised."""
    out, records = [], evtx.PyEvtxParser(io.BytesIO(data)).records_json()
    while True:
        try:
            record = next(records)
        except StopIteration:
            return out
        except RuntimeError as error:  # a bad chunk or record; the iterator goes on with the next chunk
            out.append(error)
        else:
            out.append({**json.loads(record["data"])["Event"], "_id": record["event_record_id"], "_ts": record["timestamp"]})


def xml_data(data: bytes) -> dict[int, list]:
    """Record id -> [(Name or None, text)] of its EventData, from evtx's XML (which keeps unnamed <Data>)."""
    found = {}
    for record in evtx.PyEvtxParser(io.BytesIO(data)).records():
        root = ET.fromstring(record["data"].encode())
        found[record["event_record_id"]] = [(d.get("Name"), d.text) for d in root.iter(NS + "Data")]
    return found


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def assert_system(got: dict, event: Event) -> None:
    system = got["System"]
    assert got["_id"] == system["EventRecordID"] == event.record_id
    assert system["TimeCreated"]["#attributes"]["SystemTime"] == stamp(event.time_created)
    assert system["Provider"]["#attributes"]["Name"] == event.provider
    assert (system["EventID"], system["Level"]) == (event.event_id, event.level)
    assert (system["Channel"], system["Computer"]) == (event.channel, event.computer)
    assert system["Security"] == ({"#attributes": {"UserID": event.user_sid}} if event.user_sid else None)


UNICODE = [
    Event(1, T0, data=[("TargetUserName", "Zoë Ångström"), ("TargetDomainName", "CONTOSO")]),
    Event(2, T0 + timedelta(microseconds=1), event_id=4624, level=0, channel="Security",
          provider="Microsoft-Windows-Security-Auditing", user_sid="S-1-5-21-3623811015-3361044348-30300820-1013",
          data=[("TargetUserName", "山田太郎"), ("SubjectUserName", 'CONTOSO\\jdoe'), ("Quoted", 'say "hi" \\ \'x\' <&>')]),
    Event(3, T0 + timedelta(days=400, microseconds=999999), computer="Ordinateur-Zoë", user_sid=None,
          data=[("TargetUserName", "first.last1234@contoso.com")]),
    Event(70000, T0, data=[]),
    Event(2**40, T0, event_id=65535, level=255, user_data={"UserName": "Zoë Ångström", "Domain": "CONTOSO\\"}),
]


def test_every_value_written_is_read_back_exactly():
    got = read(build_evtx(UNICODE))
    assert [g["_id"] for g in got] == [e.record_id for e in UNICODE]
    for g, event in zip(got, UNICODE):
        assert_system(g, event)
        if event.user_data is not None:
            assert g["UserData"] == {"EventXML": event.user_data}
        else:
            assert g["EventData"] == (dict(event.data) or None)


def test_the_record_header_time_is_the_written_time_not_time_created():
    events = [Event(1, T0), Event(2, T0, written=T0 - timedelta(hours=1))]
    got = read(build_evtx(events))
    assert got[0]["_ts"] == stamp(T0 + timedelta(seconds=7)) + " UTC"  # evtx drops trailing zero digits
    assert got[1]["_ts"] == stamp(T0 - timedelta(hours=1)) + " UTC"
    assert got[1]["System"]["TimeCreated"]["#attributes"]["SystemTime"] == stamp(T0)


def test_unnamed_data_is_written_and_shows_in_the_xml():
    message = "NPS Extension for Azure MFA: CID: 1f0e... : Access Accepted for user first.last1234@contoso.com"
    events = [Event(1, T0, data=[(None, message)]), Event(2, T0, data=[(None, "a"), (None, "b")]),
              Event(3, T0, data=[("TargetUserName", "jdoe"), (None, "CONTOSO\\jdoe")])]
    data = build_evtx(events)
    assert xml_data(data) == {e.record_id: e.data for e in events}
    got = read(data)
    assert got[0]["EventData"] == {"Data": {"#text": message}}
    assert got[1]["EventData"] == {"Data": {"#text": ["a", "b"]}}
    # evtx's JSON drops unnamed <Data> beside named ones (its XML keeps them): readers, beware.
    assert got[2]["EventData"] == {"TargetUserName": "jdoe"}


text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=1, max_size=40)
moment = st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1), timezones=st.just(timezone.utc))
sid = st.lists(st.integers(0, 2**32 - 1), max_size=5).map(lambda subs: "-".join(["S-1-5", *map(str, subs)]))
event = st.builds(
    Event, record_id=st.integers(1, 2**63), time_created=moment, channel=text, provider=text,
    event_id=st.integers(0, 65535), computer=text, user_sid=st.none() | sid, level=st.integers(0, 255),
    data=st.dictionaries(text, text, max_size=6).map(lambda d: list(d.items())))


@given(st.lists(event, min_size=1, max_size=30, unique_by=lambda e: e.record_id), st.none() | st.integers(1, 7))
def test_random_events_round_trip(events, per_chunk):
    events.sort(key=lambda e: e.record_id)  # rising record ids, as Windows writes them (see the next test)
    got = read(build_evtx(events, per_chunk=per_chunk))
    assert len(got) == len(events)
    for g, e in zip(got, events):
        assert_system(g, e)
        assert g["EventData"] == (dict(e.data) or None)


def test_evtx_stops_a_chunk_at_the_first_record_with_the_chunks_last_id():
    # Not the builder's doing: evtx ends its walk of a chunk at the header's last record id, so a record id
    # repeated within a chunk hides every record after its first copy. Windows' ids only ever rise.
    got = read(build_evtx([Event(i, T0) for i in (3, 4, 3, 5, 3)]))
    assert [g["_id"] for g in got] == [3]
    assert list(record_offsets(build_evtx([Event(i, T0) for i in (3, 4, 5)]))) == [3, 4, 5]


def test_an_independent_reader_that_checks_crcs_agrees():
    # python-evtx (pure Python, not a test dependency: skipped where absent) verifies both CRCs of a chunk.
    Evtx = pytest.importorskip("Evtx.Evtx")
    data = build_evtx(UNICODE[:3] + many(300)[3:], per_chunk=200, damage={1: "records-crc"})
    header = Evtx.FileHeader(data, 0)
    assert header.verify() and not header.is_dirty()
    chunks = list(header.chunks())
    assert [c.verify() for c in chunks] == [True, False]
    assert chunks[1].calculate_header_checksum() == chunks[1].header_checksum()
    assert chunks[1].calculate_data_checksum() != chunks[1].data_checksum()
    assert [r.record_num() for c in chunks for r in c.records()] == list(range(1, 301))
    assert "Zo&#235; &#197;ngstr&#246;m" in next(chunks[0].records()).xml()


def many(n: int, **fields) -> list[Event]:
    return [Event(i, T0 + timedelta(seconds=i), data=[("TargetUserName", f"user{i:05d}@contoso.com")], **fields)
            for i in range(1, n + 1)]


def chunks_of(data: bytes) -> list[bytes]:
    return [data[at:at + CHUNK_SIZE] for at in range(FILE_HEADER_SIZE, len(data), CHUNK_SIZE)]


def test_header_fields_and_crcs_are_right():
    events = many(600)
    data = build_evtx(events)
    head = data[:128]
    magic, first, last, next_id, size, minor, major, block, count = struct.unpack_from("<8sQQQIHHHH", head)
    chunks = chunks_of(data)
    assert (magic, first, last, next_id, size, minor, major, block, count) == (
        b"ElfFile\0", 0, len(chunks) - 1, 601, 128, 1, 3, 4096, len(chunks))
    assert len(chunks) > 2 and len(data) == FILE_HEADER_SIZE + len(chunks) * CHUNK_SIZE
    assert struct.unpack_from("<II", head, 120) == (0, zlib.crc32(head[:120]))
    assert not any(data[128:FILE_HEADER_SIZE])
    offsets = record_offsets(data)
    assert list(offsets) == list(range(1, 601))
    for chunk in chunks:
        magic, first_n, last_n, first_id, last_id, size, last_at, free, data_crc = struct.unpack_from("<8sQQQQIIII", chunk)
        assert (magic, size, first_n, last_n) == (b"ElfChnk\0", 128, first_id, last_id)
        assert data_crc == zlib.crc32(chunk[512:free])
        assert struct.unpack_from("<I", chunk, 124)[0] == zlib.crc32(chunk[:120] + chunk[128:512])
        assert chunk[last_at:last_at + 4] == b"**\0\0" and free > CHUNK_SIZE - 1000 or chunk is chunks[-1]
        assert not any(chunk[free:])
        # The string table: each bucket's chain holds names of that hash; every name is in one.
        for bucket, at in enumerate(struct.unpack_from("<64I", chunk, 128)):
            while at:
                nxt, h, n = struct.unpack_from("<IHH", chunk, at)
                assert name_hash(chunk[at + 8:at + 8 + 2 * n].decode("utf-16le")) == h and h % 64 == bucket
                at = nxt
    for record_id, at in offsets.items():
        size = struct.unpack_from("<I", data, at + 4)[0]
        assert data[at:at + 4] == b"**\0\0" and size % 8 == 0
        assert struct.unpack_from("<IQ", data, at + 4)[1] == record_id == struct.unpack_from("<Q", data, at + 8)[0]
        assert struct.unpack_from("<I", data, at + size - 4)[0] == size
    assert [g["_id"] for g in read(data)] == list(range(1, 601))


def test_per_chunk_limits_the_records_in_a_chunk():
    data = build_evtx(many(10), per_chunk=3)
    assert [struct.unpack_from("<QQ", c, 24) for c in chunks_of(data)] == [(1, 3), (4, 6), (7, 9), (10, 10)]


@pytest.mark.parametrize("kind", DAMAGE)
def test_each_damage_kind_does_what_it_says(kind):
    events = many(15)
    data = build_evtx(events, per_chunk=5, damage={1: kind})
    clean = build_evtx(events, per_chunk=5)
    chunk = chunks_of(data)[1]
    assert data[:FILE_HEADER_SIZE + CHUNK_SIZE] == clean[:FILE_HEADER_SIZE + CHUNK_SIZE]
    got = read(data)
    ids = [g["_id"] for g in got if isinstance(g, dict)]
    errors = [str(g) for g in got if not isinstance(g, dict)]
    if kind == "cut":
        assert len(data) < FILE_HEADER_SIZE + 2 * CHUNK_SIZE and data[-30:] == clean[len(data) - 30:len(data)]
        assert (ids, errors) == ([1, 2, 3, 4, 5], [])  # evtx drops a partial last chunk, silently
        return
    assert data[FILE_HEADER_SIZE + 2 * CHUNK_SIZE:] == clean[FILE_HEADER_SIZE + 2 * CHUNK_SIZE:]
    header_crc_ok = struct.unpack_from("<I", chunk, 124)[0] == zlib.crc32(chunk[:120] + chunk[128:512])
    free = struct.unpack_from("<I", chunk, 48)[0]
    records_crc_ok = struct.unpack_from("<I", chunk, 52)[0] == zlib.crc32(chunk[512:free])
    expected = {
        "magic": (chunk[:8] == b"ElfChnX\0" and header_crc_ok and records_crc_ok, [1, 2, 3, 4, 5, 11, 12, 13, 14, 15], ["header magic"]),
        # evtx does not check CRCs (pyevtx offers no switch for it): these chunks read as if sound.
        "header-crc": (not header_crc_ok and records_crc_ok, list(range(1, 16)), []),
        "records-crc": (header_crc_ok and not records_crc_ok, list(range(1, 16)), []),
        # An all-zero chunk is taken for an unused one and skipped, without an error.
        "zeros": (not any(chunk), [1, 2, 3, 4, 5, 11, 12, 13, 14, 15], []),
        "garbage": (chunk[:8] != b"ElfChnk\0", [1, 2, 3, 4, 5, 11, 12, 13, 14, 15], ["header magic"]),
        # The chunk's records up to the bad one, an error, then the next chunk.
        "zero-size-record": (header_crc_ok and records_crc_ok, [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15], ["data size"]),
    }[kind]
    assert expected[0]
    assert ids == expected[1]
    assert len(errors) == len(expected[2]) and all(want in error for want, error in zip(expected[2], errors))
    if kind == "zero-size-record":
        assert list(record_offsets(data)) == [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15]


def test_a_dirty_header_lags_one_chunk_and_evtx_still_reads_every_chunk():
    data = build_evtx(many(15), per_chunk=5, dirty=True)
    _, first, last, next_id, *_ = struct.unpack_from("<8sQQQIHHHH", data)
    count, flags, crc = struct.unpack_from("<H", data, 42)[0], *struct.unpack_from("<II", data, 120)
    assert (first, last, next_id, count, flags, crc) == (0, 1, 11, 2, 1, zlib.crc32(data[:120]))
    assert len(chunks_of(data)) == 3
    # evtx counts chunks from the file size, not the header: the unrecorded chunk's records come too.
    assert [g["_id"] for g in read(data)] == list(range(1, 16))


def test_a_big_channel_is_quick_even_and_readable(tmp_path):
    names = [f"first.last{i:04d}@contoso.com" for i in range(50)]
    path = tmp_path / "AuthZOptCh.evtx"
    began = time.perf_counter()
    counts = big_channel(path, 4 * 2**20, names)
    took = time.perf_counter() - began
    data = path.read_bytes()
    assert len(data) == FILE_HEADER_SIZE + 63 * CHUNK_SIZE
    total = sum(counts.values())
    assert abs(counts["svc.nps@contoso.com"] / total - 0.3) < 0.001
    assert max(counts[n] for n in names) - min(counts[n] for n in names) <= 1
    got = read(data)
    assert [g["_id"] for g in got] == list(range(1, total + 1))
    nps = [g for g in got if g["System"]["Channel"] == "Microsoft-AzureMfa-AuthZ/AuthZOptCh"]
    logons = [g for g in got if g["System"]["Channel"] == "Security"]
    assert nps and logons
    assert " : Access Accepted for user " in nps[0]["EventData"]["Data"]["#text"]
    seen = [g["EventData"]["TargetUserName"] for g in logons]
    seen += [g["EventData"]["Data"]["#text"].split(" for user ")[1].split(" with ")[0] for g in nps]
    assert {n: seen.count(n) for n in counts} == counts
    assert took < 4 * 0.6  # 100 MB in well under a minute: about 0.6 s a 10 MB here
