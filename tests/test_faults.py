"""The fault catalogue (docs/faults.md): broken, changing and hostile input, each with its documented behaviour."""

from __future__ import annotations

import hashlib
import os

import pytest

from mfalogscan.sources import snapshot

from .conftest import CHANGE, native
from .helpers import run

LINE = (native(CHANGE, 1) + "\n").encode()


def _while_read(monkeypatch, action):
    """Run `action` once, right after the scan's first read of a file."""
    real = snapshot.Snapshot.read
    done = []

    def read(self, n=-1):
        data = real(self, n)
        if not done:
            done.append(True)
            action()
        return data

    monkeypatch.setattr(snapshot.Snapshot, "read", read)


def _big(tmp_path, name="live.log", lines=2000):
    path = tmp_path / name
    path.write_bytes(LINE * lines)
    return path


def test_fault_file_grows_while_scanned(tmp_path, monkeypatch):
    path = _big(tmp_path)
    original = path.read_bytes()
    _while_read(monkeypatch, lambda: open(path, "ab").write(LINE.replace(b"jdoe", b"JDOE") * 50))
    r = run(str(path), chunk_size=4096)
    src = r.sources[0]
    assert src.status == "scanned" and src.bytes == len(original) and src.lines == 2000
    assert src.sha256 == hashlib.sha256(original).hexdigest()
    assert len(r.findings) == 2000  # what was there at opening, not the lines written since
    (issue,) = src.issues
    assert issue.severity == "warning" and issue.offset == len(original) and "grew by" in issue.message
    assert r.exit_status() == 0


def test_fault_file_truncated_while_scanned(tmp_path, monkeypatch):
    path = _big(tmp_path)
    _while_read(monkeypatch, lambda: os.truncate(path, 10 * len(LINE)))
    r = run(str(path), chunk_size=4096)
    src = r.sources[0]
    assert src.status == "partial" and src.bytes < src.stored_bytes
    lost = [i for i in src.issues if i.severity == "lost"]
    assert lost and "shrank" in lost[0].message and lost[0].offset == src.bytes
    assert r.findings and r.exit_status() == 2


def test_fault_file_replaced_while_scanned(tmp_path, monkeypatch):
    path = _big(tmp_path)
    other = tmp_path / "new.log"
    other.write_bytes(b"nothing here\n")
    _while_read(monkeypatch, lambda: os.replace(other, path))
    r = run(str(path), chunk_size=4096)
    src = r.sources[0]
    assert src.status == "scanned" and len(r.findings) == 2000  # the file that was opened
    assert any("replaced" in i.message and i.severity == "warning" for i in src.issues)


def test_fault_file_deleted_while_scanned(tmp_path, monkeypatch):
    path = _big(tmp_path)
    _while_read(monkeypatch, lambda: os.unlink(path))
    r = run(str(path), chunk_size=4096)
    assert len(r.findings) == 2000
    assert any("deleted or moved" in i.message for i in r.sources[0].issues)


def test_fault_compressed_file_grows_after_its_end(tmp_path, monkeypatch):
    import gzip

    path = tmp_path / "old.log.gz"
    path.write_bytes(gzip.compress(LINE * 100))
    stored = path.read_bytes()
    _while_read(monkeypatch, lambda: open(path, "ab").write(b"appended later"))
    r = run(str(path))
    src = r.sources[0]
    assert src.stored_sha256 == hashlib.sha256(stored).hexdigest()  # the file as it was opened
    assert any("grew by 14 bytes" in i.message for i in src.issues)
    assert not any("trailing" in i.message for i in src.issues)  # bytes added later were never read


def _small_floor(monkeypatch, floor=1 << 20):
    from mfalogscan.sources import streams

    monkeypatch.setattr(streams.Budget, "FLOOR", floor)


def test_fault_gzip_bomb_stops_at_the_limit_and_says_so(tmp_path, monkeypatch):
    import gzip

    _small_floor(monkeypatch)
    path = tmp_path / "bomb.log.gz"
    path.write_bytes(gzip.compress(LINE + b"\0" * (64 << 20), 9))  # 64 MiB of zeros in ~64 KB
    r = run(str(path))
    src = r.sources[0]
    assert src.status == "partial" and len(r.findings) == 1  # what came before the limit is kept
    assert src.bytes < 64 << 20 and "decompression bomb" in src.reason and "--max-expansion" in src.reason
    assert r.exit_status() == 2
    everything = run(str(path), max_expansion=0)  # no limit: read to the end
    assert everything.sources[0].status == "scanned" and everything.sources[0].bytes == len(LINE) + (64 << 20)


def test_fault_zip_bomb_member_stops_and_the_next_member_is_read(tmp_path, monkeypatch):
    import zipfile

    _small_floor(monkeypatch)
    path = tmp_path / "backup.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.log", LINE + b"\0" * (32 << 20))
        z.writestr("MultiFactorAuthSvc.log", LINE * 3)
    r = run(str(path))
    by = {s.path.split("!")[-1]: s for s in r.sources}
    assert by["bomb.log"].status == "partial" and "decompression bomb" in by["bomb.log"].reason
    assert by["MultiFactorAuthSvc.log"].status == "scanned"
    assert len(r.findings) == 4 and r.exit_status() == 2


def test_fault_many_small_bombs_stop_at_the_files_budget(tmp_path, monkeypatch):
    import zipfile

    _small_floor(monkeypatch, 1 << 16)
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(200):
            z.writestr(f"part{i}.log", LINE + b"\0" * 200_000)  # each read in one go: only the file's budget stops them
    r = run(str(path))
    stopped = [s for s in r.sources if s.reason and "this file" in s.reason]
    assert stopped and all(s.status == "partial" for s in stopped) and r.exit_status() == 2
    assert sum(s.bytes or 0 for s in r.sources) < 200 * 200_000 and len(stopped) >= 20


@pytest.mark.parametrize("magic", [b"\x1f\x8b", b"BZh9", b"\xfd7zXZ\x00", b"PK\x03\x04", b"PK\x05\x06",
                                   b"7z\xbc\xaf\x27\x1c"])
def test_fault_text_that_starts_with_a_compression_magic(tmp_path, magic):
    # From review: the file was taken for gzip/bzip2/xz, 0 bytes were scanned and the name on line 2 was lost.
    path = tmp_path / "odd.log"
    path.write_bytes(magic + b"\n" + LINE)
    r = run(str(path))
    src = r.sources[0]
    assert [f.line for f in r.findings] == [2] and src.compression is None and src.bytes == len(magic) + 1 + len(LINE)
    (issue,) = [i for i in src.issues if "starts like" in i.message]
    assert issue.severity == "damaged" and issue.offset == 0 and "scanned as the bytes it holds" in issue.message
    assert r.exit_status() == 2


def test_fault_character_device_named_on_the_command_line_is_an_error():
    r = run("/dev/zero")
    (src,) = r.sources
    assert src.status == "skipped" and "character device" in src.reason and r.exit_status() == 2
