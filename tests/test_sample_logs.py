"""sample_logs/ is what its generator makes, and a scan of it shows every family."""

import hashlib
import json
import pathlib
import subprocess
import sys

from typer.testing import CliRunner

from mfalogscan.cli import app

SAMPLES = pathlib.Path(__file__).resolve().parent.parent / "sample_logs"


def digest(folder: pathlib.Path) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_committed_samples_match_the_generator(tmp_path):
    subprocess.run([sys.executable, str(SAMPLES.parent / "tools" / "make_samples.py"), str(tmp_path)], check=True,
                   capture_output=True)
    assert digest(tmp_path) == digest(SAMPLES)


def test_sample_scan_covers_every_family():
    r = CliRunner().invoke(app, ["scan", str(SAMPLES), "--user", "jdoe", "--mentions", "-f", "json"])
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    kinds = set(doc["users"][0]["counts"]["by_kind"])
    assert kinds >= {
        "value-changed", "user-added", "device-added", "device-deleted", "oath-token-changed",
        "mfa-auth", "primary-auth", "oath-validation", "security-question-validation", "radius", "bypass",
        "unrecognized",
    }
    assert set(doc["users"][0]["counts"]["by_role"]) >= {"actor", "self", "target", "subject"}
    statuses = {s["path"].rsplit("/", 1)[-1]: s["status"] for s in doc["sources"]}
    assert statuses["PhoneFactor.pfdata"] == "skipped"
    matched = {f["matched"] for f in doc["users"][0]["findings"]}
    assert "JDoe" in matched and not any(m.lower() in ("jdoe2", "jdoe.admin") for m in matched)
    # The NPS extension's event log (issue 15): read record by record, its sign-ins classified by the NPS rules.
    nps = [f for f in doc["users"][0]["findings"] if f["format"] == "evtx"]
    assert {f["kind"] for f in nps} >= {"access-accepted", "access-rejected"} and all(f["record_id"] for f in nps)
    assert all(f["channel"] == "Microsoft-AzureMfa-AuthZ/AuthZOptCh" and f["event_id"] == 1 for f in nps)


def test_sample_exports_link_to_the_native_log_as_events():
    r = CliRunner().invoke(app, ["scan", str(SAMPLES), "--user", "jdoe", "-f", "json"])
    doc = json.loads(r.stdout)
    formats = {s["path"].rsplit("/", 1)[-1]: (s["format"], s["year_from"]) for s in doc["sources"] if "/exports/" in s["path"]}
    assert formats == {
        "syslog-collector.log.1.gz": ("syslog", "the gzip header's time (2024-03-08)"),
        "syslog-rfc5424.log": ("rfc5424", None),
        "siem-export.csv": ("csv", None),
        "SyslogCatchAll.txt": ("kiwi", None),
    }
    findings = doc["users"][0]["findings"]
    exported = [f for f in findings if "/exports/" in f["source"]]
    assert exported and all(f["duplicate_of"] and "/exports/" not in f["duplicate_of"] for f in exported)
    counts = doc["users"][0]["counts"]
    assert counts["findings"] == len(findings) > counts["events"]
