#!/usr/bin/env python3
"""Time mfalogscan against grep and ripgrep on the same logs, in the same run, and check its answers.

    python3 bench/run.py [--size 1G] [--runs 3] [--dir bench/out] [--only CASE ...]

Generates (once, cached in --dir) a native log of --size with known planted
occurrences (bench/generate.py), its gzip and UTF-16LE variants, and four
logs of a quarter of the size for --jobs. Then, case by case, it runs the
commands alternately --runs times (warm page cache) and prints medians, the
ratio of mfalogscan's time to each other command's, peak memory, and each of
issue 5's targets with whether it holds. mfalogscan runs twice per case:
as installed (with NumPy, the `fast` extra, when present) and with
MFALOGSCAN_PURE=1 (plain Python). A mfalogscan run whose findings differ
from what was planted fails the benchmark: a fast wrong answer must not look
good. Tools that are missing are reported and skipped (Debian: apt-get
install ripgrep).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ME = [sys.executable, "-m", "mfalogscan"]
PURE = {"MFALOGSCAN_PURE": "1"}


def sh(cmd: list[str], sink: str, env: dict | None = None) -> tuple[float, int]:
    """(seconds, peak RSS in KiB) of one run of cmd, its output written to the file `sink`.

    Never to /dev/null: GNU grep and ripgrep notice it and stop at the first match.
    """
    start = time.perf_counter()
    with open(sink, "wb") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
        _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss


def generate(path: str, size: str, seed: int, meta_dir: str | None = None) -> dict:
    """Generate a log once; its record of what was planted goes to meta_dir (not beside it: it names the users)."""
    meta = os.path.join(meta_dir, os.path.basename(path)) + ".json" if meta_dir else path + ".json"
    if not os.path.exists(meta):
        with open(meta, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), path, "--size", size, "--seed", str(seed)],
                           stdout=f, check=True)
        if meta_dir:
            os.replace(path + ".users.txt", meta[: -len(".json")] + ".users.txt")
    with open(meta) as f:
        return json.load(f)


def quarter(size: str) -> str:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    n = int(float(size[:-1]) * units[size[-1].upper()]) if size[-1].upper() in units else int(size)
    return str(n // 4)


def prepare(out: str, size: str) -> dict:
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, f"native-{size}.log")
    info = generate(log, size, 1)
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
    parts, meta = os.path.join(out, f"parts-{size}"), os.path.join(out, f"parts-{size}.meta")
    os.makedirs(parts, exist_ok=True)
    os.makedirs(meta, exist_ok=True)
    info["parts"] = [generate(os.path.join(parts, f"part{i}.log"), quarter(size), 10 + i, meta) for i in range(4)]
    info["parts_dir"] = parts
    return info


def check(output: str, planted: dict, users: list[str]) -> None:
    found: dict[str, int] = {}
    with open(output) as f:
        for line in f:
            obj = json.loads(line)
            if obj["type"] == "finding" and obj["quoted"]:
                found[obj["user"]] = found.get(obj["user"], 0) + 1
    expected = {u: planted[u] for u in users if planted.get(u)}
    if found != expected:
        raise SystemExit(f"WRONG ANSWER: mfalogscan found {found}, planted {expected}")


def merged(planted: list[dict]) -> dict:
    total: dict[str, int] = {}
    for p in planted:
        for u, n in p.items():
            total[u] = total.get(u, 0) + n
    return total


def tool_version(cmd: str) -> str:
    try:
        return subprocess.run([cmd, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return f"{cmd}: not installed"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1G")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=os.path.join(HERE, "out"))
    ap.add_argument("--only", nargs="*", help="run only the cases whose names contain these words")
    args = ap.parse_args()
    info = prepare(args.dir, args.size)
    log, users_file = info["variants"]["utf8"], info["path"] + ".users.txt"
    one = max(info["planted"], key=info["planted"].get)
    users = open(users_file).read().split()
    patterns = os.path.join(args.dir, "quoted-names.txt")
    with open(patterns, "w") as f:
        f.write("".join(f'"{u}"\n' for u in users))
    result = os.path.join(args.dir, "result.jsonl")
    scan = ME + ["scan", "--format", "jsonl", "--force", "--output", result]
    parts_dir, parts_planted = info["parts_dir"], merged([p["planted"] for p in info["parts"]])
    part_one = max(parts_planted, key=parts_planted.get)
    # name, mfalogscan's command, its answer (users, planted), the commands it is compared with
    cases = [
        ("one name", scan + [log, "--user", one], ([one], info["planted"]),
         {"rg -i -n -F": ["rg", "-i", "-n", "-F", one, log], "grep -i -n -F": ["grep", "-i", "-n", "-F", one, log]}),
        ("1,000 names", scan + [log, "--users-file", users_file], (users, info["planted"]),
         {"rg -i -n -F -f": ["rg", "-i", "-n", "-F", "-f", patterns, log],
          "grep -i -n -F -f": ["grep", "-i", "-n", "-F", "-f", patterns, log]}),
        ("gzip, one name", scan + [info["variants"]["gzip"], "--user", one], ([one], info["planted"]),
         {"gzip -dc": ["gzip", "-dc", info["variants"]["gzip"]]}),
        ("UTF-16LE, one name", scan + [info["variants"]["utf16"], "--user", one], ([one], info["planted"]),
         {"rg -i -n -F (UTF-16)": ["rg", "-i", "-n", "-F", one, info["variants"]["utf16"]]}),
        ("4 sources, --jobs 2", scan + [parts_dir, "--user", part_one, "--jobs", "2"], ([part_one], parts_planted),
         {"mfalogscan --jobs 1": scan + [parts_dir, "--user", part_one, "--jobs", "1"],
          # A serial run already uses the second core (reading ahead); on one core it shows what --jobs adds.
          "mfalogscan --jobs 1, one core": ["taskset", "-c", "0"] + scan + [parts_dir, "--user", part_one, "--jobs", "1"],
          "rg -i -n -F": ["rg", "-i", "-n", "-F", part_one, parts_dir]}),
    ]
    if args.only:
        cases = [c for c in cases if any(w in c[0] for w in args.only)]
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
          f"{tool_version('rg')}, {tool_version('grep')}")
    try:
        import numpy

        print(f"NumPy {numpy.__version__} (the `fast` extra): installed")
    except ImportError:
        print("NumPy (the `fast` extra): not installed, both mfalogscan rows are plain Python")
    print(f"log: {info['bytes']:,} bytes, {info['lines']:,} lines; {args.runs} runs each, alternating; medians\n")
    print(f"{'case':22s} {'command':30s} {'median s':>9s} {'peak MB':>8s} {'mfalogscan ÷ this':>18s}")
    medians: dict[tuple[str, str], float] = {}
    peaks: list[float] = []
    sink = os.path.join(args.dir, "sink.out")
    for name, mine, (expected_users, planted), others in cases:
        runnable = {k: v for k, v in others.items() if shutil.which(v[0]) or v[0] == sys.executable}
        rows = {"mfalogscan": (mine, None), "mfalogscan, plain Python": (mine, PURE)}
        rows.update({k: (v, None) for k, v in runnable.items()})
        times: dict[str, list] = {k: [] for k in rows}
        for _ in range(args.runs):
            for k, (cmd, env) in rows.items():
                times[k].append(sh(cmd, sink, env))
                if "mfalogscan" in cmd:
                    check(result, planted, expected_users)
        ours = statistics.median(t for t, _ in times["mfalogscan"])
        for k, runs in times.items():
            med = statistics.median(t for t, _ in runs)
            peak = max(m for _, m in runs) / 1024
            medians[(name, k)] = med
            if "mfalogscan" in rows[k][0]:
                peaks.append(peak)
            ratio = "" if k == "mfalogscan" else f"{ours / med:.2f}x"
            print(f"{name:22s} {k:30s} {med:9.2f} {peak:8.1f} {ratio:>18s}")
        for k in set(others) - set(runnable):
            print(f"{name:22s} {k:30s} {'(not installed)':>9s}")
    helps = sorted(sh(ME + ["--help"], sink)[0] for _ in range(5))
    print(f"\n`mfalogscan --help`: {helps[2]:.2f} s (median of 5)")
    print("\nissue 5's targets (from the medians above):")
    targets(medians, peaks, helps[2])
    return 0


def targets(m: dict, peaks: list[float], help_s: float) -> None:
    def line(text: str, value: float | None, limit: float, below: bool = True) -> None:
        if value is None:
            print(f"  {text}: not measured")
            return
        ok = value <= limit if below else value >= limit
        print(f"  {text}: {value:.2f} (target {'<=' if below else '>='} {limit:g}) {'holds' if ok else 'NOT MET'}")

    def ratio(a, b):
        return m[a] / m[b] if a in m and b in m else None

    line("one name ÷ rg -i -n -F", ratio(("one name", "mfalogscan"), ("one name", "rg -i -n -F")), 2)
    line("1,000 names ÷ rg -i -n -F -f", ratio(("1,000 names", "mfalogscan"), ("1,000 names", "rg -i -n -F -f")), 1)
    line("1,000 names ÷ one name", ratio(("1,000 names", "mfalogscan"), ("one name", "mfalogscan")), 3)
    line("gzip ÷ gzip -dc", ratio(("gzip, one name", "mfalogscan"), ("gzip, one name", "gzip -dc")), 1.3)
    line("UTF-16LE ÷ UTF-8", ratio(("UTF-16LE, one name", "mfalogscan"), ("one name", "mfalogscan")), 3)
    jobs = "4 sources, --jobs 2"
    line("--jobs 1 ÷ --jobs 2 (speed-up)", ratio((jobs, "mfalogscan --jobs 1"), (jobs, "mfalogscan")), 1.6, below=False)
    line("--jobs 1 on one core ÷ --jobs 2", ratio((jobs, "mfalogscan --jobs 1, one core"), (jobs, "mfalogscan")), 1.6, below=False)
    line("peak memory, MB, any mfalogscan run", max(peaks) if peaks else None, 100)
    line("--help, s", help_s, 0.5)


if __name__ == "__main__":
    sys.exit(main())
