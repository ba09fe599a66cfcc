#!/usr/bin/env python3
"""Time mfalogscan against grep and ripgrep on the same log, in the same run, and check its answer.

    python3 bench/run.py [--size 1G] [--runs 3] [--dir bench/out]

Generates (once, cached in --dir) a native log of --size with known planted
occurrences (bench/generate.py), its gzip and UTF-16LE variants, then for each
case runs the commands alternately --runs times (warm page cache), and prints
medians, ratios to the nearest grep/ripgrep equivalent, and peak memory. A
mfalogscan run whose findings differ from what was planted fails the
benchmark: a fast wrong answer must not look good. Tools that are missing are
reported and skipped (Debian: apt-get install ripgrep).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(cmd: list[str], sink: str) -> tuple[float, int]:
    """(seconds, peak RSS in KiB) of one run of cmd, its output written to the file `sink`.

    Never to /dev/null: GNU grep and ripgrep notice it and stop at the first match.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with open(sink, "wb") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss or before


def prepare(out: str, size: str) -> dict:
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, f"native-{size}.log")
    meta = log + ".json"
    if not os.path.exists(meta):
        with open(meta, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), log, "--size", size], stdout=f, check=True)
    info = json.load(open(meta))
    variants = {"utf8": log, "gzip": log + ".gz", "utf16": log + ".utf16"}
    if not os.path.exists(variants["gzip"]):
        with open(log, "rb") as src, gzip.open(variants["gzip"], "wb", compresslevel=1) as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
    if not os.path.exists(variants["utf16"]):
        with open(log, "rb") as src, open(variants["utf16"], "wb") as dst:
            dst.write(b"\xff\xfe")
            for block in iter(lambda: src.read(1 << 22), b""):
                dst.write(block.decode("utf-8").encode("utf-16-le"))
    info["variants"] = variants
    return info


def check(output: str, planted: dict, users: list[str]) -> None:
    found: dict[str, int] = {}
    with open(output) as f:
        for line in f:
            obj = json.loads(line)
            if obj["type"] == "finding" and obj["quoted"]:
                found[obj["user"]] = found.get(obj["user"], 0) + 1
    expected = {u: planted[u] for u in users if u in planted}
    if found != expected:
        raise SystemExit(f"WRONG ANSWER: mfalogscan found {found}, planted {expected}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1G")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=os.path.join(HERE, "out"))
    args = ap.parse_args()
    info = prepare(args.dir, args.size)
    log, users_file = info["variants"]["utf8"], info["path"] + ".users.txt"
    one = max(info["planted"], key=info["planted"].get)
    users = open(users_file).read().split()
    patterns = os.path.join(args.dir, "quoted-names.txt")
    with open(patterns, "w") as f:
        f.write("".join(f'"{u}"\n' for u in users))
    result = os.path.join(args.dir, "result.jsonl")
    me = [sys.executable, "-m", "mfalogscan", "scan", "--format", "jsonl", "--force", "--output", result]
    cases = [
        ("one name", me + [log, "--user", one], [one],
         {"rg -i -n -F": ["rg", "-i", "-n", "-F", one, log], "grep -i -n -F": ["grep", "-i", "-n", "-F", one, log]}),
        ("1,000 names", me + [log, "--users-file", users_file], users,
         {"rg -i -n -F -f": ["rg", "-i", "-n", "-F", "-f", patterns, log],
          "grep -i -n -F -f": ["grep", "-i", "-n", "-F", "-f", patterns, log]}),
        ("gzip, one name", me + [info["variants"]["gzip"], "--user", one], [one],
         {"gzip -dc": ["gzip", "-dc", info["variants"]["gzip"]]}),
        ("UTF-16LE, one name", me + [info["variants"]["utf16"], "--user", one], [one],
         {"rg -i -n -F (UTF-16 decoding)": ["rg", "-i", "-n", "-F", one, info["variants"]["utf16"]]}),
    ]
    print(f"log: {info['bytes']:,} bytes, {info['lines']:,} lines; {args.runs} runs each, alternating; medians\n")
    print(f"{'case':22s} {'command':34s} {'median s':>9s} {'peak MB':>8s} {'mfalogscan ÷ this':>18s}")
    for name, mine, expected_users, others in cases:
        runnable = {k: v for k, v in others.items() if shutil.which(v[0])}
        times: dict[str, list] = {"mfalogscan": []}
        times.update({k: [] for k in runnable})
        sink = os.path.join(args.dir, "sink.out")
        for _ in range(args.runs):
            times["mfalogscan"].append(sh(mine, sink))
            check(result, info["planted"], expected_users)
            for k, cmd in runnable.items():
                times[k].append(sh(cmd, sink))
        ours = statistics.median(t for t, _ in times["mfalogscan"])
        for k, runs in times.items():
            med = statistics.median(t for t, _ in runs)
            peak = max(m for _, m in runs) / 1024
            ratio = "" if k == "mfalogscan" else f"{ours / med:.2f}x"
            print(f"{name:22s} {k:34s} {med:9.2f} {peak:8.1f} {ratio:>18s}")
        for k in set(others) - set(runnable):
            print(f"{name:22s} {k:34s} {'(not installed)':>9s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
