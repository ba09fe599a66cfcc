"""docs/faults.md and the fault tests agree: every row names a test that exists, every fault test has a row."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "docs" / "faults.md"
FAULT_FILES = ("test_faults.py", "test_faults_content.py", "test_faults_encoding.py", "test_faults_fs.py",
               "test_faults_names.py", "test_faults_archives.py", "test_fuzz.py", "test_verify.py", "test_cli.py",
               "test_reports.py", "test_windows.py", "test_evtx.py")


def _tests_in(name: str) -> set[str]:
    tree = ast.parse((ROOT / "tests" / name).read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def _named_in_catalogue() -> set[tuple[str, str]]:
    text = CATALOGUE.read_text()
    return {(m[1], m[2]) for m in re.finditer(r"(?:tests/)?(test_\w+\.py)::(test_\w+)", text)}


def test_every_row_of_the_catalogue_names_a_test_that_exists():
    named = _named_in_catalogue()
    assert named, "docs/faults.md names no tests"
    for file, test in named:
        assert test in _tests_in(file), f"docs/faults.md names {file}::{test}, which does not exist"


def test_every_fault_test_has_a_row_in_the_catalogue():
    named = _named_in_catalogue()
    for file in FAULT_FILES:
        for test in _tests_in(file):
            if test.startswith("test_fault") or file == "test_fuzz.py":
                assert (file, test) in named, f"{file}::{test} has no row in docs/faults.md"
