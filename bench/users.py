#!/usr/bin/env python3
"""Issue 13's huge users files: make one, and time a scan's start-up with it.

    python3 bench/users.py make 100000 users-100000.txt    # first.lastN@contoso.com, one in five with an alias
    python3 bench/users.py startup users-100000.txt [MFALOGSCAN ARGS...]

`make` writes COUNT people from bench/realistic.py's 40 first and 40 last
names (so many share a first name and the domain), N of 1 to 4 digits, one
in five with a tab-separated alias `CONTOSO\\flastN`; seeded, so the same
file every time. `startup` runs `mfalogscan scan EMPTY --users-file FILE -f
jsonl` in this process on an empty log and prints, on stderr, the time and
the peak resident memory (VmHWM) when the users file is read, when the
matcher is built, at the first byte (the prefilter built) and at the end.
Run it under `/usr/bin/time -v` for the CPU time as well.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import realistic  # noqa: E402


def make(count: int, path: str, seed: int = 5) -> None:
    rnd, seen, people = random.Random(seed), set(), []
    while len(people) < count:
        digits = rnd.randrange(1, 5)
        number = rnd.randrange(10 ** (digits - 1) if digits > 1 else 1, 10**digits)
        first, last = rnd.choice(realistic.FIRST), rnd.choice(realistic.LAST)
        name = f"{first}.{last}{number}@{realistic.DOMAIN}"
        if name not in seen:
            seen.add(name)
            people.append((name, f"CONTOSO\\{first[0]}{last}{number}"))
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for name, alias in people:
            if rnd.random() < 0.2 and alias.lower() not in seen:
                seen.add(alias.lower())
                f.write(f"{name}\t{alias}\n")
            else:
                f.write(name + "\n")


def startup(path: str, extra: list[str]) -> None:
    t0 = time.perf_counter()

    def mark(what: str) -> None:
        peak = next((int(ln.split()[1]) // 1024 for ln in open("/proc/self/status") if ln.startswith("VmHWM")), -1)
        sys.stderr.write(f"[{what}] {time.perf_counter() - t0:.2f} s, peak {peak} MB\n")

    import mfalogscan.config as config
    import mfalogscan.scanning.context as context
    import mfalogscan.search.match as match

    def after(owner, name: str, what: str) -> None:
        real = getattr(owner, name)

        def wrapped(*args, **kwargs):
            got = real(*args, **kwargs)
            mark(what)
            return got

        setattr(owner, name, wrapped)

    after(config, "subjects_from", "users read")
    after(context.Context, "__init__", "matcher built")
    after(match.ByteFinder, "__init__", "first byte (prefilter built)")
    from mfalogscan.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        empty, out = os.path.join(tmp, "empty.log"), os.path.join(tmp, "out.jsonl")
        open(empty, "wb").close()
        sys.argv = ["mfalogscan", "scan", empty, "--users-file", path, "-f", "jsonl", "-o", out, *extra]
        try:
            main()
        except SystemExit:
            pass
        mark("end")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "make":
        make(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "startup":
        startup(sys.argv[2], sys.argv[3:])
    else:
        raise SystemExit(__doc__)
