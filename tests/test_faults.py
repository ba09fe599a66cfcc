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
