#!/usr/bin/env python3
"""Generate a large, realistic native MultiFactorAuthSvc.log for benchmarks.

Lines of 120-250 bytes in the native framing, drawn from the real message
families, about tens of thousands of distinct users, with a known number of
planted quoted occurrences of the benchmark's subjects so a run can be
checked for correctness, not only timed.

    python3 bench/generate.py OUT.log --size 1G [--subjects 1000] [--seed 1]

Prints a JSON line with what was planted (per subject: quoted lines).
"""

from __future__ import annotations

import argparse
import json
import random
import sys

FAMILIES = [
    'User "{actor}" changed user "{user}" value {field} from "{old}" to "{new}".',
    'User "{actor}" added new user "{user}".',
    'User "{user}" added new User Mobile App Device "Phone-{n}".',
    "Pfauth succeeded for user '{user}' from 10.{a}.{b}.{c}. Call status: SUCCESS_PHONE_APP_AUTHENTICATED - \"Mobile App Authenticated\".",
    "Pfauth failed for user '{user}' from 10.{a}.{b}.{c}. Call status: FAILED_PHONE_BUSY - \"Phone Busy\".",
    "Primary auth type 'LDAP' requested for user '{user}'",
    'validate_oath_code: user "{user}" updated authentication result. callStatus = OATH Code Incorrect',
    "Calling pfAuthUser('CONTOSO\\{user}', '', 1)",
    "Configuration reloaded from registry; {n} settings applied.",
]
FIELDS = ["Phone", "Backup Phone", "PIN", "Country Code", "Enabled", "Method"]


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--size", default="100M")
    ap.add_argument("--users", type=int, default=50000, help="distinct background users")
    ap.add_argument("--subjects", type=int, default=1000, help="names written to OUT.users.txt")
    ap.add_argument("--plant-every", type=int, default=20000, help="one planted subject line per N lines")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rnd = random.Random(args.seed)
    size = parse_size(args.size)
    background = [f"u{rnd.randrange(10**9):09d}" for _ in range(args.users)]
    subjects = [f"subject{i:05d}" for i in range(args.subjects)]
    planted = {s: 0 for s in subjects}
    written = line_no = 0
    second = 0
    with open(args.out, "wb", buffering=1 << 20) as out:
        while written < size:
            line_no += 1
            second += rnd.randrange(0, 3)
            stamp = f"2024-{1 + second // 2_500_000 % 12:02d}-{1 + second // 86400 % 28:02d}T{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{rnd.randrange(10**6):06d}Z"
            if line_no % args.plant_every == 0:
                user = subjects[rnd.randrange(len(subjects))]
                template = FAMILIES[0]
                planted[user] += 1
            else:
                user = background[rnd.randrange(len(background))]
                template = FAMILIES[rnd.randrange(len(FAMILIES))]
            message = template.format(
                actor="CONTOSO\\admin", user=user, field=rnd.choice(FIELDS), old=rnd.randrange(10**6), new=rnd.randrange(10**6),
                n=rnd.randrange(1000), a=rnd.randrange(256), b=rnd.randrange(256), c=rnd.randrange(256),
            )
            line = f"{stamp}|i|2960|{4000 + rnd.randrange(100)}|pfsvc|{message}\n".encode()
            out.write(line)
            written += len(line)
    with open(args.out + ".users.txt", "w") as f:
        f.write("\n".join(subjects) + "\n")
    json.dump({"path": args.out, "bytes": written, "lines": line_no, "planted": {k: v for k, v in planted.items() if v}}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
