#!/usr/bin/env python3
"""Regenerate the JSON Lines example in docs/output.md from a real scan.

    python3 docs/make_example.py          # rewrite the example in docs/output.md
    python3 docs/make_example.py --print  # print it only

The example log, its file time and the run's time are fixed, so the output is
the same on every machine; tests/test_schema.py checks that the docs hold
exactly what this prints.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output.md")
LINES = [
    '2024-03-07T18:00:20.006280Z|i|2960|4036|pfsvc|User "CONTOSO\\admin" changed user "jdoe" value Phone from "+1 555 0100" to "+1 555 0199".',
    "2024-03-07T18:00:30.006280Z|i|2960|4036|pfsvc|82a3db8d-3317-43f7-b203-6ba81cba93c9|Pfauth succeeded for user 'jdoe' "
    'from 10.0.0.1. Call status: SUCCESS_PHONE_APP_AUTHENTICATED - "Mobile App Authenticated".',
]


def example() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "Logs"))
        path = os.path.join(tmp, "Logs", "MultiFactorAuthSvc.log")
        with open(path, "wb") as f:
            f.write(b"\xef\xbb\xbf" + "".join(line + "\r\n" for line in LINES).encode("utf-8"))
        os.utime(path, (1709856000, 1709856000))  # 2024-03-08T00:00:00Z
        env = dict(os.environ, SOURCE_DATE_EPOCH="1709856000")
        out = subprocess.run(
            [sys.executable, "-m", "mfalogscan", "scan", "Logs", "--user", "jdoe", "--mentions", "--format", "jsonl"],
            cwd=tmp, env=env, capture_output=True, text=True, check=False,
        )
        return out.stdout.strip()


def main() -> int:
    text = example()
    if "--print" in sys.argv[1:]:
        print(text)
        return 0
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(re.sub(r"```jsonl\n.*?```", lambda m: "```jsonl\n" + text + "\n```", doc, flags=re.S))
    return 0


if __name__ == "__main__":
    sys.exit(main())
