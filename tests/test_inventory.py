"""The data map (issue 16, in progress): identities found with no names given, counted as a scan counts them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mfalogscan import ScanConfig, scan
from mfalogscan.config import read_users_file
from mfalogscan.inventory import inventory

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def cli(*args, cwd=None):
    p = subprocess.run([sys.executable, "-m", "mfalogscan", *map(str, args)], capture_output=True, text=True,
                       timeout=600, cwd=cwd or Path(__file__).resolve().parent.parent)
    assert "Traceback" not in p.stderr, p.stderr
    return p


def test_the_samples_identities_are_found_with_no_names_given():
    m = inventory(ScanConfig(paths=(str(SAMPLES),), subjects=(), discovering=True))
    try:
        names = {e.identity for e in m.identities}
        # actors and targets of user changes, users of authentication records, near-misses kept apart
        assert {"jdoe", "alice.smith@contoso.com", "mgarcía", "CONTOSO\\admin", "jdoe2", "jdoe.admin"} <= names
        jdoe = next(e for e in m.identities if e.identity == "jdoe")
        assert jdoe.findings == 41 and jdoe.by_category["user-change"] == 21  # what `scan -u jdoe` finds
        assert len({e.key for e in m.identities}) == len(m.identities)  # case and Unicode forms are one identity
    finally:
        m.close()


def test_the_maps_csv_given_back_as_a_users_file_finds_exactly_what_the_map_counted(tmp_path):
    map_csv = tmp_path / "map.csv"
    made = cli("inventory", SAMPLES, "-f", "csv", "-o", map_csv, "--as-of", "2024-03-08")
    assert made.returncode == 0, made.stderr
    people = read_users_file(str(map_csv))
    assert len(people) >= 30
    doc = json.loads(cli("scan", SAMPLES, "--users-file", map_csv, "-f", "json", "--as-of", "2024-03-08").stdout)
    scanned = {u["user"]: u["counts"] for u in doc["users"]}
    rows = {r.split(",")[0]: r for r in map_csv.read_text(encoding="utf-8-sig").splitlines()[1:]}
    m = json.loads(cli("inventory", SAMPLES, "-f", "json", "--as-of", "2024-03-08").stdout)
    for e in m["identities"]:
        got = scanned[e["identity"]]
        assert (got["findings"], got["by_category"], got["by_kind"], got["by_role"], got["past_retention"],
                got["undated"]) == (e["findings"], e["by_category"], e["by_kind"], e["by_role"], e["past_retention"],
                                    e["undated"]), e["identity"]
        # The map's mentions are the lines whose record names the identity without double quotes; a scan
        # counts every unquoted occurrence, so it may count more (docs/output.md).
        assert e["mentions"] <= got["mentions"], e["identity"]
    assert len(rows) == len(m["identities"])


def _native(stamp: str, message: str, request: bool = False) -> str:
    guid = "|2760e0c0-f07c-6e7d-3b98-2e7ae11ea1f9" if request else ""
    return f"{stamp}|i|2960|4036|pfsvc{guid}|{message}\r\n"


def test_a_map_of_known_identities_is_exact(tmp_path):
    nfc, nfd = "Jos\u00e9", "Jose\u0301"
    current = "".join([
        _native("2026-11-20T10:00:00.000000Z", 'User "CONTOSO\\admin" changed user "JDoe" value Phone from "1" to "2".'),
        _native("2026-11-20T10:01:00.000000Z", 'User "CONTOSO\\admin" added new user "jdoe"'),
        _native("2026-11-20T10:02:00.000000Z", f'User "CONTOSO\\admin" added new user "{nfc}"'),
        _native("2026-11-20T10:03:00.000000Z", f'User "{nfd}" deleted user record "jdoe"'),
        _native("2026-11-20T10:04:00.000000Z", "Pfauth succeeded for user 'alice' from 10.0.0.1. Call status: "
                'SUCCESS_NO_PIN - "Only # Entered".', request=True),
        _native("2026-11-20T10:05:00.000000Z", "Nothing about anybody."),
    ])
    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(current.encode())
    old = _native("2026-01-05T08:00:00.000000Z", 'User "CONTOSO\\admin" changed user "olduser" value Email from '
                  '"a@x" to "b@x".')
    (tmp_path / "MultiFactorAuthSvc.log.1").write_bytes(old.encode())
    from datetime import datetime, timezone

    m = inventory(ScanConfig(paths=(str(tmp_path),), subjects=(), discovering=True,
                             as_of=datetime(2026, 12, 1, tzinfo=timezone.utc)))
    try:
        got = {e.identity: (e.findings, e.mentions, dict(e.by_role), e.past_retention) for e in m.identities}
        assert got == {
            "alice": (0, 1, {}, 0),
            "CONTOSO\\admin": (4, 0, {"actor": 4}, 1),
            "JDoe": (3, 0, {"target": 3}, 0),  # JDoe and jdoe: one identity, named as first written
            nfc: (2, 0, {"target": 1, "actor": 1}, 0),  # composed and decomposed: one identity
            "olduser": (1, 0, {"target": 1}, 1),
        }, got
        sources = {s.path.rsplit("/", 1)[-1]: s for s in m.sources}
        old_src, cur_src = sources["MultiFactorAuthSvc.log.1"], sources["MultiFactorAuthSvc.log"]
        assert (old_src.lines_past_retention, old_src.bytes_past_retention) == (1, len(old))
        assert (cur_src.lines_past_retention, cur_src.identities) == (0, 4)
        (rotation,) = m.rotation_sets
        assert (rotation.files, rotation.first_timestamp, rotation.lines_past_retention) == (
            2, "2026-01-05T08:00:00Z", 1)
        assert m.summary()["sources_past_retention"] == 1 and m.summary()["identities_past_retention"] == 2
    finally:
        m.close()


def test_a_source_not_read_in_full_makes_the_inventory_exit_2_and_says_so(tmp_path):
    from datetime import datetime, timezone

    from .evtx_builder import Event, build_evtx

    events = [Event(r, datetime(2026, 11, 1, tzinfo=timezone.utc), data=[("TargetUserName", f"user{r}")])
              for r in range(1, 41)]
    (tmp_path / "cut.evtx").write_bytes(build_evtx(events, per_chunk=20, damage={1: "cut"}))
    res = cli("inventory", tmp_path, "-f", "jsonl")
    assert res.returncode == 2 and "1 source(s) could not be read in full" in res.stderr
    names = {json.loads(x)["identity"] for x in res.stdout.splitlines() if '"type":"identity"' in x}
    assert {f"user{r}" for r in range(1, 21)} <= names  # the chunk before the cut


def test_the_table_and_the_reports_show_the_map_and_the_reports_can_hide_names():
    table = cli("inventory", SAMPLES, "-f", "table", "--as-of", "2024-03-08")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].startswith("38 identities in 14 source(s); 2 source(s) hold records older than 90 days")
    assert all(len(x) <= 100 and x == x.rstrip() for x in lines)  # 100 columns to a pipe, no trailing spaces
    assert any(x.startswith("jdoe ") for x in lines)
    report = cli("inventory", SAMPLES, "-f", "markdown", "--as-of", "2024-03-08", "--pseudonyms").stdout
    assert "| person 1 |" in report and "jdoe" not in report and "alice.smith" not in report
    # what the counts are, said where they are read (a scan for a name may count more mentions)
    assert "Mentions count the lines whose record names the identity without double quotes" in report
    html = cli("inventory", SAMPLES, "-f", "html", "--as-of", "2024-03-08").stdout
    assert html.startswith("<!DOCTYPE html>") and "<td>jdoe</td>" in html and "<script" not in html
    assert "so it may count more. Sources are the files holding either.</p>" in html


def test_the_maps_files_are_never_read_as_input(tmp_path):
    for fmt in ("jsonl", "json", "csv", "markdown", "html"):
        assert cli("inventory", SAMPLES, "-f", fmt, "-o", tmp_path / f"map.{fmt}", "--as-of", "2024-03-08").returncode == 0
    doc = json.loads(cli("scan", tmp_path, "-u", "jdoe", "-f", "json").stdout)
    maps = [s for s in doc["sources"] if not s["path"].endswith(".sha256")]
    assert len(maps) == 5 and all(s["status"] == "skipped" and "an output of mfalogscan" in s["reason"] for s in maps)
    assert doc["users"][0]["counts"]["findings"] == 0


def test_inventory_says_what_scan_says_after_writing(tmp_path, monkeypatch):
    """A review: inventory -o left out scan's notes (raw matches in a binary) and, on Windows, what protects the file."""
    from typer.testing import CliRunner

    from mfalogscan.cli import app, guard

    monkeypatch.setattr(guard, "WINDOWS", True)
    r = CliRunner().invoke(app, ["inventory", str(SAMPLES), "-o", str(tmp_path / "map.csv"), "--as-of", "2024-03-08"])
    assert r.exit_code == 0
    assert "PhoneFactor.pfdata: binary file matches: raw quoted occurrences of" in r.stderr
    assert "it has the permissions of its folder (its ACL)" in r.stderr and f"wrote {tmp_path / 'map.csv'}" in r.stderr
