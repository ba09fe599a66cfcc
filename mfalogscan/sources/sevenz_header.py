"""What a 7z archive's own headers tell before py7zr is asked: is it a 7z, was it cut short, which packed bytes are whose.

The 32-byte start header holds a CRC-32 of itself and where the list of
members is (7z writes that list at the end of the archive); the packed data
lies between the two. Recognising a 7z, telling that one was cut short (said
even without py7zr: installing it would not help), and checking that the
list of members accounts for every packed byte are read here from the bytes
themselves, not from what py7zr made of them.
"""

from __future__ import annotations

import struct
import zlib

SEVENZ_MAGIC = b"7z\xbc\xaf\x27\x1c"
START_HEADER = 32


def is_7z(head: bytes) -> bool:
    return head.startswith(SEVENZ_MAGIC)  # a start header that passes its CRC (not_7z) makes it one


def not_7z(head: bytes) -> str | None:
    """Why bytes that begin with the 7z signature are not a 7z archive, or None if they are one."""
    if len(head) < START_HEADER:
        return "it ends inside the 32-byte start header"
    if zlib.crc32(head[12:START_HEADER]) != struct.unpack("<I", head[8:12])[0]:
        return "its start header fails its CRC-32"
    return None


def list_of_members(head: bytes) -> tuple[int, int]:
    """Where the list of members is, after the start header, and its size."""
    return struct.unpack("<QQ", head[12:28])


def cut_short(head: bytes, size: int) -> str | None:
    """Why an archive of `size` bytes cannot be listed, when it ends before its list of members; else None."""
    offset, length = list_of_members(head)
    end = START_HEADER + offset + length
    if end <= size:
        return None
    return (f"the 7z archive ends before its list of members, which 7z writes at its end: the file has {size} bytes "
            f"and the list would end at byte {end}, so it was cut short; nothing in it could be read (a 7z cannot be "
            "listed without it: scan an intact copy)")


def _number(buf: bytes, i: int) -> tuple[int, int]:
    """A 7z number at `buf[i]` and where it ends: the first byte's high bits say how many bytes follow it."""
    first, i, value = buf[i], i + 1, 0
    for n in range(8):
        if not first & (0x80 >> n):
            return value | (first & (0x7F >> n)) << (8 * n), i
        value |= buf[i] << (8 * n)
        i += 1
    return value, i


def unclaimed(head: bytes, raw_list: bytes, blocks_end: int) -> tuple[int, int] | None:
    """Packed bytes (start, end in the file) that neither a block nor a compressed list of members holds, or None.

    `raw_list` is the start of the list of members as stored, `blocks_end` where the blocks' packed bytes end after
    the start header. A list that lost its blocks (damaged, or forged with its CRC made to fit) would otherwise
    leave them unread without a word.
    """
    offset, _ = list_of_members(head)
    claimed = blocks_end
    try:
        if raw_list[:2] == b"\x17\x06":  # a compressed list of members: its own packed bytes come before it
            packpos, i = _number(raw_list, 2)
            count, i = _number(raw_list, i)
            if raw_list[i] == 0x09:
                i, sizes = i + 1, 0
                for _ in range(count):
                    packed, i = _number(raw_list, i)
                    sizes += packed
                claimed = max(claimed, packpos + sizes)
    except IndexError:  # a list that ends inside these numbers: nothing more can be told
        return None
    return (START_HEADER + claimed, START_HEADER + offset) if offset > claimed else None
