"""Findings on disk: the store links events as the in-memory reference does, spills give back what they took,
the JSON document is written byte for byte as json.dump would, memory does not follow the number of findings,
and JSON Lines stream while the scan runs."""

from __future__ import annotations

import json
import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfalogscan import ScanConfig, Subject, scan
from mfalogscan.evidence.events import link_events
from mfalogscan.evidence.store import FindingStore
from mfalogscan.model import Finding
from mfalogscan.printers.json_doc import _indented
from mfalogscan.scanning.spill import Spill
from mfalogscan.timeline.policy import instant, iso_utc

from .conftest import native, text_bytes

T0 = datetime(2024, 3, 7, 18, 0, 0, tzinfo=timezone.utc)


def _finding(user: str, source: str, line: int, key: str, seconds: float | None, quoted: bool = True) -> Finding:
    when = None if seconds is None else iso_utc(T0 + timedelta(seconds=seconds), True)
    return Finding(
        user=user, matched=user, source=source, line=line, offset=line * 10, timestamp=when, timestamp_raw=when,
        category="user-change", kind="value-changed", role="target", rule="r", quoted=quoted, format="native",
        component="pfsvc", text=f"text {key}", details={"actor": "a", "target": user}, message_key=key,
    )


_findings = st.lists(
    st.tuples(
        st.sampled_from(["jdoe", "alice"]),
        st.sampled_from(["a.log", "b.log", "c.csv"]),
        st.sampled_from(["k1", "k2"]),
        st.one_of(st.none(), st.integers(0, 40).map(lambda n: n / 4)),
        st.booleans(),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_findings, st.sampled_from([0.0, 1.0, 5.0]))
def test_the_store_links_events_as_the_reference_does(rows, window):
    findings = [_finding(u, s, i + 1, k, t, q) for i, (u, s, k, t, q) in enumerate(rows)]
    expected = link_events(findings, window)
    store = FindingStore()
    try:
        for f in findings:
            store.add(f, instant(f.timestamp))
        store.link(window)
        got = list(store)
        assert [(f.event, f.duplicate_of) for f in got] == [(f.event, f.duplicate_of) for f in expected]
        assert got == expected  # every other field comes back as it went in
        for user in ("jdoe", "alice"):
            assert list(store.of(user)) == [f for f in expected if f.user == user]
        events = list(store.events())
        assert [f"E{n}" for n, *_ in events] == [f"E{i + 1}" for i in range(len(events))]
        members = {(f.user, f.ref) for f in expected}
        assert {(u, ref) for _, u, o, d in events for ref in [o] + d} == members
        assert len({f.event for f in expected}) == len(events)
        if findings:
            assert store.at(len(findings) - 1) == expected[-1]
    finally:
        store.close()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(), max_size=300), st.integers(0, 50))
def test_a_spill_gives_back_everything_in_order(items, limit):
    spill = Spill(limit)
    for item in items:
        spill.append(item)
    assert spill.holds == bool(items)
    assert list(spill) == items
    assert list(spill) == items  # read twice
    spill.close()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_the_fast_indented_encoder_writes_what_json_dumps_writes(value):
    expected = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n    ")
    assert _indented(value, "    ") == expected


def _config(path, **kw) -> ScanConfig:
    return ScanConfig(paths=(str(path),), subjects=(Subject("jdoe"),), **kw)


CHANGE = 'User "NT AUTHORITY\\SYSTEM" changed user "jdoe" value Phone from "+1 555 {n:04d}" to "+1 555 0000".'


def _peak_of_a_scan(write, n: int) -> int:
    lines = [native(CHANGE.format(n=i % 10000), i % 86400) for i in range(n)]
    path = write(f"busy{n}.log", text_bytes(lines))
    tracemalloc.start()
    try:
        report = scan(_config(path, chunk_size=65536))  # chunks in flight are a small, fixed part of the peak
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(report.findings) == n and report.summary.users[0].findings == n
    report.close()
    return peak


def test_memory_does_not_follow_the_number_of_findings(write):
    _peak_of_a_scan(write, 100)  # what is built once (the matcher, the rules, caches) is built here
    small, large = _peak_of_a_scan(write, 3000), _peak_of_a_scan(write, 15000)
    # 12,000 more findings held as objects would take some 30 MB more; on disk only the work in flight stays.
    assert large - small < 2 * 1024 * 1024, (small, large)


def test_findings_reach_the_listener_while_the_source_is_still_being_read(write, monkeypatch):
    from mfalogscan.scanning import reading

    lines = [native(CHANGE.format(n=n), n) for n in range(3000)]
    data = text_bytes(lines)
    path = write("a.log", data)
    read = [0]
    feed = reading.Counts.feed

    def counted(self, chunk):
        read[0] += len(chunk)
        return feed(self, chunk)

    monkeypatch.setattr(reading.Counts, "feed", counted)
    seen, read_at_first = [], []

    def listener(finding):
        if not seen:
            read_at_first.append(read[0])
        seen.append(finding.line)

    report = scan(_config(path, chunk_size=4096), on_finding=listener)
    assert seen == list(range(1, 3001)) and [f.line for f in report.findings] == seen
    assert read[0] == len(data) and read_at_first[0] < len(data) // 2, (read_at_first, len(data))


def test_a_year_less_source_waits_on_disk_and_keeps_its_order(write, monkeypatch):
    import mfalogscan.scanning.source as source

    monkeypatch.setattr(source, "Spill", lambda: Spill(10))  # spill after ten findings
    lines = [f'Mar  7 18:{n // 60 % 60:02d}:{n % 60:02d} MFASRV01 pfsvc: User "a" changed user "jdoe" value PIN from 1 to {n}'
             for n in range(500)]
    path = write("syslog.txt", text_bytes(lines))
    report = scan(_config(path))
    assert [f.line for f in report.findings] == list(range(1, 501))
    assert all(f.timestamp is not None and f.timestamp.endswith("Z") for f in report.findings)


def test_a_busy_source_in_a_worker_comes_back_through_a_file_as_a_serial_run_gives_it(write, monkeypatch, tmp_path):
    import glob
    import tempfile

    from mfalogscan.scanning import parallel

    monkeypatch.setattr(parallel, "_SEND_AT_ONCE", 50)  # forked workers inherit it
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for i in range(3):
        write(f"Logs/{i}.log", text_bytes([native(CHANGE.format(n=n), n) for n in range(400 + i)]))
    serial = scan(_config(tmp_path / "Logs"))
    parallel_run = scan(_config(tmp_path / "Logs", jobs=2))
    assert list(parallel_run.findings) == list(serial.findings) and len(serial.findings) == 1203
    assert parallel_run.sources == serial.sources
    assert not glob.glob(str(tmp_path / "mfalogscan-worker*")), "a worker's file or folder was left behind"


def test_a_unit_that_fails_after_some_findings_says_how_many_were_listed(write, monkeypatch):
    from mfalogscan.scanning import findings as findings_module

    real, calls = findings_module.classify, [0]

    def fails_on_the_hundredth(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 100:
            raise RuntimeError("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr(findings_module, "classify", fails_on_the_hundredth)
    path = write("a.log", text_bytes([native(CHANGE.format(n=n), n) for n in range(300)]))
    report = scan(_config(path))
    (status,) = report.sources
    # The 99 findings made before the error went out as they were found; the status counts them and says so.
    assert len(report.findings) == 99 and report.summary.users[0].findings == 99
    assert status.status == "unreadable" and status.findings == 99
    assert "boom" in status.reason and "the 99 finding(s) found before that are listed" in status.reason
    assert report.exit_status() == 2


def test_workers_still_running_when_the_consumer_stops_leave_no_file(write, monkeypatch, tmp_path):
    import glob
    import tempfile
    import time

    from mfalogscan.scanning import parallel
    from mfalogscan.scanning.pipeline import scan_events

    monkeypatch.setattr(parallel, "_SEND_AT_ONCE", 20)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for i in range(6):
        write(f"Logs/{i}.log", text_bytes([native(CHANGE.format(n=n), n) for n in range(3000)]))
    events = scan_events(_config(tmp_path / "Logs", jobs=2))
    next(events)
    events.close()  # as Ctrl-C or `| head -1` would: the workers go on with what they had started
    deadline = time.monotonic() + 20
    while glob.glob(str(tmp_path / "mfalogscan-worker*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # a worker finishing now finds its folder gone and writes nothing
    assert not glob.glob(str(tmp_path / "mfalogscan-worker*")) and not glob.glob(str(tmp_path / "**/mfalogscan-worker-*"))


def test_a_worker_that_makes_its_file_while_the_parent_removes_the_folder_removes_both(write, monkeypatch, tmp_path):
    # The race CI once lost: the parent has stopped reading and is removing the spool folder; a worker
    # still running makes its file just after the folder was listed. Played here in one process.
    import os
    import tempfile

    from mfalogscan.scanning import parallel
    from mfalogscan.scanning.context import Context
    from mfalogscan.sources.discover import discover

    path = write("a.log", text_bytes([native(CHANGE.format(n=n), n) for n in range(100)]))
    spool = tmp_path / "mfalogscan-workers-x"
    spool.mkdir()
    (spool / parallel._LIVE).touch()
    real_mkstemp = tempfile.mkstemp

    def made_as_the_parent_stops(*args, **kwargs):
        made = real_mkstemp(*args, **kwargs)
        os.unlink(spool / parallel._LIVE)  # the parent's mark goes; its listing of the folder came before this file
        return made

    monkeypatch.setattr(parallel, "_SEND_AT_ONCE", 20)
    monkeypatch.setattr(tempfile, "mkstemp", made_as_the_parent_stops)
    (found,) = discover([str(path)])
    parallel._init(Context(_config(path)), str(spool))
    assert parallel._scan_one(found) == []
    assert not spool.exists()


def test_where_an_open_file_cannot_be_unlinked_the_store_is_removed_when_the_scan_ends(write, monkeypatch, tmp_path):
    import glob
    import tempfile

    from typer.testing import CliRunner

    from mfalogscan.cli import app
    from mfalogscan.evidence import store

    monkeypatch.setattr(store, "_UNLINK_WHILE_OPEN", False)  # as on Windows: the file stays until the store is closed
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    path = write("a.log", text_bytes([native(CHANGE.format(n=n), n) for n in range(50)]))
    result = CliRunner().invoke(app, ["scan", str(path), "--user", "jdoe", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert not glob.glob(str(tmp_path / "tmp" / "mfalogscan-*")), "the findings' store was left behind"


@pytest.mark.parametrize("fails", ["in the scan", "in the printer"])
def test_where_an_open_file_cannot_be_unlinked_an_error_exit_leaves_no_store_either(write, monkeypatch, tmp_path, fails):
    import glob
    import tempfile

    from typer.testing import CliRunner

    from mfalogscan.cli import app
    from mfalogscan.evidence import store
    from mfalogscan.printers import csv_rows
    from mfalogscan.scanning import findings as findings_module

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(store, "_UNLINK_WHILE_OPEN", False)  # as on Windows
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    if fails == "in the scan":
        real, calls = findings_module.classify, [0]

        def fails_on_the_tenth(*args, **kwargs):
            calls[0] += 1
            if calls[0] == 10:
                raise KeyboardInterrupt
            return real(*args, **kwargs)

        monkeypatch.setattr(findings_module, "classify", fails_on_the_tenth)
    else:
        monkeypatch.setattr(csv_rows, "write", boom)
    path = write("a.log", text_bytes([native(CHANGE.format(n=n), n) for n in range(50)]))
    result = CliRunner().invoke(app, ["scan", str(path), "--user", "jdoe", "-f", "csv"])
    assert result.exit_code in (2, 130), result.output
    assert not glob.glob(str(tmp_path / "tmp" / "mfalogscan-*")), "the findings' store was left behind"
