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
        assert (got["findings"], got["mentions"], got["by_category"], got["past_retention"]) == (
            e["findings"], e["mentions"], e["by_category"], e["past_retention"]), e["identity"]
    assert len(rows) == len(m["identities"])
