"""Fault catalogue: filesystem trouble, user input and output of mfalogscan.

One test per row (a few rows are parametrized). Each test asserts what a careful
forensic user should get: no traceback, every source listed with a status and a
message naming the file and what went wrong, findings from what could be read,
exit status 2 where something could not be read; bad user input gives ONE line
on stderr naming the problem and exit status 2.

Tests that need permissions to apply run the CLI as uid/gid 65534 (setpriv);
their files live in a world-traversable temporary folder (pytest's tmp_path
is under a root-only 0700 folder). Written by a helper, then made to pass.

MFALOGSCAN_FAULT_FILES sets the number of small files in one folder (20,000
by default; the catalogue's 100,000 for a long run).
"""

from __future__ import annotations

import builtins
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from mfalogscan import ScanConfig, Subject, scan

NOBODY = 65534
SETPRIV = shutil.which("setpriv")
MANY_FILES = int(os.environ.get("MFALOGSCAN_FAULT_FILES", "20000"))


def line(n: int, user: str = "jdoe", value: str = "556") -> str:
    return (
        f"2024-03-07T18:20:{n % 60:02d}.{n % 1000000:06d}Z|i|2960|4036|pfsvc|"
        f'User "CONTOSO\\admin" changed user "{user}" value Phone from "555" to "{value}".'
    )


def filler(n: int) -> str:
    return f"2024-03-07T18:20:{n % 60:02d}.{n % 1000000:06d}Z|i|2960|4036|pfsvc|Pfauth succeeded for user 'other{n % 97}'. Call status: SUCCESS_NO_PIN."


def write_log(path, lines) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for ln in lines:
            f.write(ln + "\n")


def write_big_log(path, mib: int, value: str = "556") -> int:
    """A native log of about `mib` MiB: one jdoe change record at the start, filler after."""
    block = "".join(filler(i) + "\n" for i in range(2000)).encode()
    with open(path, "wb") as f:
        f.write((line(1, value=value) + "\n").encode())
        while f.tell() < mib * 1024 * 1024:
            f.write(block)
        return f.tell()


def cli(*args, timeout: float = 120, nobody: bool = False, cwd=None, input=None):
    cmd = [sys.executable, "-m", "mfalogscan", "scan", *args]
    if nobody:
        cmd = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=cwd or "/", input=input)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"mfalogscan did not finish within {timeout} s (hang): {cmd}\nstderr so far: {e.stderr!r}")


def err(proc) -> str:
    return proc.stderr.decode("utf-8", "replace")


def assert_no_traceback(proc) -> None:
    text = err(proc)
    assert "Traceback" not in text, text
    assert "internal error" not in text, text


def assert_one_line_error(proc, *needles) -> str:
    """Bad input: exit 2, exactly one non-empty line on stderr naming the problem, nothing on stdout."""
    assert_no_traceback(proc)
    lines = [ln for ln in err(proc).splitlines() if ln.strip()]
    assert proc.returncode == 2, (proc.returncode, err(proc))
    assert len(lines) == 1, lines
    for n in needles:
        assert n.lower() in lines[0].lower(), (n, lines[0])
    return lines[0]


def objs(proc) -> list[dict]:
    return [json.loads(ln) for ln in proc.stdout.decode("utf-8").splitlines() if ln.strip()]


def by_type(objects, kind):
    return [o for o in objects if o["type"] == kind]


def source(objects, suffix: str) -> dict:
    found = [o for o in by_type(objects, "source") if o["path"].endswith(suffix)]
    assert len(found) == 1, (suffix, [o["path"] for o in by_type(objects, "source")])
    return found[0]


def issue_text(src: dict) -> str:
    return " ".join([src.get("reason") or ""] + [i["message"] for i in src["issues"]]).lower()


def stderr_names(proc, path: str, *words) -> None:
    """The stderr summary has a line naming the file and saying what went wrong."""
    hits = [ln for ln in err(proc).splitlines() if path in ln]
    assert hits, f"no stderr line names {path}: {err(proc)!r}"
    if words:
        assert any(all(w.lower() in ln.lower() for w in words) for ln in hits), (words, hits)


@pytest.fixture
def shared_dir():
    """A folder user 65534 can enter and read (pytest's tmp_path is root-only)."""
    if os.geteuid() != 0 or SETPRIV is None:
        pytest.skip("permission tests need root and setpriv to run the scan as uid 65534")
    probe = subprocess.run([SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            sys.executable, "-c", "import mfalogscan"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("uid 65534 cannot import mfalogscan from this Python (its environment is in a root-only "
                    f"folder): {probe.stderr.decode(errors='replace').strip()[-120:]}")
    d = tempfile.mkdtemp(prefix="mfalogscan-perm-")
    os.chmod(d, 0o755)
    yield d

    def unlock(path):
        for root, dirs, files in os.walk(path):
            for name in dirs:
                try:
                    os.chmod(os.path.join(root, name), 0o755, follow_symlinks=False)
                except OSError:
                    pass
    os.chmod(d, 0o755)
    unlock(d)
    unlock(d)
    shutil.rmtree(d, ignore_errors=True)


def _wait_open(pid: int, path: str, timeout: float = 30.0) -> bool:
    """Wait until process `pid` has `path` open (it is being scanned)."""
    target = os.path.realpath(path)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in (target, target + " (deleted)"):
                        return True
                except OSError:
                    pass
        except OSError:
            return False
        time.sleep(0.0005)
    return False


def _scan_while(path, action, *extra):
    """Start the CLI on `path`; run `action()` as soon as it has the file open; return (proc, outputs, acted)."""
    cmd = [sys.executable, "-m", "mfalogscan", "scan", str(path), "-u", "jdoe", "-f", "jsonl", *extra]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    acted = []

    def run():
        if _wait_open(p.pid, str(path)):
            action()
            acted.append(True)

    t = threading.Thread(target=run)
    t.start()
    try:
        out, errb = p.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        p.kill()
        out, errb = p.communicate()
        t.join()
        pytest.fail(f"scan did not finish within 180 s: {errb!r}")
    t.join()
    proc = subprocess.CompletedProcess(cmd, p.returncode, out, errb)
    return proc, acted


# --------------------------------------------------------------------------- files changing under the scan


def test_fault_file_grows_while_scanned(tmp_path):
    """A live log grows during the scan: scan what was there at open, record that size, say so."""
    log = tmp_path / "MultiFactorAuthSvc.log"
    write_big_log(log, 150)
    appended = (("".join(filler(i) + "\n" for i in range(500)) + line(7, value="GROWN") + "\n") * 40).encode()

    def grow():
        with open(log, "ab") as f:
            for _ in range(20):
                f.write(appended)
                f.flush()

    proc, acted = _scan_while(log, grow)
    assert acted, "the scan ended before the file could be grown"
    assert_no_traceback(proc)
    o = objs(proc)
    src = source(o, "MultiFactorAuthSvc.log")
    final = os.path.getsize(log)
    assert src["stored_bytes"] is not None and src["stored_bytes"] < final, "precondition: the file grew after it was opened"
    # What was there when the file was opened is what is scanned and hashed, and its size is recorded.
    assert src["bytes"] == src["stored_bytes"], (
        f"scanned {src['bytes']} bytes but recorded the stored size as {src['stored_bytes']} (final size {final})"
    )
    assert not [f for f in by_type(o, "finding") if "GROWN" in f["text"]], "lines appended during the scan were scanned"
    assert [f for f in by_type(o, "finding") if f["line"] == 1]
    text = issue_text(src)
    assert "grew" in text or "grown" in text or "changed" in text or "appended" in text, (
        f"no issue says the file grew while it was scanned: {src['issues']}"
    )


def test_fault_file_truncated_while_scanned(tmp_path):
    """Truncated under the scan: the bytes after the cut are lost: partial, a `lost` issue, exit 2."""
    log = tmp_path / "MultiFactorAuthSvc.log"
    size = write_big_log(log, 200)

    def cut():
        os.truncate(log, 4096)

    proc, acted = _scan_while(log, cut)
    assert acted
    assert_no_traceback(proc)
    o = objs(proc)
    src = source(o, "MultiFactorAuthSvc.log")
    assert src["stored_bytes"] == size
    assert src["bytes"] < size, "precondition: the scan saw the truncation"
    assert [f for f in by_type(o, "finding") if f["line"] == 1], "the finding before the cut is kept"
    assert src["status"] == "partial", (
        f"status {src['status']!r}: only {src['bytes']} of {src['stored_bytes']} bytes were scanned; issues {src['issues']}"
    )
    assert any(i["severity"] == "lost" for i in src["issues"]), src["issues"]
    assert "truncat" in issue_text(src) or "shr" in issue_text(src), src["issues"]
    assert proc.returncode == 2, proc.returncode
    stderr_names(proc, str(log))


def test_fault_file_replaced_while_scanned(tmp_path):
    """A rotated gzip backup renamed over during the scan: the opened file is scanned, and the report says
    that the path now holds other content (its stored hash is of what was scanned, not of the new file)."""
    log = tmp_path / "MultiFactorAuthSvc.log.1.gz"
    plain = tmp_path / "plain.log"
    write_big_log(plain, 150)
    with open(plain, "rb") as fi, gzip.open(log, "wb", compresslevel=1) as fo:
        shutil.copyfileobj(fi, fo)
    plain.unlink()
    import hashlib

    original_sha = hashlib.sha256(log.read_bytes()).hexdigest()
    other = tmp_path / "other.gz"
    with gzip.open(other, "wb") as fo:
        fo.write((line(3, value="REPLACEMENT") + "\n").encode())

    proc, acted = _scan_while(log, lambda: os.replace(other, log))
    assert acted
    assert_no_traceback(proc)
    o = objs(proc)
    src = source(o, "MultiFactorAuthSvc.log.1.gz")
    assert [f for f in by_type(o, "finding") if f["line"] == 1 and "REPLACEMENT" not in f["text"]]
    assert src["stored_sha256"] == original_sha, (
        "stored_sha256 is not the hash of the file that was scanned "
        f"(got {src['stored_sha256']}, scanned file {original_sha}, replacement {hashlib.sha256(log.read_bytes()).hexdigest()})"
    )
    text = issue_text(src)
    assert "replaced" in text or "changed" in text or "renamed" in text, (
        f"no issue says the file was replaced while it was scanned: {src['issues']}"
    )


def test_fault_file_deleted_between_listing_and_opening(tmp_path, monkeypatch):
    """A file listed in a folder but gone when opened: unreadable, named, the others scanned, exit 2."""
    d = tmp_path / "Logs"
    d.mkdir()
    for name in ("a.log", "b.log", "c.log"):
        write_log(d / name, [line(1), filler(2)])
    victim = str(d / "b.log")
    real_open = builtins.open

    def racing_open(file, *a, **k):
        if isinstance(file, str) and file == victim and os.path.exists(victim):
            os.unlink(victim)  # deleted after the folder was listed, just before the open
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", racing_open)
    report = scan(ScanConfig(paths=(str(d),), subjects=(Subject("jdoe"),)))
    monkeypatch.undo()
    statuses = {s.path: s for s in report.sources}
    assert set(statuses) == {str(d / n) for n in ("a.log", "b.log", "c.log")}
    b = statuses[victim]
    assert b.status == "unreadable", b
    assert "no such file" in (b.reason or "").lower(), b.reason
    assert statuses[str(d / "a.log")].status == "scanned" and statuses[str(d / "c.log")].status == "scanned"
    assert sorted(f.source for f in report.findings) == [str(d / "a.log"), str(d / "c.log")]
    assert report.summary.errors == 1
    assert report.exit_status() == 2


# --------------------------------------------------------------------------- permissions, links, odd files


def test_fault_unreadable_file(shared_dir):
    d = os.path.join(shared_dir, "Logs")
    os.mkdir(d)
    write_log(os.path.join(d, "good.log"), [line(1)])
    secret = os.path.join(d, "secret.log")
    write_log(secret, [line(2)])
    os.chmod(d, 0o755)
    os.chmod(os.path.join(d, "good.log"), 0o644)
    os.chmod(secret, 0o000)
    proc = cli(d, "-u", "jdoe", "-f", "jsonl", nobody=True)
    assert_no_traceback(proc)
    o = objs(proc)
    src = source(o, "secret.log")
    assert src["status"] == "unreadable"
    assert "permission denied" in issue_text(src)
    assert source(o, "good.log")["status"] == "scanned"
    assert [f["source"] for f in by_type(o, "finding")] == [os.path.join(d, "good.log")]
    assert proc.returncode == 2
    stderr_names(proc, secret, "permission denied")


def test_fault_unreadable_directory(shared_dir):
    d = os.path.join(shared_dir, "Logs")
    os.mkdir(d)
    write_log(os.path.join(d, "good.log"), [line(1)])
    locked = os.path.join(d, "locked")  # mode 000: cannot be listed
    os.mkdir(locked)
    write_log(os.path.join(locked, "x.log"), [line(2)])
    listable = os.path.join(d, "noexec")  # mode 444: listed, but its entries cannot be reached
    os.mkdir(listable)
    write_log(os.path.join(listable, "y.log"), [line(3)])
    for p in (d, os.path.join(d, "good.log")):
        os.chmod(p, 0o755 if os.path.isdir(p) else 0o644)
    os.chmod(locked, 0o000)
    os.chmod(listable, 0o444)
    proc = cli(d, "-u", "jdoe", "-f", "jsonl", nobody=True)
    assert_no_traceback(proc)
    o = objs(proc)
    lk = source(o, "/locked")
    assert lk["status"] == "unreadable" and "permission denied" in issue_text(lk), lk
    y = source(o, "y.log")
    assert y["status"] == "unreadable" and "permission denied" in issue_text(y), y
    assert [f["source"] for f in by_type(o, "finding")] == [os.path.join(d, "good.log")]
    assert proc.returncode == 2
    stderr_names(proc, locked, "permission denied")
    stderr_names(proc, os.path.join(listable, "y.log"), "permission denied")


def test_fault_symlink_loops(tmp_path):
    d = tmp_path / "Logs"
    d.mkdir()
    write_log(d / "good.log", [line(1)])
    (d / "sub").mkdir()
    os.symlink("..", d / "sub" / "up")  # a folder loop
    os.symlink("self.log", d / "self.log")  # a link to itself
    os.symlink("pong.log", d / "ping.log")  # two links to each other
    os.symlink("ping.log", d / "pong.log")
    proc = cli(str(d), "-u", "jdoe", "-f", "jsonl", timeout=60)
    assert_no_traceback(proc)
    o = objs(proc)
    assert source(o, "/up")["status"] == "skipped" and "loop" in issue_text(source(o, "/up"))
    for name in ("self.log", "ping.log", "pong.log"):
        s = source(o, "/" + name)
        assert s["status"] == "unreadable", s
        # ELOOP is a loop of links, not a link to nothing.
        assert "loop" in issue_text(s) or "too many levels" in issue_text(s), (name, s["reason"])
    assert [f["source"] for f in by_type(o, "finding")] == [str(d / "good.log")]
    assert proc.returncode == 2


def test_fault_symlink_to_device_and_fifo_in_folder(tmp_path):
    d = tmp_path / "Logs"
    d.mkdir()
    write_log(d / "good.log", [line(1)])
    os.symlink("/dev/zero", d / "zero.log")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    os.symlink(fifo, d / "fifo.log")
    os.mkfifo(d / "fifo2.log")
    for extra in ((), ("--follow-links",)):
        proc = cli(str(d), "-u", "jdoe", "-f", "jsonl", *extra, timeout=30)
        assert_no_traceback(proc)
        o = objs(proc)
        for name in ("zero.log", "fifo.log", "fifo2.log"):
            s = source(o, "/" + name)
            # Links out of the folder are not followed (issue 13) unless asked; followed, they are still not read.
            why = "not followed" if name != "fifo2.log" and not extra else "not a regular file"
            assert s["status"] == "skipped" and why in issue_text(s), s
        assert [f["source"] for f in by_type(o, "finding")] == [str(d / "good.log")]
        assert proc.returncode == 0


def test_fault_symlink_to_dev_zero_named_on_command_line(tmp_path):
    """Named explicitly, a link to /dev/zero must not make the scan run forever."""
    link = tmp_path / "MultiFactorAuthSvc.log"
    os.symlink("/dev/zero", link)
    write_log(tmp_path / "good.log", [line(1)])
    proc = cli(str(link), str(tmp_path / "good.log"), "-u", "jdoe", "-f", "jsonl", timeout=30)
    assert_no_traceback(proc)
    o = objs(proc)
    s = source(o, "MultiFactorAuthSvc.log")
    assert s["status"] != "scanned"
    assert by_type(o, "finding")


def test_fault_fifo_named_on_command_line(tmp_path):
    """A FIFO named on the command line (like <(zcat x)) is read; it never blocks once its writer is done."""
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "w") as f:
            f.write(line(1) + "\n")

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    proc = cli(str(fifo), "-u", "jdoe", "-f", "jsonl", timeout=30)
    t.join(5)
    assert_no_traceback(proc)
    o = objs(proc)
    assert source(o, "stream")["status"] == "scanned"
    assert len(by_type(o, "finding")) == 1
    assert proc.returncode == 0


@pytest.mark.parametrize("depth", [300, 1200])
def test_fault_very_deep_directories(tmp_path, depth):
    base = tmp_path / "Logs"
    base.mkdir()
    deep = str(base)
    for _ in range(depth):  # os.makedirs recurses once per level: not usable at 1,200
        deep += "/d"
        os.mkdir(deep)
    write_log(os.path.join(deep, "deep.log"), [line(1)])
    write_log(base / "top.log", [line(2)])
    try:
        proc = cli(str(base), "-u", "jdoe", "-f", "jsonl", timeout=120)
    finally:  # pytest's own clean-up (shutil.rmtree) recurses once per level: remove the levels here
        os.unlink(os.path.join(deep, "deep.log"))
        while deep != str(base):
            os.rmdir(deep)
            deep = os.path.dirname(deep)
    assert_no_traceback(proc)
    o = objs(proc)
    assert source(o, "deep.log")["status"] == "scanned"
    assert len(by_type(o, "finding")) == 2
    assert proc.returncode == 0


def test_fault_100000_small_files(tmp_path):
    d = tmp_path / "Logs"
    d.mkdir()
    n = MANY_FILES
    for i in range(n):
        with open(d / f"f{i:06d}.log", "w") as f:
            f.write((line(i) if i % 1000 == 0 else filler(i)) + "\n")
    t0 = time.monotonic()
    proc = cli(str(d), "-u", "jdoe", "-f", "jsonl", timeout=900)
    elapsed = time.monotonic() - t0
    print(f"{n:,} small files: {elapsed:.1f} s")
    assert_no_traceback(proc)
    o = objs(proc)
    summary = by_type(o, "summary")[0]
    assert summary["sources"] == n and summary["sources_scanned"] == n
    assert summary["findings"] == n // 1000
    assert proc.returncode == 0


def test_fault_non_utf8_file_names(tmp_path):
    d = os.path.join(os.fsencode(str(tmp_path)), b"Logs")
    os.mkdir(d)
    bad = os.path.join(d, b"log\xff.log")
    with open(bad, "wb") as f:
        f.write((line(1) + "\n").encode())
    sub = os.path.join(d, b"sub\xfe\xc3")
    os.mkdir(sub)
    with open(os.path.join(sub, b"x.log"), "wb") as f:
        f.write((line(2) + "\n").encode())
    # as a folder, and named directly (argv bytes)
    for target in (d, bad):
        cmd = [sys.executable, "-m", "mfalogscan", "scan", target, "-u", "jdoe", "-f", "jsonl"]
        proc = subprocess.run(cmd, capture_output=True, timeout=60)
        assert_no_traceback(proc)
        o = objs(proc)  # valid UTF-8 JSON
        assert proc.returncode == 0, err(proc)
        srcs = by_type(o, "source")
        assert srcs and all(s["status"] == "scanned" for s in srcs), srcs
        assert any(s["path"].endswith("log\\xff.log") for s in srcs), [s["path"] for s in srcs]
        if target == d:
            assert any("sub\\xfe\\xc3" in s["path"] for s in srcs), [s["path"] for s in srcs]
            assert len(by_type(o, "finding")) == 2
    # the table format too (a terminal user's view)
    proc = subprocess.run([sys.executable, "-m", "mfalogscan", "scan", d, "-u", "jdoe", "-f", "table"],
                          capture_output=True, timeout=60)
    assert_no_traceback(proc)
    assert b"log\\xff.log" in proc.stdout


# --------------------------------------------------------------------------- user input


@pytest.fixture
def logs(tmp_path):
    d = tmp_path / "Logs"
    d.mkdir()
    write_log(d / "MultiFactorAuthSvc.log", [line(1), line(2, user="alice"), filler(3), line(4, user="JDoe")])
    return d


def test_fault_empty_username(logs):
    proc = cli(str(logs), "--user", "")
    assert_one_line_error(proc, "--user", "empty")


@pytest.mark.parametrize("name", ['""', '"', '"jdoe"', "   ", "\t", " jdoe "])
def test_fault_username_of_quotes_or_whitespace(logs, name):
    proc = cli(str(logs), "--user", name)
    msg = assert_one_line_error(proc, "--user")
    assert "quote" in msg or "white space" in msg or "empty" in msg, msg


def test_fault_users_file_binary(logs, tmp_path):
    uf = tmp_path / "users.bin"
    uf.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    proc = cli(str(logs), "--users-file", str(uf))
    assert_one_line_error(proc, str(uf), "binary")
    uf2 = tmp_path / "users2.bin"
    uf2.write_bytes(bytes(range(128, 256)) * 4)  # no NUL, not UTF-8
    proc = cli(str(logs), "--users-file", str(uf2))
    assert_one_line_error(proc, str(uf2), "not valid utf-8")


def test_fault_users_file_empty(logs, tmp_path):
    for content in (b"", b"\n\n   \n# only a comment\n", b"\xef\xbb\xbf"):
        uf = tmp_path / "users.txt"
        uf.write_bytes(content)
        proc = cli(str(logs), "--users-file", str(uf))
        assert_one_line_error(proc, str(uf), "no names")


@pytest.mark.parametrize("codec,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_fault_users_file_utf16_with_bom(logs, tmp_path, codec, bom):
    uf = tmp_path / "users.txt"
    uf.write_bytes(bom + "# people\r\njdoe\tJ.Doe\r\nalice\r\n".encode(codec))
    proc = cli(str(logs), "--users-file", str(uf), "-f", "jsonl")
    assert_no_traceback(proc)
    assert proc.returncode == 0, err(proc)
    users = {f["user"] for f in by_type(objs(proc), "finding")}
    assert users == {"jdoe", "alice"}


def test_fault_users_file_utf16_without_bom(logs, tmp_path):
    """UTF-16 without a BOM (what some Windows tools write): read it, as the logs are, or say it is UTF-16."""
    uf = tmp_path / "users.txt"
    uf.write_bytes("jdoe\r\nalice\r\n".encode("utf-16-le"))
    proc = cli(str(logs), "--users-file", str(uf), "-f", "jsonl")
    assert_no_traceback(proc)
    if proc.returncode == 0:
        assert {f["user"] for f in by_type(objs(proc), "finding")} == {"jdoe", "alice"}
    else:
        assert_one_line_error(proc, str(uf), "utf-16")


def test_fault_users_file_utf16_bom_damaged(logs, tmp_path):
    """A UTF-16 users file cut mid-character (odd length) or with a lone surrogate: one line naming the file."""
    for data in (b"\xff\xfe" + "jdoe\r\nalice".encode("utf-16-le") + b"a",
                 b"\xff\xfe" + "jdoe\r\n".encode("utf-16-le") + b"\x00\xd8" + "x".encode("utf-16-le")):
        uf = tmp_path / "users.txt"
        uf.write_bytes(data)
        proc = cli(str(logs), "--users-file", str(uf))
        assert_one_line_error(proc, str(uf))


def test_fault_users_file_duplicate_aliases(logs, tmp_path):
    """The same alias twice, a case variant of the subject, the same subject on two lines: merged, no double counts."""
    uf = tmp_path / "users.txt"
    uf.write_text("jdoe\tJDOE\tj.doe\tJ.Doe\tj.doe\njdoe\tj.doe\n", encoding="utf-8")
    proc = cli(str(logs), "--users-file", str(uf), "-f", "jsonl")
    assert_no_traceback(proc)
    assert proc.returncode == 0, err(proc)
    o = objs(proc)
    findings = by_type(o, "finding")
    assert sorted(f["line"] for f in findings) == [1, 4]  # one finding per person per line
    users = by_type(o, "summary")[0]["users"]
    assert [u["user"] for u in users] == ["jdoe"]


def test_fault_users_file_conflicting_alias(logs, tmp_path):
    """The same alias under two subjects: one line naming the alias, both subjects, and the file and line."""
    uf = tmp_path / "users.txt"
    uf.write_text("jdoe\tshared.account\nalice\tShared.Account\n", encoding="utf-8")
    proc = cli(str(logs), "--users-file", str(uf))
    msg = assert_one_line_error(proc, "shared.account", "jdoe", "alice")
    assert f"{uf}:2" in msg, f"the message does not name the file and line of the conflict: {msg}"


def write_rules(path, body: str):
    path.write_text(body, encoding="utf-8")
    return str(path)


def test_fault_rules_bad_toml(logs, tmp_path):
    rf = write_rules(tmp_path / "rules.toml", '[[rule]]\nid = "site.x"\ncategory = "operational\nkind = "x"\n')
    proc = cli(str(logs), "-u", "jdoe", "--rules", rf)
    msg = assert_one_line_error(proc, rf, "toml")
    assert f"{rf}:3" in msg or f"{rf}:4" in msg, msg


def test_fault_rules_bad_regex(logs, tmp_path):
    rf = write_rules(tmp_path / "rules.toml",
                     'version = 1\n\n[[rule]]\nid = "site.broken"\ncategory = "operational"\nkind = "bypass"\n'
                     "pattern = '''User \"(?P<target>[^\"]*\" (unclosed'''\n")
    proc = cli(str(logs), "-u", "jdoe", "--rules", rf)
    assert_one_line_error(proc, f"{rf}:7", "site.broken", "regular expression")


def test_fault_rules_catastrophic_backtracking(tmp_path):
    """`(a+)+$` against long runs of a's: the pattern is cut off per message and named; the scan ends."""
    d = tmp_path / "Logs"
    d.mkdir()
    msgs = [f'2024-03-07T18:20:{i:02d}.000000Z|i|2960|4036|pfsvc|User "jdoe" note {"a" * 5000}!' for i in range(8)]
    write_log(d / "MultiFactorAuthSvc.log", msgs + [line(30)])
    rf = write_rules(tmp_path / "rules.toml",
                     '[[rule]]\nid = "site.evil"\ncategory = "operational"\nkind = "bypass"\n'
                     "pattern = '''(a+)+$'''\n")
    proc = cli(str(d), "-u", "jdoe", "--rules", rf, "-f", "jsonl", timeout=120)  # a hang fails by the timeout
    assert_no_traceback(proc)
    o = objs(proc)
    findings = by_type(o, "finding")
    assert len(findings) == 9
    timed = [f for f in findings if "rules_timed_out" in f["details"]]
    # Eight timed out; after four the rule is off for the source, so the ninth (a plain change) names it as not
    # tried, and a later rule classifies it (issue 13's per-source budget).
    assert len(timed) == 9, [f["details"] for f in findings]
    src = source(o, "/MultiFactorAuthSvc.log")
    assert "switched off for the rest of this source: 5 later message(s)" in issue_text(src)
    assert all("site.evil" in str(f["details"]["rules_timed_out"]) for f in timed)
    assert findings[-1]["kind"] == "value-changed"
    assert proc.returncode == 0


def test_fault_rules_unknown_category(logs, tmp_path):
    rf = write_rules(tmp_path / "rules.toml",
                     '[[rule]]\nid = "site.cat"\nkind = "bypass"\ncategory = "audit"\npattern = \'\'\'Bypass\'\'\'\n')
    proc = cli(str(logs), "-u", "jdoe", "--rules", rf)
    assert_one_line_error(proc, f"{rf}:4", "site.cat", "category", "audit")


# --------------------------------------------------------------------------- output


def test_fault_output_into_missing_directory(logs, tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "report.json"
    proc = cli(str(logs), "-u", "jdoe", "-f", "json", "--output", str(out))
    assert_one_line_error(proc, str(out.parent), "no such file")
    assert not out.parent.exists()


def test_fault_output_onto_read_only_path(shared_dir):
    d = os.path.join(shared_dir, "Logs")
    os.mkdir(d, 0o755)
    log = os.path.join(d, "MultiFactorAuthSvc.log")
    write_log(log, [line(1)])
    os.chmod(log, 0o644)
    ro = os.path.join(shared_dir, "readonly")  # root's folder: user 65534 cannot create files in it
    os.mkdir(ro, 0o755)
    existing = os.path.join(ro, "report.json")
    with open(existing, "w") as f:
        f.write("keep me\n")
    os.chmod(existing, 0o444)
    for target, force in ((os.path.join(ro, "new.json"), False), (existing, False), (existing, True)):
        args = [log, "-u", "jdoe", "-f", "json", "--output", target] + (["--force"] if force else [])
        proc = cli(*args, nobody=True)
        msg = assert_one_line_error(proc, target)
        assert "permission denied" in msg.lower() or "exists" in msg.lower(), msg
        assert proc.stdout == b""
    assert open(existing).read() == "keep me\n"
    assert sorted(os.listdir(ro)) == ["report.json"], "a temporary file was left behind"


@pytest.mark.parametrize("fmt", ["jsonl", "table", "csv"])
def test_fault_stdout_closed_early(tmp_path, fmt):
    """`mfalogscan scan ... | head -1` ends quietly, like grep: nothing on stderr, status 141 (or 0)."""
    d = tmp_path / "Logs"
    d.mkdir()
    write_log(d / "MultiFactorAuthSvc.log", [line(i) for i in range(20000)])
    status = tmp_path / "status"
    cmd = (f"set -o pipefail; {sys.executable} -m mfalogscan scan {d} -u jdoe -f {fmt} | head -1 >/dev/null; "
           f"echo ${{PIPESTATUS[0]}} > {status}")
    try:
        proc = subprocess.run(["bash", "-c", cmd], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the pipeline into head -1 did not end")
    assert err(proc) == "", err(proc)
    assert status.read_text().strip() in ("141", "0"), status.read_text()


def test_fault_link_out_of_the_tree_is_listed_not_followed(tmp_path):
    """A symlink in the scanned folder to a file outside it (/etc/shadow-like): followed silently, its line reported."""
    secret = tmp_path / "elsewhere" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root:$6$x:19000:0:99999:7:::\n" + line(2) + "\n")
    d = tmp_path / "Logs"
    d.mkdir()
    write_log(d / "good.log", [line(1)])
    os.symlink(secret, d / "shadow.log")
    os.symlink(d / "good.log", d / "inside.log")  # a link within the tree is followed
    proc = cli(str(d), "-u", "jdoe", "-f", "jsonl", timeout=30)
    o = objs(proc)
    s = source(o, "/shadow.log")
    assert s["status"] == "skipped" and "outside the folders scanned" in issue_text(s) and "--follow-links" in issue_text(s)
    assert sorted(f["source"] for f in by_type(o, "finding")) == [str(d / "good.log"), str(d / "inside.log")]
    proc = cli(str(d), "-u", "jdoe", "-f", "jsonl", "--follow-links", timeout=30)
    assert str(d / "shadow.log") in [f["source"] for f in by_type(objs(proc), "finding")]


def test_fault_the_output_is_never_an_input(tmp_path):
    """-o Logs/report.json and its .part were scanned as sources; an old JSON Lines output added its findings again."""
    d = tmp_path / "Logs"
    d.mkdir()
    write_log(d / "MultiFactorAuthSvc.log", [line(1)])
    old = cli(str(d), "-u", "jdoe", "-f", "jsonl")
    (d / "old-findings.jsonl").write_bytes(old.stdout)
    (d / ".mfalogscan-0123456789abcdef.part").write_text(line(3) + "\n")
    key = tmp_path / "k"
    assert subprocess.run([sys.executable, "-m", "mfalogscan", "keygen", str(key)], capture_output=True).returncode == 0
    for fmt, name in (("json", "report.json"), ("markdown", "jdoe.md"), ("csv", "report.csv")):
        proc = cli(str(d), "-u", "jdoe", "-f", fmt, "-o", str(d / name), "--sign", str(key), timeout=30)
        assert proc.returncode == 0, err(proc)
    proc = cli(str(d), "-u", "jdoe", "-f", "jsonl", "--mentions", timeout=30)
    o = objs(proc)
    assert [f["source"] for f in by_type(o, "finding")] == [str(d / "MultiFactorAuthSvc.log")]
    for name, why in (("old-findings.jsonl", "an output of mfalogscan (JSON Lines)"),
                      ("report.json", "an output of mfalogscan (a JSON report)"),
                      ("jdoe.md", "an output of mfalogscan (a Markdown report)"),
                      ("jdoe.md.sha256", "an output of mfalogscan (a report's SHA-256 manifest (.sha256))"),
                      ("report.json.sig", "an output of mfalogscan (a report's signature (.sig))"),
                      ("report.csv", "an output of mfalogscan (CSV)"),
                      (".mfalogscan-0123456789abcdef.part", "a temporary file of mfalogscan")):
        s = source(o, "/" + name)
        assert s["status"] == "skipped" and why in (s["reason"] or ""), (name, s)
    proc = cli(str(d), "-u", "jdoe", "-f", "jsonl", "-o", str(d / "new.jsonl"), timeout=30)
    mine = [s for s in by_type(objs_file(d / "new.jsonl"), "source") if s["path"].endswith(".part")
            and "0123456789abcdef" not in s["path"]]  # this run's own report, being written as it scans
    assert len(mine) == 1 and mine[0]["status"] == "skipped" and "temporary file of mfalogscan" in mine[0]["reason"]
    assert len(by_type(objs_file(d / "new.jsonl"), "finding")) == 1


def objs_file(path) -> list[dict]:
    return [json.loads(l) for l in open(path, encoding="utf-8")]


@pytest.mark.parametrize("sig,status,jobs", [("SIGINT", 130, ()), ("SIGTERM", 143, ()), ("SIGINT", 130, ("-j", "2"))])
def test_fault_an_interrupted_run_publishes_nothing_and_leaves_nothing(tmp_path, sig, status, jobs):
    """Ctrl-C mid-scan published an empty report under the final name; SIGTERM left a .part; -j 2 workers printed
    tracebacks."""
    import signal

    d = tmp_path / "Logs"
    d.mkdir()
    write_log(d / "MultiFactorAuthSvc.log", [line(1)])
    fifo = tmp_path / "live.log"  # a source that is still being written: the scan waits on it
    os.mkfifo(fifo)
    out = tmp_path / "out"
    out.mkdir()
    cmd = [sys.executable, "-m", "mfalogscan", "scan", str(d), str(fifo), "-u", "jdoe", "-f", "json",
           "-o", str(out / "r.json"), *jobs]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    with open(fifo, "wb") as writer:  # blocks until the scan opens it
        writer.write((line(2) + "\n").encode())
        writer.flush()
        time.sleep(1.0)  # the scan is under way, reading the live source
        assert proc.poll() is None, "the scan ended before the signal"
        os.killpg(proc.pid, getattr(signal, sig))  # as a terminal's Ctrl-C reaches the whole process group
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == status, stderr
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")
    assert (b"interrupted" if sig == "SIGINT" else b"terminated") in stderr
    assert os.listdir(out) == [], os.listdir(out)  # no report under its name, no .part


def test_fault_rotation_during_the_scan_is_found_again(tmp_path, monkeypatch):
    """A backup renamed after its folder was listed (.log.1 -> .log.2) was never scanned, and nothing was said."""
    d = tmp_path / "Logs"
    d.mkdir()
    write_log(d / "MultiFactorAuthSvc.log", [line(1)])
    write_log(d / "MultiFactorAuthSvc.log.1", [line(2, value="OLD")])
    old, new = str(d / "MultiFactorAuthSvc.log.1"), str(d / "MultiFactorAuthSvc.log.2")
    real_open = builtins.open

    def rotating_open(file, *a, **k):
        if isinstance(file, str) and file == old and os.path.exists(old):
            os.rename(old, new)  # the service rotates: after the listing, before the open
            write_log(d / "MultiFactorAuthSvc.log.3", [line(3, value="NEW")])  # and a new backup appears
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", rotating_open)
    report = scan(ScanConfig(paths=(str(d),), subjects=(Subject("jdoe"),)))
    monkeypatch.undo()
    statuses = {s.path: s for s in report.sources}
    assert statuses[old].status == "unreadable"  # gone when opened: said, as before
    for path in (new, str(d / "MultiFactorAuthSvc.log.3")):
        assert statuses[path].status == "scanned"
        assert any("appeared while the scan ran" in i.message for i in statuses[path].issues)
    assert sorted(f.source for f in report.findings) == sorted([str(d / "MultiFactorAuthSvc.log"), new,
                                                                str(d / "MultiFactorAuthSvc.log.3")])


def test_fault_a_file_renamed_after_it_was_scanned_is_not_scanned_twice(tmp_path):
    d = tmp_path / "Logs"
    d.mkdir()
    write_log(d / "a.log", [line(1)])
    write_log(d / "b.log", [line(2)])
    seen = []

    def events():
        for event in scan_events_of(d):
            seen.append(event)
            if getattr(event, "path", None) == str(d / "a.log") and not hasattr(event, "user"):
                os.rename(d / "a.log", d / "a.log.1")  # rotated once scanned
            yield event

    statuses = {e.path: e for e in events() if not hasattr(e, "user")}
    renamed = statuses[str(d / "a.log.1")]
    assert renamed.status == "skipped" and "the same file as" in renamed.reason and str(d / "a.log") in renamed.reason
    assert sum(1 for e in seen if hasattr(e, "user")) == 2


def scan_events_of(d):
    from mfalogscan.scanning.pipeline import scan_events

    return scan_events(ScanConfig(paths=(str(d),), subjects=(Subject("jdoe"),)))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_fault_a_proc_file_of_size_zero_is_read_and_said(tmp_path):
    """A /proc-style file reports size 0: it was read as empty, silently."""
    assert os.stat("/proc/self/status").st_size == 0
    proc = cli("/proc/self/status", "-u", "jdoe", "-f", "jsonl", timeout=30)
    s = source(objs(proc), "/status")
    assert s["status"] == "scanned" and s["bytes"] > 0 and s["lines"] > 5
    assert "size of 0 but it holds bytes" in issue_text(s)
    assert proc.returncode == 1
