"""Fault catalogue: the names searched for, in their thousands (issue 13, budgets in total).

Each test asserts bounded work, never time: what a huge users file makes
the scanner build (how many characters of regular expression it compiles,
how many per-person structures it makes per source). Each row is in
docs/faults.md.
"""

from __future__ import annotations

import random
import re

from mfalogscan import ScanConfig, scan
from mfalogscan.config import subjects_from
from mfalogscan.scanning import context as context_module

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

