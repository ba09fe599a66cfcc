"""Opening a log as Windows lets its writer go on: read, write and delete sharing.

Python's `open()` on Windows asks for read and write sharing only, so while
mfalogscan reads the live `MultiFactorAuthSvc.log`, MFA Server cannot
rename it to `.log.1` at rotation (a rename needs delete sharing): the
service's rotation fails, or waits, for as long as the scan takes. Here a
log is opened with `CreateFileW(..., FILE_SHARE_READ | FILE_SHARE_WRITE |
FILE_SHARE_DELETE, ...)` and handed to Python as a normal binary file; the
scan then reads a snapshot of its size at opening (sources.snapshot), and a
rename during the scan is seen by the re-listing at the end
(scanning.relist). Elsewhere `open(path, "rb")` already allows all of that.

`WINDOWS` and `_create_file` are the seams the tests use to run the Windows
branch on Linux.
"""

from __future__ import annotations

import os

WINDOWS = os.name == "nt"
GENERIC_READ = 0x80000000
FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_SHARE_DELETE = 0x1, 0x2, 0x4
SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
OPEN_EXISTING = 3
FILE_FLAG_SEQUENTIAL_SCAN = 0x08000000


def _create_file(path: str, access: int, share: int, disposition: int, flags: int) -> int:  # pragma: no cover - Windows
    """A CRT file descriptor for `path` opened by CreateFileW with these flags (OSError with winerror on failure)."""
    import ctypes
    import msvcrt
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    create = kernel32.CreateFileW
    create.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID, wintypes.DWORD,
                       wintypes.DWORD, wintypes.HANDLE]
    create.restype = wintypes.HANDLE
    handle = create(path, access, share, None, disposition, flags, None)
    if handle in (None, wintypes.HANDLE(-1).value):
        error = ctypes.get_last_error()
        raise ctypes.WinError(error)
    return msvcrt.open_osfhandle(handle, os.O_RDONLY | getattr(os, "O_BINARY", 0))


def open_log(path: str):
    """`path` as a binary file to read, opened so that its writer may still rename, replace or delete it."""
    if not WINDOWS:
        return open(path, "rb")
    fd = _create_file(path, GENERIC_READ, SHARE_ALL, OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN)
    return os.fdopen(fd, "rb")
