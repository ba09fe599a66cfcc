"""Fault catalogue: the names searched for, in their thousands and at their shortest (issue 13, budgets in total).

Each test asserts bounded work, never time: what a huge users file makes
the scanner build (how many characters of regular expression it compiles,
how many per-person structures it makes per source), and what a name too
short to search does. Each row is in docs/faults.md.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys

import pytest

from mfalogscan import ScanConfig, Subject, scan
from mfalogscan.config import subjects_from
from mfalogscan.errors import ConfigError
from mfalogscan.scanning import context as context_module
from mfalogscan.search.match import NameMatcher

FIRST = ["ann", "anna", "anne", "john", "johan", "jon", "mar", "maria", "mark", "chris", "kris", "eli", "sam", "lee"]
LAST = ["smith", "smithers", "john", "johnson", "lee", "leeds", "berg", "bergman", "miller", "mill", "brown", "ng"]


def native(name: str, tag: str, second: int = 0) -> str:
    return (f"2024-03-07T18:20:{second % 60:02d}.006280Z|i|2960|4036|pfsvc|"
            f'User "CONTOSO\\admin" changed user "{name}" value Phone from "555" to "{tag}".')


def users_file(path, count: int, seed: int = 13) -> list[str]:
    """`count` people first.lastN@contoso.com sharing first names and the domain, one in five with an alias."""
    rnd, seen, lines = random.Random(seed), set(), []
    while len(lines) < count:
        first, last, n = rnd.choice(FIRST), rnd.choice(LAST), rnd.randrange(1, 10000)
        name = f"{first}.{last}{n}@contoso.com"
        alias = f"CONTOSO\\{first[0]}{last}{n}"
        if name in seen or alias.lower() in seen:
            continue
        seen.update((name, alias.lower()))
        lines.append(f"{name}\t{alias}" if rnd.random() < 0.2 else name)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [ln.split("\t")[0] for ln in lines]


def test_fault_a_users_file_of_100000_names_builds_no_structure_that_grows_with_them(tmp_path, monkeypatch):
    """100,000 names: the prefilter's confirming `re` trie of every name (1.8 million characters, about 10 s and
    300 MB) was built before the first byte; the exact check's trie and the binary files' quoted trie came on top
    (a binary file took 200 s and 1.5 GB); every source made one closure per person."""
    names = users_file(tmp_path / "users.txt", 100_000)
    picked = [names[7], names[50_000], names[99_999]]
    logs = tmp_path / "Logs"
    logs.mkdir()
    (logs / "MultiFactorAuthSvc.log").write_text(
        "\n".join(native(n.upper() if i == 1 else n, f"T{i}", i) for i, n in enumerate(picked)) + "\n")
    (logs / "MultiFactorAuthSvc.log.1").write_text(native(picked[0], "OLD") + "\n")
    (logs / "PhoneFactor.pfdata").write_bytes(b"SQLite format 3\0" + bytes(range(1, 32)) * 40 + f'"{picked[2]}"'.encode())
    subjects = subjects_from([], str(tmp_path / "users.txt"))
    assert len(subjects) == 100_000

    compiled, made = [], []
    real_compile, real_is_subject = re.compile, context_module.Context.is_subject

    def counting_compile(pattern, flags=0):
        compiled.append(len(pattern) if isinstance(pattern, (str, bytes)) else 0)
        return real_compile(pattern, flags)

    def counting_is_subject(self, index):
        made.append(index)
        return real_is_subject(self, index)

    monkeypatch.setattr(re, "compile", counting_compile)
    monkeypatch.setattr(context_module.Context, "is_subject", counting_is_subject)
    reports = {}
    for accelerate in (True, False):  # ahocorasick_rs, and the plain-Python stand-in (MFALOGSCAN_PURE=1)
        compiled.clear()
        made.clear()
        report = scan(ScanConfig(paths=(str(logs),), subjects=subjects, accelerate=accelerate))
        reports[accelerate] = report
        found = sorted((f.user, f.source.rsplit("/", 1)[-1], f.line) for f in report.findings)
        assert found == sorted([(picked[0], "MultiFactorAuthSvc.log", 1), (picked[1], "MultiFactorAuthSvc.log", 2),
                                (picked[2], "MultiFactorAuthSvc.log", 3), (picked[0], "MultiFactorAuthSvc.log.1", 1)])
        pfdata = next(s for s in report.sources if s.path.endswith("PhoneFactor.pfdata"))
        assert pfdata.status == "skipped" and dict(pfdata.raw_matches) == {picked[2]: 1}
        # Bounded: every expression compiled is small (the heads of Literals are at most 64 KiB of characters);
        # the trie of 100,000 names alone was 1.8 million characters.
        assert max(compiled) < 100_000, (accelerate, max(compiled))
        assert sum(compiled) < 400_000, (accelerate, sum(compiled))
        # A closure per person with a finding, not per person per source.
        assert len(made) <= len(report.findings)
    assert [f.to_dict() for f in reports[True].findings] == [f.to_dict() for f in reports[False].findings]
    assert reports[True].summary.to_dict() == reports[False].summary.to_dict()


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mfalogscan", "scan", *args], capture_output=True, text=True,
                          cwd=cwd or "/tmp", timeout=120)


def test_fault_a_one_letter_name_is_refused_unless_asked_and_then_searched_where_quotes_close_it(tmp_path, monkeypatch):
    """`--user a` made every line holding the letter a candidate (4.8 s per 64 MB, and the letter's places counted
    as mentions); a users file line holding only `-` was searched the same way."""
    log = tmp_path / "MultiFactorAuthSvc.log"
    lines = [native(f"alice{i}", f"{i}", i) + " Sending a call to a phone." for i in range(2000)]  # the letter a, often
    lines[500] = native("a", "Q")  # quoted: a finding
    lines[900] = native("jdoe", "R").replace("CONTOSO\\admin", "CONTOSO\\a")  # the actor, DOMAIN\a in quotes
    lines[1300] = "2024-03-07T18:30:00.000000Z|i|2960|4036|pfsvc|Pfauth succeeded for user 'a' from 10.0.0.1."
    log.write_text("\n".join(lines) + "\n")
    users = tmp_path / "users.txt"
    users.write_text("jdoe\n-\n")

    refused = _cli(str(log), "--user", "a", "-f", "jsonl")
    assert refused.returncode == 2 and refused.stdout == "" and "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert "--user: name 'a' is too short to search (one character" in refused.stderr and "--short-names" in refused.stderr
    listed = _cli(str(log), "--users-file", str(users), "-f", "jsonl")
    assert listed.returncode == 2 and listed.stderr.count("\n") == 1
    assert f"{users}:2: name '-' is too short to search (no letter or digit" in listed.stderr

    analyzed = []
    real = NameMatcher.analyze

    def counting(self, text, lo=0, hi=None):
        analyzed.append(text)
        return real(self, text, lo, hi)

    monkeypatch.setattr(NameMatcher, "analyze", counting)
    with pytest.raises(ConfigError, match="too short to search"):
        ScanConfig(paths=(str(log),), subjects=(Subject("a"),))
    results = []
    for how in ({}, {"accelerate": False}, {"accelerate": False, "fast": False}):
        analyzed.clear()
        report = scan(ScanConfig(paths=(str(log),), subjects=(Subject("a"),), short_names=True, list_mentions=True, **how))
        results.append([(f.line, f.quoted, f.role) for f in report.findings])
        # Bounded: only the three lines where quotes close the name are decoded and checked, not the 2,000 with an a.
        assert len(analyzed) == 3, (how, len(analyzed))
    assert results[0] == [(501, True, "target"), (901, False, "actor"), (1301, False, "subject")]
    assert results[0] == results[1] == results[2]
    found = _cli(str(log), "--user", "a", "--short-names", "-f", "jsonl")
    assert found.returncode == 0 and found.stdout.count('"type":"finding"') == 1  # the quoted one; mentions counted
