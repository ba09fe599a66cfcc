"""Binary XML and chunk writing for tests/evtx_builder.py: one 64 KiB EVTX chunk at a time.

A chunk (offsets from its start) is:

    0    "ElfChnk\\0"
    8    first event record number  u64    } Windows keeps number and identifier equal;
    16   last event record number   u64    } so do we
    24   first event record id      u64
    32   last event record id       u64
    40   header size = 128          u32
    44   last event record offset   u32    (where the last record's "**\\0\\0" is)
    48   free space offset          u32    (just past the last record)
    52   CRC32 of bytes 512..free space offset
    56   64 unknown bytes (zero)
    120  flags                      u32    (0x1 dirty, 0x4 no CRC32; we write 0)
    124  CRC32 of bytes 0..120 and 128..512
    128  common string table: 64 u32 offsets of name entries, bucket = name hash % 64
    384  template table: 32 u32 offsets of template definitions
    512  event records, each 8-byte aligned:
         "**\\0\\0", size u32, record id u64, written FILETIME u64, BinXML, zero padding, size u32 again

Offsets inside BinXML are chunk-relative, and a name or a template definition is written in full (inline)
the first time the chunk uses it, at the very offset its reference points to; later uses give only the
offset. That is how Windows writes them, and the reason a record's bytes depend on where it sits: records
are written straight into the chunk buffer, and sizes that are only known afterwards are patched in.

A record's BinXML is what Windows writes too: a fragment header (0F 01 01 00) and one TemplateInstance
(0x0C) of the Event template, whose definition holds the element/attribute skeleton with typed
substitutions; the record carries only the values (strings UTF-16LE, EventID UInt16, EventRecordID
UInt64, SystemTime FILETIME, UserID SID ...). EventData/UserData is itself a value of type BinXmlType
(0x21): a nested TemplateInstance of a template for that event's field names.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field

CHUNK_SIZE = 65536
CHUNK_HEADER_SIZE = 512
RECORD_HEADER_SIZE = 24

# Substitution value types (MS-EVEN6 2.2.3.1 / libevtx "value types").
NULL, STRING, UINT8, UINT16, UINT64, FILETIME, SID, BINXML = 0x00, 0x01, 0x04, 0x06, 0x0A, 0x11, 0x13, 0x21

# BinXML tokens; 0x40 on a token means "more attributes follow" / "has attributes".
EOF, OPEN, CLOSE_START, CLOSE_EMPTY, END, VALUE, ATTRIBUTE = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
TEMPLATE_INSTANCE, OPTIONAL_SUBSTITUTION, FRAGMENT_HEADER = 0x0C, 0x0E, b"\x0f\x01\x01\x00"
MORE = 0x40


@dataclass(frozen=True)
class Sub:
    """A substitution in a template definition: value number `index`, of `vtype`."""

    index: int
    vtype: int


@dataclass(frozen=True)
class El:
    """An element of a template definition: attributes (name, Sub or literal str) and children (El, Sub, str)."""

    name: str
    attrs: tuple = ()
    children: tuple = ()


def name_hash(name: str) -> int:
    """The 16-bit name hash EVTX stores with each name (and buckets the string table by): h = h*65599 + unit."""
    h = 0
    for unit in struct.unpack(f"<{len(name.encode('utf-16le')) // 2}H", name.encode("utf-16le")):
        h = (h * 65599 + unit) & 0xFFFFFFFF
    return h & 0xFFFF


def utf16(text: str) -> bytes:
    return text.encode("utf-16le")


def sid_bytes(sid: str) -> bytes:
    """S-1-5-21-...: revision, sub-authority count, 48-bit authority big-endian, sub-authorities u32 LE."""
    parts = sid.split("-")
    if parts[0] != "S" or len(parts) < 3:
        raise ValueError(f"not a SID: {sid!r}")
    subs = [int(p) for p in parts[3:]]
    return struct.pack("<BB", int(parts[1]), len(subs)) + int(parts[2]).to_bytes(6, "big") + struct.pack(f"<{len(subs)}I", *subs)


def template_guid(key) -> bytes:
    """A stable 16-byte template GUID for a template shape (Windows takes it from the provider manifest)."""
    return hashlib.md5(repr(key).encode()).digest()


@dataclass
class Chunk:
    """One chunk being written: its bytes so far and the names and templates already defined in it."""

    buf: bytearray = field(default_factory=lambda: bytearray(CHUNK_HEADER_SIZE))
    names: dict = field(default_factory=dict)  # name -> offset of its entry
    templates: dict = field(default_factory=dict)  # key -> offset of its definition
    string_table: list = field(default_factory=lambda: [0] * 64)
    template_table: list = field(default_factory=lambda: [0] * 32)
    records: list = field(default_factory=list)  # (record id, offset)

    # -- names and template definitions -------------------------------------------------------------------

    def name_ref(self, name: str) -> None:
        """A name reference; the first use in the chunk writes the entry itself right after it."""
        buf = self.buf
        if name in self.names:
            buf += struct.pack("<I", self.names[name])
            return
        here = len(buf) + 4
        h = name_hash(name)
        encoded = utf16(name)
        # Entry: next entry in the same bucket (the table holds the newest, as Windows does), hash, length, NUL.
        buf += struct.pack("<IIHH", here, self.string_table[h % 64], h, len(encoded) // 2) + encoded + b"\0\0"
        self.string_table[h % 64] = here
        self.names[name] = here

    def node(self, node) -> None:
        """Write one template-definition node: an element, a substitution or literal text."""
        buf = self.buf
        if isinstance(node, Sub):
            buf += struct.pack("<BHB", OPTIONAL_SUBSTITUTION, node.index, node.vtype)
        elif isinstance(node, str):
            buf += struct.pack("<BBH", VALUE, STRING, len(utf16(node)) // 2) + utf16(node)
        else:
            self.element(node)

    def element(self, el: El) -> None:
        buf = self.buf
        # Elements in template definitions carry a dependency identifier (0xFFFF: none) before the size.
        buf += struct.pack("<BH", OPEN | (MORE if el.attrs else 0), 0xFFFF)
        size_at = len(buf)
        buf += b"\0\0\0\0"
        self.name_ref(el.name)
        if el.attrs:
            attrs_at = len(buf)
            buf += b"\0\0\0\0"
            for i, (attr, value) in enumerate(el.attrs):
                buf.append(ATTRIBUTE | (MORE if i + 1 < len(el.attrs) else 0))
                self.name_ref(attr)
                self.node(value)
            struct.pack_into("<I", buf, attrs_at, len(buf) - attrs_at - 4)
        if el.children:
            buf.append(CLOSE_START)
            for child in el.children:
                self.node(child)
            buf.append(END)
        else:
            buf.append(CLOSE_EMPTY)
        # The element's size runs from after the size field to its end token, inclusive.
        struct.pack_into("<I", buf, size_at, len(buf) - size_at - 4)

    def instance(self, key, definition: El, values: list[tuple[int, object]]) -> None:
        """A TemplateInstance of the template `key` (defined here if new to the chunk) with typed `values`."""
        buf = self.buf
        guid = template_guid(key)
        buf += struct.pack("<BB4s", TEMPLATE_INSTANCE, 1, guid[:4])
        if key in self.templates:
            buf += struct.pack("<I", self.templates[key])
        else:
            here = len(buf) + 4
            slot = struct.unpack_from("<I", guid)[0] % 32  # Windows' bucket key is undocumented; readers ignore it
            buf += struct.pack("<II16sI", here, self.template_table[slot], guid, 0)
            self.template_table[slot] = here
            self.templates[key] = here
            start = len(buf)
            buf += FRAGMENT_HEADER
            self.element(definition)
            buf.append(EOF)
            struct.pack_into("<I", buf, here + 20, len(buf) - start)
        # The value count, a (size u16, type u8, 0) descriptor per value, then the values; the sizes are
        # patched in once each value is written, since a nested template's size depends on the chunk.
        buf += struct.pack("<I", len(values))
        table = len(buf)
        buf += bytes(4 * len(values))
        for i, (vtype, value) in enumerate(values):
            start = len(buf)
            if vtype == BINXML:
                value(self)  # a callable that writes the nested fragment in place
            elif value is not None:
                buf += value
            struct.pack_into("<HBB", buf, table + 4 * i, len(buf) - start, vtype if value is not None else NULL, 0)

    # -- records and the finished chunk -------------------------------------------------------------------

    def add_record(self, record_id: int, written: int, write_binxml) -> int | None:
        """Append one record; its offset, or None (and the chunk unchanged) when it does not fit."""
        start = len(self.buf)
        saved = (dict(self.names), dict(self.templates), list(self.string_table), list(self.template_table))
        self.buf += struct.pack("<4sIQQ", b"**\0\0", 0, record_id, written)
        write_binxml(self)
        self.buf += bytes(-(len(self.buf) + 4 - start) % 8)  # Windows pads records to 8 bytes
        size = len(self.buf) + 4 - start
        if start + size > CHUNK_SIZE:
            del self.buf[start:]
            self.names, self.templates, self.string_table, self.template_table = saved
            return None
        self.buf += struct.pack("<I", size)
        struct.pack_into("<I", self.buf, start + 4, size)
        self.records.append((record_id, start))
        return start

    def finish(self) -> bytes:
        """The 64 KiB chunk: header and tables filled in, CRCs computed, free space zero."""
        buf = bytearray(self.buf)
        first, last = self.records[0][0], self.records[-1][0]
        struct.pack_into("<8sQQQQIIII", buf, 0, b"ElfChnk\0", first, last, first, last, 128, self.records[-1][1], len(buf), 0)
        struct.pack_into("<64I", buf, 128, *self.string_table)
        struct.pack_into("<32I", buf, 384, *self.template_table)
        seal_chunk(buf)
        return bytes(buf) + bytes(CHUNK_SIZE - len(buf))


def seal_chunk(chunk: bytearray) -> None:
    """(Re)compute a chunk's two CRCs from its contents, in place."""
    free = struct.unpack_from("<I", chunk, 48)[0]
    struct.pack_into("<I", chunk, 52, zlib.crc32(chunk[CHUNK_HEADER_SIZE:free]))
    struct.pack_into("<I", chunk, 124, zlib.crc32(chunk[:120] + chunk[128:CHUNK_HEADER_SIZE]))
