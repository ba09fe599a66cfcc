"""Whole scans over real files: every container and encoding gives the same findings."""

import bz2
import gzip
import lzma
import os

import pytest

from mfalogscan.scanning.source import scan_found
from mfalogscan.sources.discover import Found

from .conftest import CHANGE, GUID, gzip_bytes, native, sample_lines, text_bytes, zip_bytes
from .helpers import run

LINES = sample_lines(60)
EXPECTED_LINES = [i + 1 for i in range(60) if i % 10 == 3]  # the quoted user-change lines


def plain(report):
    return [(f.line, f.kind, f.role, f.timestamp, f.text) for f in report.findings]


def test_plain_file(write):
    r = run(write("MultiFactorAuthSvc.log", text_bytes(LINES)))
    assert [f.line for f in r.findings] == EXPECTED_LINES
    f = r.findings[0]
    assert (f.category, f.kind, f.role, f.rule, f.quoted, f.format, f.component) == (
        "user-change", "value-changed", "target", "user-change.value-changed", True, "native", "pfsvc")
    assert f.field == "Phone" and f.timestamp == "2024-03-07T18:00:03.006280Z" and f.details["actor"] == "CONTOSO\\admin"
    assert r.sources[0].status == "scanned" and r.sources[0].lines == 60 and r.exit_status() == 0


VARIANTS = {
    "crlf": lambda: text_bytes(LINES, "\r\n"),
    "utf8-bom-crlf": lambda: text_bytes(LINES, "\r\n", bom=True),
    "utf16le-bom": lambda: text_bytes(LINES, "\r\n", "utf-16-le", bom=True),
    "utf16be-bom": lambda: text_bytes(LINES, "\n", "utf-16-be", bom=True),
    "utf16le-nobom": lambda: text_bytes(LINES, "\n", "utf-16-le"),
    "gzip": lambda: gzip_bytes(text_bytes(LINES)),
    "gzip-multi": lambda: gzip_bytes(text_bytes(LINES[:25])) + gzip_bytes(text_bytes(LINES[25:])),
    "bz2": lambda: bz2.compress(text_bytes(LINES)),
    "xz": lambda: lzma.compress(text_bytes(LINES)),
    "gzip-utf16": lambda: gzip_bytes(text_bytes(LINES, "\r\n", "utf-16-le", bom=True)),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_container_and_encoding_gives_the_same_findings(write, variant):
    base = run(write("base.log", text_bytes(LINES)))
    r = run(write(f"v/{variant}.bin", VARIANTS[variant]()))
    assert plain(r) == plain(base)
    assert r.sources[-1].lines == 60 and r.sources[-1].status == "scanned"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_offsets_point_at_the_line_in_the_decompressed_bytes(write, variant):
    data = VARIANTS[variant]()
    r = run(write(f"{variant}.bin", data))
    raw = data
    for opener in (gzip.decompress, bz2.decompress, lzma.decompress):
        try:
            raw = opener(raw)
            break
        except Exception:
            continue
    enc = "utf-16-be" if "be" in variant else "utf-16-le" if "16" in variant else "utf-8"
    for f in r.findings:
        expected = f.text.encode(enc)
        assert raw[f.offset : f.offset + len(expected)] == expected


def test_zip_members_and_nested_gz(write):
    z = zip_bytes({"MultiFactorAuthSvc.log.3": text_bytes(LINES), "old/MultiFactorAuthSvc.log.4.gz": gzip_bytes(text_bytes(LINES))})
    path = write("backup.zip", z)
    r = run(path)
    sources = [s.path for s in r.sources]
    assert sources == [f"{path}!MultiFactorAuthSvc.log.3", f"{path}!old/MultiFactorAuthSvc.log.4.gz", path]
    assert {f.source for f in r.findings} == set(sources[:2])
    assert r.sources[1].compression == "zip+gzip"
    assert len(r.findings) == 2 * len(EXPECTED_LINES)


def test_truncated_gzip_keeps_findings_and_exits_2(write):
    lines = sample_lines(5000)
    z = gzip_bytes(text_bytes(lines))
    r = run(write("MultiFactorAuthSvc.log.2.gz", z[: len(z) // 2]))
    s = r.sources[0]
    assert s.status == "partial" and "truncated" in s.reason
    assert len(r.findings) > 50
    assert r.exit_status() == 2


def test_nul_runs_do_not_hide_lines(write):
    data = text_bytes(LINES[:10]) + b"\0" * 100000 + text_bytes(LINES[10:])
    r = run(write("crashed.log", data))
    assert [f.line for f in r.findings] == EXPECTED_LINES  # the NUL run joins the start of line 11
    assert r.sources[0].nul_bytes == 100000 and r.sources[0].status == "scanned"


def test_binary_file_is_skipped_with_raw_matches(write):
    data = b"SQLite format 3\0" + os.urandom(3000) + b'\0\0"jdoe"\x01\x02' + os.urandom(2000) + '"JDOE"'.encode("utf-16-le")
    r = run(write("PhoneFactor.pfdata", data))
    s = r.sources[0]
    assert s.status == "skipped" and "binary" in s.reason and s.raw_matches == {"jdoe": 2}
    assert r.findings == [] and r.summary.users[0].raw_matches_in_skipped == 2
    assert r.exit_status() == 0  # grep's "binary file matches": never "no findings" (issue 13)


def test_a_5mb_line_is_searched_in_full(write):
    long_line = native("x" * 2_500_000 + ' User "CONTOSO\\admin" changed user "jdoe" value PIN from "1" to "2". ' + "y" * 2_500_000, 1)
    data = text_bytes([native(CHANGE, 0), long_line, native(CHANGE, 2)])
    for chunk in (4 * 1024 * 1024, 65536):
        r = run(write("long.log", data), chunk_size=chunk)
        assert [f.line for f in r.findings] == [1, 2, 3]
        f = r.findings[1]
        assert f.text_truncated and " … " in f.text and '"jdoe"' in f.text and len(f.text) < 3000
        assert f.timestamp == "2024-03-07T18:00:01.006280Z" and f.kind == "value-changed"
        assert f.offset == len(text_bytes([native(CHANGE, 0)]))


def test_continuation_lines_take_their_record(write):
    lines = [
        native("Exception in handler", 1, level="e"),
        "   at Foo.Bar()",
        '   at user "jdoe" lookup',
        native(CHANGE, 2),
    ]
    r = run(write("trace.log", text_bytes(lines)))
    f = r.findings[0]
    assert (f.line, f.record_line, f.timestamp, f.category, f.level) == (3, 1, "2024-03-07T18:00:01.006280Z", "unclassified", "e")
    assert f.text == '   at user "jdoe" lookup'


def test_lines_before_the_first_record_and_foreign_lines_stand_alone(write):
    lines = ['orphan "jdoe" line'] + [native(CHANGE, i) for i in range(5)]
    r = run(write("a.log", text_bytes(lines)))
    f = r.findings[0]
    assert (f.line, f.format, f.timestamp, f.record_line) == (1, "plain", None, 1)
    syslog = 'Mar 07 18:20:20 MFASRV01 pfsvc: User "CONTOSO\\admin" changed user "jdoe" value Phone from "1" to "2".'
    r = run(write("syslog.txt", text_bytes([syslog, "Mar 07 18:20:21 MFASRV01 pfsvc: started"])))
    f = r.findings[0]
    assert (f.format, f.timestamp_raw, f.component, f.kind, f.role) == ("syslog", "Mar 07 18:20:20", "pfsvc", "value-changed", "target")
    r = run(write("garbage.txt", text_bytes(['some "jdoe" text', "more text"])))
    f = r.findings[0]
    assert (f.format, f.timestamp, f.kind) == ("plain", None, "unrecognized")


def test_aliases_are_reported_under_the_first_name_once_per_line(write):
    lines = [native('User "jdoe" changed user "john.doe@contoso.com" value PIN from 1 to 2', 1)]
    r = run(write("a.log", text_bytes(lines)), ("jdoe", "john.doe@contoso.com"))
    assert len(r.findings) == 1
    f = r.findings[0]
    assert (f.user, f.role) == ("jdoe", "self")


def test_mentions_are_counted_always_and_listed_on_request(write):
    path = write("a.log", text_bytes(LINES))
    n_auth = sum(1 for i in range(60) if i % 10 != 3 and i % 7 == 5)
    r = run(path)
    assert all(f.quoted for f in r.findings) and r.summary.users[0].mentions == n_auth
    r = run(path, list_mentions=True)
    mentions = [f for f in r.findings if not f.quoted]
    assert len(mentions) == n_auth and r.summary.users[0].mentions == n_auth
    assert {(f.kind, f.call_status, f.request_id) for f in mentions} == {("mfa-auth", "SUCCESS_NO_PIN", GUID)}


def test_many_users_in_one_pass(write):
    users = [f"user{i:04d}" for i in range(2000)] + ["jdoe"]
    r = run(write("a.log", text_bytes(LINES)), *users)
    assert [f.line for f in r.findings] == EXPECTED_LINES and {f.user for f in r.findings} == {"jdoe"}


def test_undecodable_bytes_are_counted(write):
    data = text_bytes(LINES[:5]) + b"bad \xff\xfe bytes\n" + text_bytes(LINES[5:])
    r = run(write("a.log", data))
    s = r.sources[0]
    assert s.undecodable_bytes == 2 and s.status == "scanned"
    assert any(i.severity == "warning" and "U+FFFD" in i.message for i in s.issues)
    assert r.exit_status() == 0


def test_lone_cr_line_endings(write):
    r = run(write("mac.log", text_bytes(LINES, "\r")))
    assert [f.line for f in r.findings] == EXPECTED_LINES


def test_last_line_without_newline(write):
    data = text_bytes(LINES[:3]) + native(CHANGE, 9).encode()
    r = run(write("a.log", data))
    assert [f.line for f in r.findings] == [4] and r.sources[0].lines == 4


def test_vanished_file_is_reported_not_fatal(tmp_path):
    items = list(scan_found(Found("gone.log", str(tmp_path / "gone.log")), None))
    assert items[0].status == "unreadable" and "no such file" in items[0].reason.lower()


def test_directories_are_walked_in_sorted_order(write, tmp_path):
    for name in ("b/2.log", "a.log", "b/1.log", "c.log"):
        write(name, text_bytes(LINES[:5]))
    r = run(str(tmp_path))
    assert [os.path.relpath(s.path, tmp_path) for s in r.sources] == ["a.log", "b/1.log", "b/2.log", "c.log"]
    os.mkfifo(tmp_path / "pipe")
    r = run(str(tmp_path))
    assert [s.status for s in r.sources if s.path.endswith("pipe")] == ["skipped"]


def test_an_os_error_on_open_is_reported_and_the_scan_goes_on(tmp_path):
    (tmp_path / "adir").mkdir()
    items = list(scan_found(Found("adir", str(tmp_path / "adir")), None))
    assert items[0].status == "unreadable" and "directory" in items[0].reason.lower()


def test_a_read_error_mid_stream_keeps_what_was_read():
    from mfalogscan.scanning.reading import Counts, read_chunks

    class Failing:
        def __init__(self):
            self.calls = 0

        def read(self, n):
            self.calls += 1
            if self.calls > 2:
                raise OSError(5, "Input/output error")
            return b"x" * n

    counts = Counts()
    assert b"".join(read_chunks(Failing(), 10, counts)) == b"x" * 20
    assert counts.issues[0].severity == "lost" and counts.issues[0].offset == 20
    assert "input/output error" in counts.issues[0].message.lower()


def test_forced_code_page(write):
    line = native('User "CONTOSO\\admin" changed user "mgarcía" value Phone from "1" to "2".', 1)
    path = write("cp1252.log", text_bytes([line], encoding="cp1252"))
    r = run(path, "mgarcía")  # not UTF-8, a letter inside a word: read as cp1252, and it says so (issue 13)
    assert [(f.matched, f.kind) for f in r.findings] == [("mgarcía", "value-changed")]
    assert r.sources[0].encoding == "cp1252 (guessed, no BOM)" and r.sources[0].undecodable_bytes == 0
    r = run(path, "mgarcía", encoding="cp1252")
    assert [(f.matched, f.kind) for f in r.findings] == [("mgarcía", "value-changed")]
    assert r.sources[0].encoding == "cp1252 (--encoding)" and r.sources[0].undecodable_bytes == 0


def test_binary_utf16_hits_are_counted_once(write):
    junk = bytes(range(1, 32)) * 40
    data = junk + ' "jdoe" '.encode("utf-16-le") + junk + ' "jdoe" '.encode("utf-16-be") + junk + b'"jdoe"'
    for chunk in (1, 7, 64, 1 << 20):
        r = run(write("blob.bin", data), chunk_size=chunk)
        assert r.sources[0].raw_matches == {"jdoe": 3}, chunk


def test_one_bad_source_does_not_end_the_scan(write, tmp_path, monkeypatch):
    import mfalogscan.scanning.source as pipeline

    write("a.log", text_bytes(LINES))
    write("b.log", text_bytes(LINES))
    real = pipeline.scan_unit

    def flaky(unit, ctx):
        if unit.path.endswith("a.log"):
            raise RuntimeError("boom")
        return real(unit, ctx)

    monkeypatch.setattr(pipeline, "scan_unit", flaky)
    r = run(str(tmp_path))
    assert [s.status for s in r.sources] == ["unreadable", "scanned"]
    assert "internal error" in r.sources[0].reason and "boom" in r.sources[0].reason
    assert len(r.findings) == len(EXPECTED_LINES) and r.exit_status() == 2


def test_a_long_continuation_line_is_classified_by_its_record_alone(write):
    other = native('User "CONTOSO\\admin" changed user "kchen" value Phone from "1" to "2".', 1)
    short = [other, '   at "jdoe" lookup']
    long = [other, "   at " + "x" * 5000 + ' "jdoe" ' + "y" * 5000]
    a = run(write("short.log", text_bytes(short)), max_line=1000).findings[0]
    b = run(write("long.log", text_bytes(long)), max_line=1000).findings[0]
    assert (a.kind, a.role, a.record_line) == (b.kind, b.role, b.record_line) == ("value-changed", "mentioned", 1)


def test_unparsed_lines_are_counted_exactly(write):
    lines = [native(CHANGE, 1, level="e"), "   at Foo()", "", "   at Bar()", native(CHANGE, 2)]
    for chunk in (3, 50, 1 << 20):
        assert run(write("a.log", text_bytes(lines)), chunk_size=chunk).sources[0].unparsed_lines == 3
    syslog = [f"Mar  7 18:20:{i:02d} MFASRV01 pfsvc: line {i}" for i in range(20)]
    syslog[7] = "garbage in the middle"
    r = run(write("s.log", text_bytes(syslog)), max_line=100, chunk_size=64)
    assert r.sources[0].format == "syslog" and r.sources[0].unparsed_lines == 1
    long_first = ["y" * 20000, native(CHANGE, 3)]  # long enough to stream past the guard
    assert run(write("l.log", text_bytes(long_first)), max_line=100, chunk_size=7).sources[0].unparsed_lines == 1


def test_a_clean_csv_export_has_no_unparsed_lines(write):
    rows = ["ReceivedTime,Host,Message"] + [
        f'2024-03-07T13:00:{i:02d}-05:00,MFASRV01,"pfsvc: User ""a"" changed user ""jdoe"" value PIN from 1 to {i}"'
        for i in range(5)
    ]
    r = run(write("export.csv", text_bytes(rows)))
    assert r.sources[0].format == "csv" and r.sources[0].unparsed_lines == 0 and len(r.findings) == 5
