"""verify: a report checked against its sources, and every way they can drift apart."""

import json
from pathlib import Path
import shutil

import pytest
from typer.testing import CliRunner

from mfalogscan.cli import app

from .conftest import gzip_bytes, sample_lines, text_bytes, zip_bytes

runner = CliRunner()


@pytest.fixture
def reported(tmp_path, write):
    write("Logs/MultiFactorAuthSvc.log", text_bytes(sample_lines(40), "\r\n", bom=True))
    write("Logs/MultiFactorAuthSvc.log.1.gz", gzip_bytes(text_bytes(sample_lines(30))))
    write("Logs/old.zip", zip_bytes({"MultiFactorAuthSvc.log.3": text_bytes(sample_lines(20), encoding="utf-16-le", bom=True)}))
    logs = tmp_path / "Logs"
    report = tmp_path / "report.json"
    r = runner.invoke(app, ["scan", str(logs), "--user", "jdoe", "--mentions", "-f", "json", "-o", str(report)])
    assert r.exit_code == 0, r.output
    return logs, report


def check(report, *paths):
    return runner.invoke(app, ["verify", str(report), *map(str, paths)])


def test_an_untouched_report_holds(reported):
    logs, report = reported
    r = check(report)
    assert r.exit_code == 0, r.stdout
    assert r.stdout.splitlines()[-1].startswith("everything holds: 4 source(s), ")
    assert "ok: all" in r.stdout


def test_one_changed_byte_is_found_and_named(reported):
    logs, report = reported
    path = logs / "MultiFactorAuthSvc.log"
    data = bytearray(path.read_bytes())
    i = data.index(b'"jdoe"') + 1
    data[i] = ord("J")  # "jdoe" -> "Jdoe": still a finding, but the line no longer says what the report says
    path.write_bytes(bytes(data))
    r = check(report)
    assert r.exit_code == 1
    assert f"changed: {path}: sha256 in the report" in r.stdout
    assert "finding differs:" in r.stdout and "matched in the report 'jdoe', now 'Jdoe'" in r.stdout


def test_a_deleted_source_is_missing(reported):
    logs, report = reported
    (logs / "MultiFactorAuthSvc.log.1.gz").unlink()
    r = check(report)
    assert r.exit_code == 1 and f"missing: {logs / 'MultiFactorAuthSvc.log.1.gz'}" in r.stdout
    assert "finding gone:" in r.stdout


def test_reordered_lines_are_found(reported):
    logs, report = reported
    path = logs / "MultiFactorAuthSvc.log"
    lines = path.read_bytes().split(b"\r\n")
    lines[3], lines[4] = lines[4], lines[3]
    path.write_bytes(b"\r\n".join(lines))
    r = check(report)
    assert r.exit_code == 1
    assert "finding gone:" in r.stdout and "finding not in the report:" in r.stdout


def test_a_finding_edited_in_the_report_is_found(reported):
    logs, report = reported
    doc = json.loads(report.read_text())
    doc["users"][0]["findings"][0]["text"] = doc["users"][0]["findings"][0]["text"].replace("556", "999")
    report.write_text(json.dumps(doc))
    r = check(report)
    assert r.exit_code == 1 and "finding differs:" in r.stdout and "'text' in the report" not in r.stdout
    assert "text in the report" in r.stdout


def test_a_member_inside_a_zip_is_checked_too(reported):
    logs, report = reported
    doc = json.loads(report.read_text())
    member = [s for s in doc["sources"] if s["path"].endswith("!MultiFactorAuthSvc.log.3")][0]
    member["sha256"] = "0" * 64
    report.write_text(json.dumps(doc))
    r = check(report)
    assert r.exit_code == 1 and "old.zip!MultiFactorAuthSvc.log.3: sha256 in the report '0000" in r.stdout


def test_moved_sources_are_found_where_you_say(reported, tmp_path):
    logs, report = reported
    moved = tmp_path / "elsewhere" / "Logs"
    shutil.move(str(logs), str(moved))
    assert check(report).exit_code == 1
    r = check(report, moved)
    assert r.exit_code == 0, r.stdout
    r = check(report, moved, moved)
    assert r.exit_code == 2 and "give as many PATHs" in r.stderr


def test_a_new_file_among_the_searched_paths_is_a_difference(reported):
    logs, report = reported
    (logs / "MultiFactorAuthSvc.log.9").write_bytes(b"nothing here\n")
    r = check(report)
    assert r.exit_code == 1 and "new: " in r.stdout


@pytest.mark.parametrize("content, words", [(b"{not json", "not a JSON report"), (b'{"x": 1}', "no parameters")])
def test_a_bad_report_is_exit_2(tmp_path, content, words):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    r = check(bad)
    assert r.exit_code == 2 and words in r.stderr and r.stderr.count("\n") == 1


# --- regressions from review ---


def test_trailing_slashes_do_not_matter(reported, tmp_path):
    logs, report = reported
    assert check(report, f"{logs}/").exit_code == 0
    moved = tmp_path / "w2"
    shutil.move(str(logs), str(moved))
    assert check(report, f"{moved}/").exit_code == 0


def test_a_report_made_with_rules_files_verifies_without_them(tmp_path, write):
    write("Logs/a.log", text_bytes(sample_lines(10)))
    rules = write("site.toml", b'[[rule]]\nid = "site.x"\ncategory = "operational"\nkind = "x"\npattern = "changed user"\n')
    report = tmp_path / "r.json"
    assert runner.invoke(app, ["scan", str(tmp_path / "Logs"), "-u", "jdoe", "--rules", rules, "-f", "json", "-o", str(report)]).exit_code == 0
    Path(rules).unlink()
    r = check(report)
    assert r.exit_code == 0 and "classification was not compared" in r.stdout


def tamper(report, change):
    doc = json.loads(report.read_text())
    change(doc)
    report.write_text(json.dumps(doc))
    return check(report)


@pytest.mark.parametrize("what, change, words", [
    ("misattributed", lambda d: d["users"][0]["findings"][0].update(user="kchen"), "finding gone"),
    ("listed twice", lambda d: d["users"][0]["findings"].append(d["users"][0]["findings"][0]), "listed twice: finding"),
    ("counts", lambda d: d["users"][0]["counts"].update(findings=1), "counts differ for jdoe: findings"),
    ("kind", lambda d: d["users"][0]["findings"][0].update(kind="bypass"), "kind in the report 'bypass'"),
    ("record line", lambda d: d["users"][0]["findings"][0].update(record_line=99), "record_line in the report 99"),
    ("issues", lambda d: d["sources"][0].update(issues=[]) or d["sources"][0].update(undecodable_bytes=5), "undecodable_bytes"),
])
def test_reports_that_lie_do_not_verify(reported, what, change, words):
    logs, report = reported
    r = tamper(report, change)
    assert r.exit_code == 1 and words in r.stdout, (what, r.stdout[-400:])


@pytest.mark.parametrize("change", [
    lambda d: d["parameters"].update(paths="Logs"),
    lambda d: d["parameters"].update(users=["jdoe"]),
    lambda d: d["parameters"].update(since="last tuesday"),
    lambda d: d["users"][0]["findings"][0].pop("offset"),
])
def test_malformed_reports_are_one_line_errors(reported, change):
    logs, report = reported
    r = tamper(report, change)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "malformed report" in r.stderr, r.stderr
