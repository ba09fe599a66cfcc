"""The command line, through typer's CliRunner and through a real subprocess."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mfalogscan.cli import app

from .conftest import CHANGE, gzip_bytes, native, sample_lines, text_bytes

runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(app, ["scan", *args], input=input)


@pytest.fixture
def logs(write):
    write("Logs/MultiFactorAuthSvc.log", text_bytes(sample_lines(30), "\r\n", bom=True))
    return write("Logs/MultiFactorAuthSvc.log.1.gz", gzip_bytes(text_bytes(sample_lines(20)))).rsplit("/", 1)[0]


def jsonl(output):
    return [json.loads(line) for line in output.splitlines()]


def test_jsonl_is_the_default_off_a_terminal(logs):
    r = invoke(logs, "--user", "jdoe")
    assert r.exit_code == 0, r.output
    objs = jsonl(r.stdout)
    types = [o["type"] for o in objs]
    events = types.count("event")
    assert types == ["finding"] * 5 + ["event"] * events + ["source", "source", "summary"]
    assert objs[-1]["users"][0]["findings"] == 5 and objs[-1]["events"] == events
    # Findings stream before events are linked; the event objects name every finding exactly once.
    findings = [f"{o['source']}:{o['line']}" for o in objs if o["type"] == "finding"]
    assert all(o["event"] is None and o["duplicate_of"] is None for o in objs if o["type"] == "finding")
    linked = [ref for o in objs if o["type"] == "event" for ref in [o["original"]] + o["duplicates"]]
    assert sorted(linked) == sorted(findings)


def test_exit_1_when_nothing_is_found(logs):
    r = invoke(logs, "--user", "nobody", "-f", "table")
    assert r.exit_code == 1
    assert "No quoted occurrence of 'nobody' in 2 source(s), 50 lines searched." in r.stdout


def test_exit_2_with_findings_when_a_source_is_damaged(logs, write):
    z = gzip_bytes(text_bytes(sample_lines(3000)))
    write("Logs/MultiFactorAuthSvc.log.2.gz", z[: len(z) // 2])
    r = invoke(logs, "--user", "jdoe")
    assert r.exit_code == 2
    assert any(o["type"] == "finding" for o in jsonl(r.stdout))
    assert "could not be read in full" in r.stderr and "truncated" in r.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["--user", "jdoe"], "no PATH given"),
        (["/no/such/dir", "--user", "jdoe"], "no such file or directory: /no/such/dir"),
        (["LOGS"], "no user to search for"),
        (["LOGS", "--user", '"jdoe"'], "double quote"),
        (["LOGS", "--user", ""], "empty user name"),
        (["LOGS", "--user", "jdoe", "--encoding", "klingon"], "unknown encoding"),
        (["LOGS", "--user", "jdoe", "--rules", "/no/rules.toml"], "cannot read rules file"),
        (["LOGS", "--user", "jdoe", "--users-file", "/no/users.txt"], "cannot read users file"),
        (["LOGS", "--user", "jdoe", "--output", "/no/such/dir/out.json"], "cannot open the output folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(logs, args, words):
    r = invoke(*[logs if a == "LOGS" else a for a in args])
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and words in r.stderr and r.stderr.startswith("mfalogscan: error: ")
    assert "Traceback" not in r.output and r.stdout == ""


def test_bad_option_is_exit_2(logs):
    r = invoke(logs, "--user", "jdoe", "--format", "xml")
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_broken_rules_file_names_the_line(logs, write):
    rules = write("rules.toml", b'[[rule]]\nid = "x"\ncategory = "operational"\nkind = "k"\npattern = "(x"\n')
    r = invoke(logs, "--user", "jdoe", "--rules", rules)
    assert r.exit_code == 2 and f"{rules}:5: rule 'x': bad regular expression" in r.stderr


def test_users_file_with_aliases_and_comments(logs, write):
    users = write("users.txt", b"# subjects\n\njdoe\tjohn.doe@contoso.com\tJohn.Doe\nkchen\n")
    r = invoke(logs, "--users-file", users, "-f", "json")
    doc = json.loads(r.stdout)
    assert [(u["user"], u["aliases"]) for u in doc["users"]] == [
        ("jdoe", ["john.doe@contoso.com", "John.Doe"]),
        ("kchen", []),
    ]
    assert doc["users"][0]["counts"]["findings"] == 5 and doc["users"][1]["counts"]["findings"] > 0
    assert doc["parameters"]["users"][0]["aliases"] == ["john.doe@contoso.com", "John.Doe"]


def test_a_users_file_line_of_comma_separated_aliases_is_refused_not_searched_as_one_name(logs, write):
    """Issue 15's trial: `jdoe, CONTOSO\\jdoe` was one name, found nowhere: 0 findings read as "nothing held"."""
    users = write("users.txt", b"kchen\njdoe, CONTOSO\\jdoe, jdoe@contoso.com\n")
    r = invoke(logs, "--users-file", users)
    assert r.exit_code == 2
    assert f"{users}:2: 'jdoe, CONTOSO\\jdoe, jdoe@contoso.com' holds ', ': separate a person's names with tabs" \
        in r.stderr
    dn = write("dn.txt", b"CN=Doe\\, John,OU=Staff,DC=contoso,DC=com\n")  # a distinguished name is one name
    assert invoke(logs, "--users-file", dn).exit_code in (0, 1)


def test_users_file_in_utf16(logs, write):
    users = write("users.txt", b"\xff\xfe" + "jdoe\r\n".encode("utf-16-le"))
    assert invoke(logs, "--users-file", users).exit_code == 0


def test_conflicting_aliases_are_an_error(logs, write):
    users = write("users.txt", b"jdoe\tshared\nkchen\tshared\n")
    r = invoke(logs, "--users-file", users)
    assert r.exit_code == 2 and "'shared' is given for two different people" in r.stderr


def test_json_document_shape(logs):
    doc = json.loads(invoke(logs, "--user", "jdoe", "-f", "json", "--mentions").stdout)
    assert doc["tool"] == "mfalogscan" and doc["version"]
    assert doc["parameters"]["mentions"] is True and len(doc["rules_sha256"]) == 64
    assert [s["status"] for s in doc["sources"]] == ["scanned", "scanned"]
    user = doc["users"][0]
    assert set(user["counts"]["by_category"]) == {"user-change", "operational"}
    assert user["first_seen"] <= user["last_seen"]
    assert all(f["type"] == "finding" for f in user["findings"])


def test_csv_rows_and_formula_neutralising(logs, write):
    write("Logs/evil.log", text_bytes([native('User "jdoe" changed user "jdoe" value Note from "1" to "2".', 1)]))
    write("Logs/evil2.log", text_bytes(['=HYPERLINK("http://x") "jdoe"']))
    r = invoke(logs, "--user", "jdoe", "-f", "csv")
    assert r.stdout_bytes.count(b"\r\n") == 8  # header + 7 rows, RFC 4180 line ends
    assert r.stdout_bytes.startswith(b"\xef\xbb\xbfuser,")  # the BOM Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(r.stdout_bytes.decode("utf-8-sig"), newline="")))
    assert len(rows) == 7 and rows[0]["user"] == "jdoe" and rows[0]["quoted"] == "true"
    evil = [row for row in rows if row["source"].endswith("evil2.log")][0]
    assert evil["text"].startswith("'=HYPERLINK")


def test_table_fits_100_columns(logs):
    r = invoke(logs, "--user", "jdoe", "-f", "table", "--mentions")
    assert r.exit_code == 0
    assert [line for line in r.stdout.splitlines() if len(line) > 100] == []
    assert "value-changed" in r.stdout and "mfa-auth (m)" in r.stdout and "(m) = unquoted mention" in r.stdout


def test_table_with_several_users_has_a_user_column(logs):
    r = invoke(logs, "--user", "jdoe", "--user", "kchen", "-f", "table")
    assert [line for line in r.stdout.splitlines() if len(line) > 100] == []
    header = [line for line in r.stdout.splitlines() if line.startswith("time (UTC)")][0]
    assert header.split()[:6] == ["time", "(UTC)", "line", "user", "cat.", "kind"]


def test_output_file(logs, tmp_path):
    out = tmp_path / "out.jsonl"
    r = invoke(logs, "--user", "jdoe", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    assert jsonl(out.read_text())[-1]["type"] == "summary"


def test_standard_input(logs):
    data = text_bytes(sample_lines(30))
    r = runner.invoke(app, ["scan", "-", "--user", "jdoe"], input=data)
    objs = jsonl(r.stdout)
    assert r.exit_code == 0 and objs[0]["source"] == "(standard input)" and objs[0]["line"] == 4


def test_output_is_deterministic(logs, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1709856000")  # fixes the run time, as the docs say
    a = invoke(logs, "--user", "jdoe", "-f", "json").stdout
    b = invoke(logs, "--user", "jdoe", "-f", "json").stdout
    assert a == b


# --- a real process ---


def run_cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "mfalogscan", *args], capture_output=True, **kw)


def test_subprocess_exit_codes_and_streams(logs):
    ok = run_cli("scan", logs, "--user", "jdoe")
    types = [json.loads(line)["type"] for line in ok.stdout.splitlines()]
    assert ok.returncode == 0 and ok.stderr == b"" and types.count("finding") == 5 and types[-3:] == ["source", "source", "summary"]
    none = run_cli("scan", logs, "--user", "nobody")
    assert none.returncode == 1
    bad = run_cli("scan", logs)
    assert bad.returncode == 2 and bad.stdout == b"" and bad.stderr.count(b"\n") == 1


def test_subprocess_stdin_gzip(logs):
    p = run_cli("scan", "-", "--user", "jdoe", input=gzip_bytes(text_bytes(sample_lines(30))))
    assert p.returncode == 0 and b'"compression":"gzip"' in p.stdout


def test_pipe_closed_early_ends_quietly(write):
    path = write("big.log", text_bytes([native(CHANGE, i % 3600) for i in range(20000)]))
    p = subprocess.run(
        f"{sys.executable} -m mfalogscan scan {path} --user jdoe | head -1", shell=True, capture_output=True
    )
    assert p.stdout.count(b"\n") == 1 and p.stderr == b""


def test_version_and_help():
    assert run_cli("--version").stdout.startswith(b"mfalogscan ")
    h = run_cli("scan", "--help")
    assert h.returncode == 0 and b"--users-file" in h.stdout


def test_time_options_through_the_command(logs, write, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1709856000")  # now = 2024-03-08T00:00:00Z
    write("Logs/syslog.txt", b'Mar  7 12:00:00 MFASRV01 pfsvc: User "a" changed user "jdoe" value PIN from 1 to 2\n')
    # 12:00 at +01:00 is 11:00Z; 13h before now is exactly 11:00Z, and --since is inclusive.
    r = invoke(logs, "--user", "jdoe", "--since", "13h", "--timezone", "+01:00", "--year", "2024", "-f", "json")
    doc = json.loads(r.stdout)
    assert doc["parameters"]["since"] == "2024-03-07T11:00:00+00:00" and doc["parameters"]["timezone"] == "+01:00"
    syslog = [f for f in doc["users"][0]["findings"] if f["format"] == "syslog"]
    assert [(f["timestamp"], f["timestamp_raw"]) for f in syslog] == [("2024-03-07T11:00:00Z", "Mar  7 12:00:00")]
    source = [s for s in doc["sources"] if s["path"].endswith("syslog.txt")][0]
    assert source["timezone"].startswith("+01:00") and source["year_from"] == "--year 2024"
    r = invoke(logs, "--user", "jdoe", "--since", "12h", "--timezone", "+01:00", "--year", "2024", "-f", "json")
    doc = json.loads(r.stdout)
    assert not [f for f in doc["users"][0]["findings"] if f["format"] == "syslog"]
    assert doc["users"][0]["counts"]["outside_window"] == 1


def test_forced_framing_and_bad_time_options(logs):
    r = invoke(logs, "--user", "jdoe", "--framing", "plain", "-f", "json")
    assert {f["format"] for f in json.loads(r.stdout)["users"][0]["findings"]} == {"plain"}
    for args, words in ((["--framing", "xml"], "unknown framing 'xml'"), (["--year", "soon"], "invalid value for '--year'"),
                        (["--until", "whenever"], "--until: cannot read 'whenever'")):
        r = invoke(logs, "--user", "jdoe", *args)
        assert r.exit_code == 2 and words in r.stderr and "Traceback" not in r.output
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("mfalogscan: error: ")  # one line, no usage block


def test_json_reports_are_byte_identical_under_source_date_epoch(logs, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1709856000")
    a = invoke(logs, "--user", "jdoe", "-f", "json", "--retention-days", "30").stdout
    b = invoke(logs, "--user", "jdoe", "-f", "json", "--retention-days", "30").stdout
    doc = json.loads(a)
    assert a == b and doc["generated_at"] == "2024-03-08T00:00:00Z" and doc["parameters"]["as_of"] == "2024-03-08T00:00:00Z"


def test_report_files_are_private_never_overwritten_and_never_through_links(logs, tmp_path):
    import os
    import stat

    out = tmp_path / "report.json"
    assert invoke(logs, "--user", "jdoe", "-f", "json", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    r = invoke(logs, "--user", "jdoe", "-f", "json", "-o", str(out))
    assert r.exit_code == 2 and "exists; give --force" in r.stderr
    os.chmod(out, 0o644)
    assert invoke(logs, "--user", "jdoe", "-f", "json", "-o", str(out), "--force").exit_code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    target = tmp_path / "someone-elses-file"
    target.write_text("keep me")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    for extra in ([], ["--force"]):
        r = invoke(logs, "--user", "jdoe", "-f", "json", "-o", str(link), *extra)
        assert r.exit_code == 2 and "symbolic link" in r.stderr
    assert target.read_text() == "keep me"


def test_devices_and_fifos_are_written_to_never_replaced(logs, tmp_path):
    import os
    import stat
    import threading

    assert invoke(logs, "--user", "jdoe", "-o", "/dev/null").exit_code == 0
    assert invoke(logs, "--user", "jdoe", "-o", "/dev/null", "--force").exit_code == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    assert invoke(logs, "--user", "jdoe", "-o", str(fifo)).exit_code == 0
    reader.join(10)
    assert got and got[0].count(b'"type":"finding"') == 5 and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_table_names_each_persons_raw_matches_in_skipped_files(logs, write):
    write("Logs/PhoneFactor.pfdata", b"\0\1\2\3" * 500 + b'"jdoe"\0\1"kchen"\0\1"jdoe"' + b"\0\1\2" * 500)
    out = invoke(logs, "--user", "jdoe", "--user", "kchen", "-f", "table").stdout
    skipped = " ".join(out.split("skipped:", 1)[1].split("\n\n")[0].split())  # the line, folded to the width
    assert "[raw quoted matches: jdoe 2, kchen 1]" in skipped


def test_no_progress_line_over_json_lines_streamed_to_stdout(logs, tmp_path):
    """stderr on a terminal, findings piped to stdout (`| head` shows them on that terminal): no progress line
    there to garble them; with --output FILE the line is drawn as before."""
    import os
    import pty

    def stderr_on_a_terminal(*extra):
        from .helpers import stderr_on_a_terminal as run

        status, stdout, seen = run(["scan", logs, "--user", "jdoe", "-f", "jsonl", *extra], timeout=120)
        return subprocess.CompletedProcess([], status, stdout), seen

    streamed, seen = stderr_on_a_terminal()
    assert streamed.returncode == 0 and b'"type":"finding"' in streamed.stdout and b" done " not in seen
    to_file, seen = stderr_on_a_terminal("-o", str(tmp_path / "out.jsonl"))
    import re

    assert to_file.returncode == 0 and b" done " in seen  # sources done, and bytes read of the total:
    assert re.search(rb"\d+(\.\d+)?/\d+(\.\d+)? (bytes|kB|MB)", seen), seen[-300:]
    piped = subprocess.run([sys.executable, "-m", "mfalogscan", "scan", logs, "--user", "jdoe", "-o",
                            str(tmp_path / "out2.jsonl")], capture_output=True, timeout=120)
    assert piped.returncode == 0 and piped.stderr == f"mfalogscan: wrote {tmp_path / 'out2.jsonl'}\n".encode()  # no progress


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_counts_the_bytes_read_inside_large_sources_and_across_workers(tmp_path, jobs, monkeypatch):
    from mfalogscan import ScanConfig, Subject, scan
    from mfalogscan.sources import meter

    logs = tmp_path / "Logs"
    logs.mkdir()
    sizes = []
    for name in ("MultiFactorAuthSvc.log", "MultiFactorAuthSvc.log.1"):
        data = text_bytes(sample_lines(40000))
        (logs / name).write_bytes(data)
        sizes.append(len(data))
    fresh = meter.Meter()
    fresh.enabled = True
    monkeypatch.setattr(meter, "METER", fresh)
    for module in ("mfalogscan.scanning.reading", "mfalogscan.scanning.source", "mfalogscan.scanning.pipeline",
                   "mfalogscan.scanning.parallel"):
        monkeypatch.setattr(f"{module}.METER", fresh)
    seen = []
    tick = fresh.tick

    def watched():
        tick()
        seen.append(fresh.done)

    monkeypatch.setattr(fresh, "tick", watched)
    report = scan(ScanConfig(paths=(str(logs),), subjects=(Subject("jdoe"),), chunk_size=64 * 1024, jobs=jobs))
    assert report.summary.findings
    assert fresh.total == sum(sizes) and fresh.done == sum(sizes)  # every byte listed is counted once
    if jobs == 1:  # inside each file, not only when it is done
        assert len(set(seen)) > 10 and seen == sorted(seen) and min(seen) < sizes[0] // 2


def test_a_library_config_naming_one_person_twice_is_refused_not_counted_twice(logs):
    from mfalogscan import scan
    from mfalogscan.config import ScanConfig, Subject
    from mfalogscan.errors import ConfigError

    with pytest.raises(ConfigError, match="subject 'jdoe' is given twice"):
        scan(ScanConfig(paths=(str(logs),), subjects=(Subject("jdoe"), Subject("jdoe", ("john.doe",)))))


def test_the_same_user_given_twice_on_the_command_line_is_one_person(logs):
    once = json.loads(invoke(logs, "--user", "jdoe", "-f", "json").stdout)
    twice = json.loads(invoke(logs, "--user", "jdoe", "--user", "jdoe", "-f", "json").stdout)
    assert [u["counts"] for u in twice["users"]] == [u["counts"] for u in once["users"]]


# --- issue 14: help a person can read, errors in one line, formats from the file name ---


def _run(*args, **kw):
    import subprocess
    import sys

    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "mfalogscan", *map(str, args)], stderr=subprocess.PIPE, text=True, **kw)


def test_help_has_h_examples_exit_status_and_completion():
    for args, words in ((["-h"], "Exit status: 0 findings"), (["scan", "-h"], "Exit status: 0 findings"),
                        (["verify", "--help"], "Exit status: 0 everything holds"), (["check", "-h"], "no seal at all"),
                        (["keygen", "-h"], "never overwritten")):
        r = runner.invoke(app, args)
        assert r.exit_code == 0 and words in r.stdout, args
    top = runner.invoke(app, ["--help"]).stdout
    assert "Examples:" in top and "--install-completion" in top and "<list[str]>" not in top
    scan_help = runner.invoke(app, ["scan", "--help"]).stdout
    assert "mfalogscan scan Logs backups/*.zip -u jdoe" in scan_help and "<list[str]>" not in scan_help


@pytest.mark.parametrize("args, words", [
    (["scan", "--bogus"], "error: no such option '--bogus'"),
    (["scan", "x", "--year", "0"], "error: invalid value for '--year': 0 is not in the range 1<=x<=9999"),
    (["scan", "x", "--jobs", "-1"], "error: invalid value for '--jobs'"),
    (["frobnicate"], "error: no such command 'frobnicate'"),
])
def test_fault_a_bad_option_is_one_line_not_a_usage_block(args, words):
    r = _run(*args)
    assert r.returncode == 2 and r.stderr.startswith("mfalogscan: " + words), r.stderr
    assert r.stderr.count("\n") == 1 and "Usage:" not in r.stderr and r.stdout == ""
    assert r.stderr.rstrip().endswith("--help")  # where to look next


def test_since_after_until_is_refused(logs):
    r = invoke(logs, "-u", "jdoe", "--since", "2024-03-01", "--until", "2024-01-01")
    assert r.exit_code == 2 and "is later than --until" in r.stderr and r.stderr.count("\n") == 1


def test_the_format_follows_the_output_files_extension(logs, tmp_path):
    for ext, start in ((".html", b"<!DOCTYPE html>"), (".md", b"# MFA Server log findings"), (".csv", b"\xef\xbb\xbfuser,"),
                       (".json", b'{\n  "tool"'), (".jsonl", b'{"type":"finding"'), (".txt", b"Searched ")):
        out = tmp_path / f"r{ext}"
        r = invoke(logs, "-u", "jdoe", "-o", str(out))
        assert r.exit_code == 0 and out.read_bytes().startswith(start), (ext, r.stderr)
    r = invoke(logs, "-u", "jdoe", "-o", str(tmp_path / "x.html"), "-f", "csv")
    assert r.exit_code == 2 and "--format csv but --output" in r.stderr and not (tmp_path / "x.html").exists()
    r = invoke(logs, "-u", "jdoe", "-o", str(tmp_path / "x.out"))
    assert r.exit_code == 0 and "writing JSON Lines to" in r.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("fmt", ["jsonl", "json", "table", "markdown"])
def test_fault_a_full_disk_is_one_line_not_an_internal_error(logs, fmt):
    """A full disk was 'internal error: OSError'."""
    with open("/dev/full", "w") as full:
        r = _run("scan", logs, "-u", "jdoe", "-f", fmt, stdout=full)
    assert r.returncode == 2 and r.stderr.splitlines()[0] == "mfalogscan: error: cannot write the output: No space left on device"
    r = _run("scan", logs, "-u", "jdoe", "-f", fmt, "-o", "/dev/full")
    assert r.returncode == 2 and "No space left on device" in r.stderr and "internal error" not in r.stderr


def test_fault_a_closed_pipe_on_windows_is_einval_and_ends_quietly(logs, monkeypatch):
    """Windows reports a write to a closed pipe as OSError(EINVAL), not BrokenPipeError."""
    import errno

    from mfalogscan import printers
    from mfalogscan.cli import guard as scan_cli

    def closed(report, out):
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(printers, "get", lambda name: closed)
    monkeypatch.setattr(scan_cli, "WINDOWS", True)
    r = invoke(logs, "-u", "jdoe", "-f", "json")
    assert r.exit_code == 141 and r.stderr == ""
    monkeypatch.setattr(scan_cli, "WINDOWS", False)  # elsewhere EINVAL is not a closed pipe: an error, said
    r = invoke(logs, "-u", "jdoe", "-f", "json")
    assert r.exit_code == 2 and "cannot write: Invalid argument" in r.stderr
