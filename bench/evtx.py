#!/usr/bin/env python3
"""Issue 15's benchmark: an NPS extension channel (EVTX) against reading the same records with `evtx` alone.

    python3 bench/evtx.py [--size 100M] [--runs 3] [--dir bench/out-evtx]

Generates once (cached in --dir) a channel file with tests/evtx_builder.py's
`big_channel`: 2,000 users `first.last1234@contoso.com`, each as frequent as
any other, and a service account on 30% of all records; four in five
records are NPS extension AuthZ events naming the user inside their message,
one in five Security-style events with the user as `TargetUserName`. Then,
alternating, --runs times each:

- `evtx alone`: `PyEvtxParser(path).records()` iterated to the end (every
  record rendered to XML, the package's default threads), and the same
  with `records_json()`: the floor of any reader built on it;
- one user: `mfalogscan scan -u NAME --mentions -f jsonl -o FILE`;
- busy: the service account (30% of records), the same way;
- 100 users: `--users-file` of 100 of them;
- start-up: the same command on an empty file (Python and imports);
- `rg --encoding utf-16le -i -F -c NAME`: the nearest grep (the file
  read as UTF-16LE text; its count is of lines, not records).

Every mfalogscan run's findings are checked against the generator's counts
(with --mentions every record naming a user is listed); a wrong count fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from density import sh  # noqa: E402

ME = [sys.executable, "-m", "mfalogscan", "scan"]
SERVICE = "svc.nps@contoso.com"
EVTX_ALONE = [sys.executable, "-c", "import evtx,sys\nn=0\nfor r in evtx.PyEvtxParser(sys.argv[1]).records():\n n+=1\n"
              "print(n)"]
EVTX_JSON = [sys.executable, "-c", "import evtx,sys\nn=0\nfor r in evtx.PyEvtxParser(sys.argv[1]).records_json():\n"
             " n+=1\nprint(n)"]


def size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def users(n: int) -> list[str]:
    firsts = ["anna", "ben", "chloe", "dev", "emma", "finn", "grace", "hugo", "ines", "jonas"]
    lasts = ["meyer", "lopez", "okafor", "novak", "smith", "tanaka", "rossi", "dubois", "kowalski", "berg"]
    return [f"{firsts[i % 10]}.{lasts[(i // 10) % 10]}{1000 + i}@contoso.com" for i in range(n)]


def generate(directory: str, nbytes: int) -> tuple[str, dict]:
    path = os.path.join(directory, "Microsoft-AzureMfa-AuthZ%4AuthZOptCh.evtx")
    manifest = path + ".counts.json"
    if os.path.exists(manifest):
        with open(manifest) as f:
            data = json.load(f)
        if data.get("size") == nbytes:
            return path, data["counts"]
    from tests.evtx_builder import big_channel

    t = time.perf_counter()
    counts = big_channel(path, nbytes, users(2000), busy_share=0.3, service=SERVICE)
    print(f"generated {path} ({os.path.getsize(path):,} bytes) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    with open(manifest, "w") as f:
        json.dump({"size": nbytes, "counts": counts}, f)
    return path, counts


def findings_per_user(result: str) -> dict[str, int]:
    got: dict[str, int] = {}
    with open(result) as f:
        for line in f:
            if line.startswith('{"type":"finding"'):
                user = json.loads(line)["user"]
                got[user] = got.get(user, 0) + 1
    return got


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="100M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=os.path.join(HERE, "out-evtx"))
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    path, counts = generate(args.dir, size(args.size))
    one = users(2000)[1234]
    hundred = users(2000)[:2000:20]
    users_file = os.path.join(args.dir, "users-100.txt")
    with open(users_file, "w") as f:
        f.write("\n".join(hundred) + "\n")
    out = lambda name: os.path.join(args.dir, f"{name}.jsonl")  # noqa: E731
    empty = os.path.join(args.dir, "empty.log")
    open(empty, "w").close()
    cases = {
        "mfalogscan start-up (an empty file)": (ME + [empty, "-u", one, "-f", "jsonl", "-o", out("empty"), "--force"],
                                                None),
        "evtx alone, records() XML": (EVTX_ALONE + [path], None),
        "evtx alone, records_json()": (EVTX_JSON + [path], None),
        "one user": (ME + [path, "-u", one, "--mentions", "-f", "jsonl", "-o", out("one"), "--force"], None),
        "busy account (30%)": (ME + [path, "-u", SERVICE, "--mentions", "-f", "jsonl", "-o", out("busy"), "--force"],
                               None),
        "100 users": (ME + [path, "--users-file", users_file, "--mentions", "-f", "jsonl", "-o", out("hundred"),
                            "--force"], None),
    }
    rg = shutil.which("rg")
    if rg:
        cases["rg --encoding utf-16le -i -F -c (one user)"] = ([rg, "--encoding", "utf-16le", "-i", "-F", "-c", one,
                                                                 path], None)
    times: dict[str, list[float]] = {k: [] for k in cases}
    peaks = dict.fromkeys(cases, 0)
    for _ in range(args.runs):
        for name, (cmd, env) in cases.items():
            t, rss = sh(cmd, os.path.join(args.dir, "sink.out"), env)
            times[name].append(t)
            peaks[name] = max(peaks[name], rss)
    wrong = []
    for name, result, expect in (("one user", out("one"), {one: counts[one]}),
                                 ("busy account (30%)", out("busy"), {SERVICE: counts[SERVICE]}),
                                 ("100 users", out("hundred"), {u: counts[u] for u in hundred})):
        got = findings_per_user(result)
        if got != expect:
            wrong.append(f"{name}: {sum(got.values())} findings, expected {sum(expect.values())}")
    records = sum(counts.values())
    floor = statistics.median(times["evtx alone, records() XML"])
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}")
    print(f"channel: {os.path.getsize(path):,} bytes, {records:,} records; {args.runs} runs each, alternating; medians")
    print()
    print(f"{'case':44} {'median s':>9} {'peak MB':>8} {'÷ evtx alone (XML)':>19}")
    for name in cases:
        med = statistics.median(times[name])
        print(f"{name:44} {med:9.2f} {peaks[name] / 1024:8.1f} {med / floor:18.2f}x")
    for problem in wrong:
        print("WRONG ANSWER: " + problem)
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
