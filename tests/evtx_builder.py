"""Real Windows EVTX files for tests, written byte by byte (we commit only fixtures our own code makes).

A file is a 4096-byte header and then 64 KiB chunks (the chunk and BinXML layout is in tests/evtx_binxml.py):

    0    "ElfFile\\0"
    8    first chunk number        u64
    16   last chunk number         u64
    24   next record identifier    u64
    32   header size = 128         u32
    36   minor version = 1         u16
    38   major version = 3         u16
    40   header block size = 4096  u16
    42   number of chunks          u16
    44   76 unknown bytes (zero)
    120  file flags                u32   (0x1 dirty: not closed cleanly; 0x2 full)
    124  CRC32 of bytes 0..120     u32
    128  zero up to 4096

Each record is an Event template instance whose values give

    <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>
      <Provider Name=".."/><EventID>N</EventID><Level>4</Level><TimeCreated SystemTime=".."/>
      <EventRecordID>N</EventRecordID><Channel>..</Channel><Computer>..</Computer><Security UserID="S-1-5-.."/>
    </System><EventData><Data Name="TargetUserName">IEUser</Data>..</EventData></Event>

with <Data> unnamed where the name is None, and <UserData><EventXML><key>value</key>..</EventXML></UserData>
instead of EventData when `user_data` is given.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tests.evtx_binxml import (
    BINXML, CHUNK_HEADER_SIZE, CHUNK_SIZE, EOF, FILETIME, FRAGMENT_HEADER, SID, STRING, UINT8, UINT16, UINT64,
    Chunk, El, Sub, seal_chunk, sid_bytes, utf16,
)

FILE_HEADER_SIZE = 4096
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
DAMAGE = ("magic", "header-crc", "records-crc", "zeros", "garbage", "zero-size-record", "cut")
_EPOCH_1601 = datetime(1601, 1, 1, tzinfo=timezone.utc)
CUT_KEEPS = 30  # bytes of the record "cut" ends in: its 24-byte header and a little BinXML


@dataclass
class Event:
    """One event record and what its XML says."""

    record_id: int
    time_created: datetime  # aware; written exactly (to the microsecond) as a FILETIME
    channel: str = "Microsoft-AzureMfa-AuthZ/AuthZOptCh"
    provider: str = "Microsoft-AzureMfa-AuthZ"
    event_id: int = 1
    computer: str = "nps01.contoso.com"
    user_sid: str | None = "S-1-5-20"  # None: <Security/> without UserID
    level: int = 4
    data: list[tuple[str | None, str]] = field(default_factory=lambda: [("TargetUserName", "IEUser")])
    user_data: dict[str, str] | None = None  # UserData/EventXML instead of EventData when given
    written: datetime | None = None  # the record header's time; default time_created + 7 s


def filetime(moment: datetime) -> int:
    """100-ns intervals since 1601 (exact for microsecond datetimes)."""
    return (moment - _EPOCH_1601) // timedelta(microseconds=1) * 10


# The Event template: the same skeleton for every event, its values substituted (optional substitutions, so
# a null UserID drops the attribute, as Windows does).
EVENT_TEMPLATE = El("Event", (("xmlns", EVENT_NS),), (
    El("System", (), (
        El("Provider", (("Name", Sub(0, STRING)),)),
        El("EventID", (), (Sub(1, UINT16),)),
        El("Level", (), (Sub(2, UINT8),)),
        El("TimeCreated", (("SystemTime", Sub(3, FILETIME)),)),
        El("EventRecordID", (), (Sub(4, UINT64),)),
        El("Channel", (), (Sub(5, STRING),)),
        El("Computer", (), (Sub(6, STRING),)),
        El("Security", (("UserID", Sub(7, SID)),)),
    )),
    Sub(8, BINXML),
))


def _payload_template(event: Event) -> tuple:
    """The key and definition of the nested EventData or UserData template for this event's field names."""
    if event.user_data is not None:
        keys = tuple(event.user_data)
        inner = El("EventXML", (), tuple(El(k, (), (Sub(i, STRING),)) for i, k in enumerate(keys)))
        return ("UserData", keys), El("UserData", (), (inner,))
    names = tuple(name for name, _ in event.data)
    fields = tuple(El("Data", (("Name", name),) if name is not None else (), (Sub(i, STRING),)) for i, name in enumerate(names))
    return ("EventData", names), El("EventData", (), fields)


def _payload_values(event: Event) -> list:
    # EventData strings carry a terminating NUL, as Windows writes them (System strings do not).
    texts = event.user_data.values() if event.user_data is not None else (value for _, value in event.data)
    return [(STRING, utf16(text + "\0")) for text in texts]


def _write_event(event: Event):
    """A callable that writes the event's BinXML into a chunk."""
    key, definition = _payload_template(event)

    def payload(chunk: Chunk) -> None:
        chunk.instance(key, definition, _payload_values(event))
        chunk.buf.append(EOF)

    values = [
        (STRING, utf16(event.provider)),
        (UINT16, struct.pack("<H", event.event_id)),
        (UINT8, struct.pack("<B", event.level)),
        (FILETIME, struct.pack("<Q", filetime(event.time_created))),
        (UINT64, struct.pack("<Q", event.record_id)),
        (STRING, utf16(event.channel)),
        (STRING, utf16(event.computer)),
        (SID, sid_bytes(event.user_sid) if event.user_sid else None),
        (BINXML, payload),
    ]

    def write(chunk: Chunk) -> None:
        chunk.buf += FRAGMENT_HEADER
        chunk.instance("Event", EVENT_TEMPLATE, values)
        chunk.buf.append(EOF)

    return write


def build_chunks(events, per_chunk: int | None = None) -> list[Chunk]:
    """Pack events into chunks in order: up to `per_chunk` each, else as many as fit in 64 KiB."""
    chunks = [Chunk()]
    for event in events:
        chunk = chunks[-1]
        if per_chunk is not None and len(chunk.records) >= per_chunk:
            chunk = Chunk()
            chunks.append(chunk)
        written = filetime(event.written or event.time_created + timedelta(seconds=7))
        write = _write_event(event)
        if chunk.add_record(event.record_id, written, write) is None:
            if not chunk.records:
                raise ValueError(f"record {event.record_id} does not fit in a chunk")
            chunk = Chunk()
            chunks.append(chunk)
            chunk.add_record(event.record_id, written, write)
    if not chunks[-1].records:
        raise ValueError("no events")
    return chunks


def file_header(chunk_count: int, next_record_id: int, dirty: bool = False) -> bytes:
    """The 4096-byte file header with its CRC."""
    head = bytearray(FILE_HEADER_SIZE)
    struct.pack_into("<8sQQQIHHHH", head, 0, b"ElfFile\0", 0, max(chunk_count - 1, 0), next_record_id,
                     128, 1, 3, FILE_HEADER_SIZE, chunk_count)
    struct.pack_into("<I", head, 120, 0x1 if dirty else 0)
    struct.pack_into("<I", head, 124, zlib.crc32(head[:120]))
    return bytes(head)


def damage_chunk(chunk: bytes, kind: str, index: int) -> bytes:
    """The chunk spoiled one way; every other part (CRCs included) left valid so only that fault shows."""
    buf = bytearray(chunk)
    if kind == "magic":
        buf[0:8] = b"ElfChnX\0"
        seal_chunk(buf)
    elif kind == "header-crc":
        buf[124] ^= 0xFF
    elif kind == "records-crc":
        buf[52] ^= 0xFF  # the header CRC covers this field: recomputed below, so only the records CRC is wrong
        struct.pack_into("<I", buf, 124, zlib.crc32(buf[:120] + buf[128:CHUNK_HEADER_SIZE]))
    elif kind == "zeros":
        buf[:] = bytes(CHUNK_SIZE)
    elif kind == "garbage":
        buf[:] = random.Random(f"garbage {index}").randbytes(CHUNK_SIZE)
    elif kind == "zero-size-record":
        offsets = _chunk_record_offsets(buf)
        struct.pack_into("<I", buf, list(offsets.values())[len(offsets) // 2] + 4, 0)  # the middle record
        seal_chunk(buf)
    else:
        raise ValueError(f"unknown damage {kind!r}; one of {DAMAGE}")
    return bytes(buf)


def build_evtx(events, *, per_chunk: int | None = None, dirty: bool = False, damage: dict[int, str] | None = None) -> bytes:
    """A whole .evtx file of these events.

    dirty: the header as a live, unclosed log is copied: dirty flag set, and its chunk count and next
    record id one chunk behind the chunks present. damage: chunk index -> a kind in DAMAGE; "cut" ends
    the file in the middle of that chunk (in its middle record), dropping the chunks after it.
    """
    chunks = [chunk.finish() for chunk in build_chunks(events, per_chunk)]
    last_ids = [struct.unpack_from("<Q", c, 32)[0] for c in chunks]
    if dirty:
        header = file_header(len(chunks) - 1, last_ids[-2] + 1 if len(chunks) > 1 else 1, dirty=True)
    else:
        header = file_header(len(chunks), last_ids[-1] + 1)
    cut = None
    for index, kind in (damage or {}).items():
        if kind == "cut":
            offsets = list(_chunk_record_offsets(chunks[index]).values())
            cut = FILE_HEADER_SIZE + index * CHUNK_SIZE + offsets[len(offsets) // 2] + CUT_KEEPS
        else:
            chunks[index] = damage_chunk(chunks[index], kind, index)
    data = header + b"".join(chunks)
    return data[:cut] if cut is not None else data



def _chunk_record_offsets(chunk: bytes) -> dict[int, int]:
    """Record id -> offset in the chunk, walking records from 512 to the free space offset."""
    found = {}
    if chunk[:8] != b"ElfChnk\0":
        return found
    free = min(struct.unpack_from("<I", chunk, 48)[0], len(chunk))
    at = CHUNK_HEADER_SIZE
    while at + 24 <= free and chunk[at:at + 4] == b"**\0\0":
        size, record_id = struct.unpack_from("<IQ", chunk, at + 4)
        if size == 0:
            break
        found[record_id] = at
        at += size
    return found


def record_offsets(data: bytes) -> dict[int, int]:
    """Record id -> byte offset in the file of its "**\\0\\0", for every record a walk of the chunks finds."""
    found = {}
    for start in range(FILE_HEADER_SIZE, len(data), CHUNK_SIZE):
        for record_id, at in _chunk_record_offsets(data[start:start + CHUNK_SIZE]).items():
            found[record_id] = start + at
    return found


# -- a large, realistic channel for benchmarks ------------------------------------------------------------

_MESSAGES = ("Mobile app notification approved", "Phone call answered with PIN", "OATH code verified", "Approved by the user")


def _realistic_event(record_id: int, moment: datetime, user: str, rng: random.Random) -> Event:
    """Every fifth record a Security-style logon with TargetUserName, the rest NPS extension AuthZ events."""
    if record_id % 5 == 0:
        return Event(record_id, moment, channel="Security", provider="Microsoft-Windows-Security-Auditing",
                     event_id=4624, computer="dc01.contoso.com", user_sid=None, level=0,
                     data=[("SubjectUserSid", "S-1-5-18"), ("TargetUserName", user), ("TargetDomainName", "CONTOSO"),
                           ("LogonType", "3"), ("IpAddress", f"10.0.{rng.randrange(256)}.{rng.randrange(256)}")])
    cid = "%08x-%04x-%04x-%04x-%012x" % tuple(rng.getrandbits(b) for b in (32, 16, 16, 16, 48))
    message = (f"NPS Extension for Azure MFA: CID: {cid} : Access Accepted for user {user} with Azure MFA "
               f"response: Success and message: {rng.choice(_MESSAGES)}")
    return Event(record_id, moment, data=[(None, message)])


def big_channel(path, size_bytes: int, names, busy_share: float = 0.3, service: str = "svc.nps@contoso.com",
                seed: int = 0) -> dict[str, int]:
    """Write a channel file of about `size_bytes` (whole chunks); records per user.

    The users in `names` take turns, so each is as frequent as any other, except that `service` takes a
    `busy_share` of all records, spread evenly. Chunks are written as they fill, so memory stays small.
    """
    rng = random.Random(seed)
    names = list(names)
    counts = dict.fromkeys([*names, service], 0)
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    record_id, turn, chunks, chunk = 1, 0, 0, Chunk()
    target = max(1, (size_bytes - FILE_HEADER_SIZE) // CHUNK_SIZE)
    with open(path, "wb") as out:
        out.write(bytes(FILE_HEADER_SIZE))  # the real header once the counts are known
        while chunks < target:
            # The service's turn whenever the running share falls behind busy_share (an exact, even spread).
            if int(record_id * busy_share) > int((record_id - 1) * busy_share):
                user = service
            else:
                user, turn = names[turn % len(names)], turn + 1
            moment = start + timedelta(milliseconds=record_id * 1500 + rng.randrange(1000))
            event = _realistic_event(record_id, moment, user, rng)
            write = _write_event(event)
            written = filetime(moment + timedelta(seconds=7))
            if chunk.add_record(record_id, written, write) is None:
                out.write(chunk.finish())
                chunks += 1
                if chunks == target:
                    break
                chunk = Chunk()
                chunk.add_record(record_id, written, write)
            counts[user] += 1
            record_id += 1
        out.seek(0)
        out.write(file_header(chunks, record_id))
    return counts
