"""Windows as it is, run here: the Windows branches through their seams (WINDOWS flags, CreateFile, link()).

MFA Server runs on Windows; CI runs on Linux. Each seam is one flag or one
function the Windows code goes through, replaced here by a fake that
behaves as Windows does, so the branch itself runs. The same tests would run
unchanged on a Windows CI job (where the fakes are not needed).
"""

from __future__ import annotations

import errno
import json
import os

import pytest
from typer.testing import CliRunner

from mfalogscan.cli import app

from .conftest import sample_lines, text_bytes

runner = CliRunner()


@pytest.fixture
def logs(write):
    write("Logs/MultiFactorAuthSvc.log", text_bytes(sample_lines(30), "\r\n", bom=True))
    return write("Logs/MultiFactorAuthSvc.log.1", text_bytes(sample_lines(20))).rsplit("/", 1)[0]


def test_fault_the_live_log_is_opened_with_delete_sharing_so_the_service_can_rotate_it(logs, monkeypatch):
    """The live MultiFactorAuthSvc.log was opened without FILE_SHARE_DELETE: MFA Server could not rotate it."""
    from mfalogscan.sources import winfile

    calls = []

    def create_file(path, access, share, disposition, flags):
        calls.append((path, access, share, disposition))
        return os.open(path, os.O_RDONLY)  # what msvcrt.open_osfhandle would hand back: a CRT descriptor

    monkeypatch.setattr(winfile, "WINDOWS", True)
    monkeypatch.setattr(winfile, "_create_file", create_file)
    r = runner.invoke(app, ["scan", logs, "-u", "jdoe", "-f", "json"])
    assert r.exit_code == 0, r.output
    assert len(calls) == 2 and all(share & winfile.FILE_SHARE_DELETE for _, _, share, _ in calls)
    assert all(share == winfile.SHARE_ALL and access == winfile.GENERIC_READ for _, access, share, _ in calls)
    assert json.loads(r.stdout)["summary"]["findings"] == 5  # read through the handle as through open()


@pytest.mark.parametrize("windows", [False, True])
def test_fault_reports_are_published_where_the_file_system_has_no_hard_links(logs, tmp_path, monkeypatch, windows):
    """Reports were published with os.link, which fails on FAT, exFAT and many SMB shares."""
    from mfalogscan.printers import safeopen

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM if not windows else errno.EINVAL, "Operation not permitted")

    monkeypatch.setattr(safeopen.os, "link", no_links)
    monkeypatch.setattr(safeopen, "WINDOWS", windows)
    if windows:
        real_rename = os.rename

        def rename_no_clobber(src, dst, **kw):  # Windows' rename: fails when the name exists
            if os.path.exists(dst if "dst_dir_fd" not in kw else os.path.join(os.path.dirname(src), dst)):
                raise FileExistsError(errno.EEXIST, "exists", dst)
            real_rename(src, dst, **kw)

        monkeypatch.setattr(safeopen.os, "rename", rename_no_clobber)
    out = tmp_path / "out"
    out.mkdir()
    r = runner.invoke(app, ["scan", logs, "-u", "jdoe", "-f", "json", "-o", str(out / "r.json")])
    assert r.exit_code == 0, r.output
    assert json.loads((out / "r.json").read_text())["summary"]["findings"] == 5
    assert sorted(p.name for p in out.iterdir()) == ["r.json", "r.json.sha256"]  # no temporary file left
    (out / "r.json").write_text("theirs")
    r = runner.invoke(app, ["scan", logs, "-u", "jdoe", "-f", "json", "-o", str(out / "r.json")])
    assert r.exit_code == 2 and "give --force" in r.stderr and (out / "r.json").read_text() == "theirs"
    assert not [p for p in out.iterdir() if p.name.startswith(".mfalogscan-")]


def test_on_windows_the_report_says_what_protects_it(logs, tmp_path, monkeypatch):
    """'Owner-only' (mode 0600) means nothing on Windows; say what protects the file instead of claiming it."""
    from mfalogscan.cli import guard as scan_cli

    monkeypatch.setattr(scan_cli, "WINDOWS", True)
    r = runner.invoke(app, ["scan", logs, "-u", "jdoe", "-o", str(tmp_path / "r.json")])
    assert r.exit_code == 0 and "it has the permissions of its folder (its ACL)" in r.stderr
    r = runner.invoke(app, ["scan", logs, "-u", "jdoe", "-f", "json"])  # to stdout: no file, nothing to say
    assert "ACL" not in r.stderr


def test_fault_verify_relocates_windows_paths(tmp_path):
    r"""verify relocated C:\Logs\x.log with a doubled separator, so a report made on Windows could not be checked."""
    from mfalogscan.evidence.compare import _relocate

    moved = {"C:\\Logs": "D:\\Archive\\Logs"}
    assert _relocate("C:\\Logs\\MultiFactorAuthSvc.log", moved) == "D:\\Archive\\Logs\\MultiFactorAuthSvc.log"
    assert _relocate("C:\\Logs\\old.zip!a.log", moved) == "D:\\Archive\\Logs\\old.zip!a.log"
    assert _relocate("C:\\Logs", moved) == "D:\\Archive\\Logs"
    assert _relocate("C:\\Logs2\\x.log", moved) == "C:\\Logs2\\x.log"  # another folder that starts alike


def test_fault_wildcards_the_shell_did_not_expand_are_expanded(logs, tmp_path):
    """cmd and PowerShell pass `backups\\*.zip` as it is: it was 'no such file or directory'."""
    import zipfile

    backups = tmp_path / "backups"
    backups.mkdir()
    for n in (3, 4):
        with zipfile.ZipFile(backups / f"MultiFactorAuthSvc.log.{n}.zip", "w") as z:
            z.writestr(f"MultiFactorAuthSvc.log.{n}", text_bytes(sample_lines(10)))
    r = runner.invoke(app, ["scan", str(backups / "*.zip"), "-u", "jdoe", "-f", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["parameters"]["paths"] == [str(backups / "MultiFactorAuthSvc.log.3.zip"),
                                          str(backups / "MultiFactorAuthSvc.log.4.zip")]
    assert doc["summary"]["findings"] == 2
    r = runner.invoke(app, ["scan", str(tmp_path / "**" / "*.log.1"), "-u", "jdoe", "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["summary"]["findings"] == 2
    r = runner.invoke(app, ["scan", str(backups / "*.gz"), "-u", "jdoe"])
    assert r.exit_code == 2 and "no file matches the pattern" in r.stderr
    odd = tmp_path / "odd[1]"
    odd.mkdir()
    (odd / "a.log").write_bytes(text_bytes(sample_lines(10)))
    r = runner.invoke(app, ["scan", str(odd), "-u", "jdoe", "-f", "json"])  # a name that exists is taken as it is
    assert r.exit_code == 0 and json.loads(r.stdout)["summary"]["findings"] == 1
