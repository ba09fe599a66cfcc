#!/usr/bin/env python3
"""Generate a MultiFactorAuthSvc.log that looks like a real server's, with an exact manifest.

    python3 bench/realistic.py generate OUTDIR [--size 64M] [--seed 1] [--no-gzip] [--no-utf16]
    python3 bench/realistic.py check OUTDIR/manifest.json RESULT.jsonl --subjects users-100

`generate` writes, deterministically for a seed:

    OUTDIR/logs/MultiFactorAuthSvc.log         native lines, UTF-8, LF
    OUTDIR/logs/MultiFactorAuthSvc.log.gz      the same, gzip (level 6, header time fixed)
    OUTDIR/logs/MultiFactorAuthSvc.utf16.log   the same, UTF-16LE with BOM
    OUTDIR/subjects/NAME.txt                   users files (one name per line) for `--users-file`
    OUTDIR/subjects/NAME.quoted.txt            the same names in double quotes, for `rg/grep -F -f`
    OUTDIR/manifest.json                       what was written, per name: quoted lines and mentions

(logs and subject lists are in separate folders, so scanning OUTDIR/logs does
not scan the lists.) The log has:

- 20,000 active users `first.last123@contoso.com`, from 40 first and 40 last
  names chosen to share long prefixes (anna/annabel/anne/annette,
  john/johns/johnson/johnston) and 1-4 digit numbers (so `a.b1@`, `a.b12@`
  and `a.b123@` coexist; the quotes, or the `@`, bound them). Every
  occurrence picks its user uniformly, so all appear at the same rate; one in
  ten is written in another case (`Anna.Smith12@contoso.com`,
  `ANNA.SMITH12@CONTOSO.COM`), which case-insensitive search must find.
- The directory-sync service account `NT AUTHORITY\\SYSTEM` as the actor of
  about a sixth of all lines (`User "NT AUTHORITY\\SYSTEM" changed user "T"
  value Phone from "x" to "y".`), interleaved with authentication sessions:
  primary auth (`'u'`), Pfauth succeeded/failed/not performed (`'u'`),
  validate_oath_code (`user "u"`, quoted), plus admin and self-service
  changes, Mobile App devices, OATH tokens, distinguishedName-format lines
  and noise; auth lines carry a request GUID as newer builds do.
- The sparse case of bench/generate.py: 1,000 further names, none of them
  active, one planted line per 20,000 (three in four a user-change, quoted;
  one in four a Pfauth line, a mention).

Subject lists: users-10, users-100, users-1000, users-10000 (nested prefixes
of one seeded shuffle of the active users) and sparse-1000.

The manifest counts, for every name that occurs and every listed name, the
lines where it occurs quoted (`"name"`, any case) and the lines where it is
mentioned unquoted (`'name'` or bare) with no quoted occurrence on the same
line: exactly what mfalogscan reports as findings with `quoted: true` and as
the summary's `mentions`. Counting happens while the lines are made (one
integer increment per name per line), never by searching the output.

The writer streams: it holds about 1 MiB of lines and the counters (one pair
per name), whatever --size: 1 GiB takes 38 s and 57 MB on the project's
2-core machine (the gzip and UTF-16 copies 29 s and 12 s more).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field

FIRST = [
    "ann", "anna", "annabel", "anne", "annette", "joann", "joanna", "mar", "maria", "mariana",
    "marianne", "mark", "marko", "markus", "chris", "christa", "christian", "christina", "christopher", "kris",
    "jo", "john", "johan", "johanna", "jon", "jonas", "jonathan", "eli", "elias", "elisa",
    "elisabeth", "eliza", "sam", "samantha", "samuel", "lee", "leena", "leon", "leona", "leonard",
]
LAST = [
    "smith", "smithe", "smithers", "smithson", "smyth", "john", "johns", "johnson", "johnsen", "johnston",
    "lee", "leeds", "leeson", "lees", "berg", "berger", "bergman", "bergmann", "bergstrom", "miller",
    "millers", "milleron", "mill", "mills", "brown", "browne", "browning", "brownlee", "nguyen", "ng",
    "schmidt", "schmitt", "schmitz", "schmid", "oconnor", "connor", "connors", "garcia", "garces", "gar",
]
DOMAIN = "contoso.com"
SERVICE = "NT AUTHORITY\\SYSTEM"
ADMINS = ["CONTOSO\\mfa.admin", "CONTOSO\\helpdesk01", "CONTOSO\\helpdesk02", "CONTOSO\\svc.mfaportal"]

ACTIVE = 20_000
SPARSE = 1_000
SPARSE_EVERY = 20_000
SERVICE_SHARE = 1 / 6
LIST_SIZES = (10, 100, 1_000, 10_000)
START = 1_709_251_200  # 2024-03-01T00:00:00Z
CHUNK = 1 << 20

SUCCESS = [
    ("SUCCESS_PHONE_APP_AUTHENTICATED", "Mobile App Authenticated"),
    ("SUCCESS_NO_PIN", "Only # Entered"),
    ("SUCCESS_WITH_PIN", "PIN Entered"),
    ("SUCCESS_SMS_AUTHENTICATED", "Text Message Authenticated"),
    ("SUCCESS_USED_CACHE", "Used Cache"),
    ("SUCCESS_OATH_CODE_ENTERED", "OATH Code Entered"),
]
FAILED = [
    ("FAILED_PHONE_BUSY", "Phone Busy"),
    ("FAILED_NO_ANSWER", "No Answer"),
    ("FAILED_PHONE_APP_DENIED", "Mobile App Denied"),
    ("FAILED_SMS_OTP_INCORRECT", "Text Message OTP Incorrect"),
    ("FAILED_FRAUD_CODE_ENTERED", "Fraud Code Entered"),
    ("FAILED_USER_BLOCKED", "User Blocked"),
]
METHODS = ["Phone Call", "Text Message", "Mobile App", "OATH Token"]
LANGS = ["en-US", "de-DE", "fr-FR", "nl-NL", "sv-SE"]
DEVICES = ["iPhone 12", "iPhone 14", "iPhone 15 Pro", "Pixel 7", "Galaxy S23", "Galaxy A54"]


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    u = text[-1].upper()
    return int(float(text[:-1]) * units[u]) if u in units else int(text)


def make_names(count: int, rnd: random.Random) -> list[str]:
    """`count` distinct (case-insensitively: all lower case) names first.lastN@contoso.com, N of 1-4 digits."""
    seen: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        digits = rnd.randrange(1, 5)
        number = rnd.randrange(10 ** (digits - 1) if digits > 1 else 1, 10**digits)
        name = f"{rnd.choice(FIRST)}.{rnd.choice(LAST)}{number}@{DOMAIN}"
        if name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def case_forms(name: str) -> tuple[str, str, str]:
    """The name as written most of the time, and two other cases a log also holds."""
    local, _, domain = name.partition("@")
    title = ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + domain
    return name, title, name.upper()


@dataclass
class Counter:
    """Per name index: lines quoted, lines with a mention (and no quoted occurrence)."""

    names: list[str]
    quoted: list[int] = field(init=False)
    mentions: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.quoted = [0] * len(self.names)
        self.mentions = [0] * len(self.names)


class Writer:
    """Lines out in ~1 MiB blocks, hashed as written; stops taking lines once `size` bytes are out."""

    def __init__(self, path: str, size: int):
        self.f = open(path, "wb")
        self.size, self.bytes, self.lines = size, 0, 0
        self.buf: list[str] = []
        self.buf_len = 0
        self.sha = hashlib.sha256()

    def add(self, line: str) -> None:
        self.buf.append(line)
        self.buf_len += len(line)
        if self.buf_len >= CHUNK:
            self.flush()

    def flush(self) -> None:
        block = "".join(self.buf).encode("utf-8")
        self.f.write(block)
        self.sha.update(block)
        self.bytes += len(block)
        self.lines += len(self.buf)
        self.buf, self.buf_len = [], 0

    def full(self) -> bool:
        return self.bytes + self.buf_len >= self.size

    def close(self) -> None:
        self.flush()
        self.f.close()


def generate_log(path: str, size: int, seed: int = 1, active: int = ACTIVE, sparse: int = SPARSE,
                 sparse_every: int = SPARSE_EVERY, service_share: float = SERVICE_SHARE) -> dict:
    """Write the native log at `path` (about `size` bytes, whole lines) and return its manifest core:
    the names (active, sparse, service, admins) and, per name, quoted lines and mention lines."""
    rnd = random.Random(seed)
    pool = make_names(active + sparse, rnd)
    names = pool + [SERVICE] + ADMINS
    c = Counter(names)
    q, m = c.quoted, c.mentions
    svc = active + sparse
    admin0 = svc + 1
    forms = [case_forms(n) for n in pool]
    rand = rnd.random
    getbits = rnd.getrandbits

    def form(i: int) -> str:
        r = rand()
        f = forms[i]
        return f[0] if r < 0.9 else (f[1] if r < 0.97 else f[2])

    def guid() -> str:
        h = "%032x" % getbits(128)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def ip() -> str:
        return f"10.{int(rand() * 256)}.{int(rand() * 256)}.{int(rand() * 256)}"

    def phone() -> str:
        return f"+1 425 555 {int(rand() * 10000):04d}"

    def change_value(t: int) -> tuple[str, str, str]:
        """(field, old, new) of a value change of user t; an Email change names t's own address again."""
        r = rand()
        if r < 0.40:
            return "Phone", phone(), phone()
        if r < 0.55:
            return "Backup Phone", "", phone()
        if r < 0.65:
            return "Extension", "", str(int(rand() * 9000) + 1000)
        if r < 0.72:
            return "Country Code", "1", ("44", "49", "31", "46")[int(rand() * 4)]
        if r < 0.80:
            return "Email", form(t), pool[t].replace(DOMAIN, "fabrikam.com")
        if r < 0.88:
            return "Method", METHODS[int(rand() * 4)], METHODS[int(rand() * 4)]
        if r < 0.94:
            return "Language", LANGS[int(rand() * 5)], LANGS[int(rand() * 5)]
        return "Enabled", "False", "True"

    def auth_session(queue: list) -> None:
        """One authentication of a uniformly chosen active user: 1-3 lines, one request GUID."""
        u = int(rand() * active)
        name, g, tid = form(u), guid(), 4100 + int(rand() * 12)
        head = f"|i|2960|{tid}|pfsvc|{g}|"
        r = rand()
        if r < 0.30:  # LDAP primary auth first
            queue.append((head + f"Primary auth type 'LDAP' requested for user '{name}'", u, False))
            if rand() < 0.12:
                queue.append((head + f"Failed LDAP auth for user '{name}' at DC01.{DOMAIN}. Logon failure: "
                                     "unknown user name or bad password.", u, False))
                queue.append((head + f"Pfauth not performed for user '{name}' because primary authentication failed.",
                              u, False))
                return
            queue.append((head + f"Primary auth succeeded for user '{name}'", u, False))
        elif r < 0.42:  # OATH code
            ok = rand() < 0.85
            queue.append((head + f'validate_oath_code: user "{name}" updated authentication result. callStatus = '
                                 + ("OATH Code Correct" if ok else "OATH Code Incorrect"), u, True))
            status = SUCCESS[5] if ok else ("FAILED_OATH_CODE_INCORRECT", "OATH Code Incorrect")
            queue.append((head + f"Pfauth {'succeeded' if ok else 'failed'} for user '{name}' from {ip()}. "
                                 f'Call status: {status[0]} - "{status[1]}".', u, False))
            return
        ok = rand() < 0.8
        status = SUCCESS[int(rand() * 5)] if ok else FAILED[int(rand() * 6)]
        queue.append((head + f"Pfauth {'succeeded' if ok else 'failed'} for user '{name}' from {ip()}. "
                             f'Call status: {status[0]} - "{status[1]}".', u, False))

    def other_event(queue: list) -> None:
        """Changes by admins and users themselves, devices, tokens, DN-format auth, noise."""
        r = rand()
        t = int(rand() * active)
        tid = 4036 + int(rand() * 4)
        head = f"|i|2960|{tid}|pfsvc|"
        if r < 0.30:
            a = admin0 + int(rand() * len(ADMINS))
            fld, old, new = change_value(t)
            queue.append((head + f'User "{names[a]}" changed user "{form(t)}" value {fld} from "{old}" to "{new}".',
                          (t, a), True))
        elif r < 0.36:
            a = admin0 + int(rand() * len(ADMINS))
            queue.append((head + f'User "{names[a]}" added new user "{form(t)}".', (t, a), True))
        elif r < 0.48:
            fld, old, new = ("PIN", "****", "****") if rand() < 0.3 else change_value(t)
            queue.append((head + f'User "{form(t)}" changed user "{form(t)}" value {fld} from "{old}" to "{new}".',
                          t, True))
        elif r < 0.60:
            queue.append((head + f'User "{form(t)}" added new User Mobile App Device "{DEVICES[int(rand() * 6)]}" '
                                 f"with Device ID {guid()}.", t, True))
        elif r < 0.64:
            queue.append((head + f'User "{form(t)}" deleted User Mobile App Device record "{DEVICES[int(rand() * 6)]}".',
                          t, True))
        elif r < 0.70:
            queue.append((head + f'User "{form(t)}" changed OATH Token "OATH-TOTP {int(rand() * 10**6):06d}" '
                                 'value Enabled from "False" to "True".', t, True))
        elif r < 0.82:  # distinguishedName format: names no subject
            first, last = FIRST[int(rand() * len(FIRST))], LAST[int(rand() * len(LAST))]
            status = SUCCESS[int(rand() * 5)]
            queue.append((f"|i|2960|{4100 + int(rand() * 12)}|pfsvc|{guid()}|Pfauth succeeded for user "
                          f"'CN={first.title()} {last.title()},OU=Staff,DC=contoso,DC=com' (distinguishedName format) "
                          f'from {ip()}. Call status: {status[0]} - "{status[1]}".', None, False))
        elif r < 0.86:  # the service account, mentioned
            queue.append((head + f"Directory sync run by '{SERVICE}' finished: {int(rand() * 200)} users updated.",
                          svc, False))
        elif r < 0.94:
            queue.append((head + f"Configuration reloaded from registry; {int(rand() * 1000)} settings applied.",
                          None, False))
        else:
            queue.append((f"|e|2960|{tid}|pfsvc|***** ERROR ***** Error sending email to smtp.{DOMAIN}: "
                          "The operation has timed out.", None, False))

    def service_line() -> str:
        t = int(rand() * active)
        q[svc] += 1
        q[t] += 1
        r = rand()
        if r < 0.96:
            fld, old, new = change_value(t)
            msg = f'User "{SERVICE}" changed user "{form(t)}" value {fld} from "{old}" to "{new}".'
        elif r < 0.99:
            msg = f'User "{SERVICE}" added new user "{form(t)}".'
        else:
            msg = f'User "{SERVICE}" deleted user record "{form(t)}".'
        return f"|i|2960|4036|pfsvc|{msg}"

    def sparse_line() -> str:
        s = active + int(rand() * sparse)
        if rand() < 0.75:
            a = admin0 + int(rand() * len(ADMINS))
            fld, old, new = ("Phone", "Backup Phone")[int(rand() * 2)], phone(), phone()
            q[s] += 1
            q[a] += 1
            return f'|i|2960|4036|pfsvc|User "{names[a]}" changed user "{form(s)}" value {fld} from "{old}" to "{new}".'
        m[s] += 1
        status = SUCCESS[int(rand() * 5)]
        return (f"|i|2960|{4100 + int(rand() * 12)}|pfsvc|{guid()}|Pfauth succeeded for user '{form(s)}' "
                f'from {ip()}. Call status: {status[0]} - "{status[1]}".')

    out = Writer(path, size)
    queue: list = []
    usec = START * 1_000_000
    sec = -1
    prefix = ""
    line_no = 0
    while not out.full():
        line_no += 1
        usec += 1 + int(rand() * 60_000)
        s, frac = divmod(usec, 1_000_000)
        if s != sec:
            sec = s
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s))
        stamp = f"{prefix}.{frac:06d}Z"
        if sparse and line_no % sparse_every == 0:
            out.add(stamp + sparse_line() + "\n")
            continue
        if rand() < service_share:
            out.add(stamp + service_line() + "\n")
            continue
        if not queue:
            (auth_session if rand() < 0.9 else other_event)(queue)
            queue.reverse()
        text, who, quoted = queue.pop()
        if who is not None:
            counts = q if quoted else m
            if type(who) is tuple:
                for i in who:
                    counts[i] += 1
            else:
                counts[who] += 1
        out.add(stamp + text + "\n")
    out.close()
    return {
        "path": path, "bytes": out.bytes, "lines": out.lines, "sha256": out.sha.hexdigest(),
        "active": pool[:active], "sparse": pool[active:], "counter": c, "last_time": sec,
    }


def to_gzip(src: str, dst: str, level: int = 6, mtime: int = START) -> dict:
    """Stream `src` into a gzip file (header time `mtime`, no file name: byte-identical for a seed)."""
    sha = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=level, fileobj=raw, mtime=mtime) as z:
            for block in iter(lambda: fin.read(4 * CHUNK), b""):
                z.write(block)
    with open(dst, "rb") as f:
        for block in iter(lambda: f.read(4 * CHUNK), b""):
            sha.update(block)
    return {"path": dst, "bytes": os.path.getsize(dst), "sha256": sha.hexdigest(), "level": level}


def to_utf16le(src: str, dst: str) -> dict:
    """Stream `src` (UTF-8, here all ASCII) into UTF-16LE with a BOM, as Notepad's "Unicode"."""
    sha = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as out:
        out.write(b"\xff\xfe")
        sha.update(b"\xff\xfe")
        for block in iter(lambda: fin.read(4 * CHUNK), b""):
            enc = block.decode("utf-8").encode("utf-16-le")  # blocks end anywhere: fine for ASCII only
            out.write(enc)
            sha.update(enc)
    return {"path": dst, "bytes": os.path.getsize(dst), "sha256": sha.hexdigest()}


def subject_lists(active: list[str], sparse: list[str], seed: int) -> dict[str, list[str]]:
    """users-10 ... users-10000: nested prefixes of one seeded shuffle of the active users; sparse-1000."""
    order = list(active)
    random.Random(seed * 7919 + 11).shuffle(order)
    lists = {f"users-{n}": order[:n] for n in LIST_SIZES if n <= len(order)}
    lists[f"sparse-{len(sparse)}"] = list(sparse)
    return lists


def generate(outdir: str, size: int, seed: int = 1, gz: bool = True, utf16: bool = True, **kw) -> dict:
    """Write the log, its variants, the subject lists and manifest.json into `outdir`; return the manifest."""
    logs, subj = os.path.join(outdir, "logs"), os.path.join(outdir, "subjects")
    os.makedirs(logs, exist_ok=True)
    os.makedirs(subj, exist_ok=True)
    log = os.path.join(logs, "MultiFactorAuthSvc.log")
    t0 = time.perf_counter()
    core = generate_log(log, size, seed, **kw)
    seconds = {"utf8": round(time.perf_counter() - t0, 2)}
    files = {"utf8": {"path": log, "bytes": core["bytes"], "sha256": core["sha256"]}}
    if gz:
        t0 = time.perf_counter()
        files["gzip"] = to_gzip(log, log + ".gz", mtime=core["last_time"])
        seconds["gzip"] = round(time.perf_counter() - t0, 2)
    if utf16:
        t0 = time.perf_counter()
        files["utf16"] = to_utf16le(log, os.path.join(logs, "MultiFactorAuthSvc.utf16.log"))
        seconds["utf16"] = round(time.perf_counter() - t0, 2)
    c: Counter = core["counter"]
    index = {n: i for i, n in enumerate(c.names)}
    lists = subject_lists(core["active"], core["sparse"], seed)
    listed = {}
    for key, members in lists.items():
        path = os.path.join(subj, key + ".txt")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(n + "\n" for n in members))
        with open(os.path.join(subj, key + ".quoted.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(f'"{n}"\n' for n in members))
        listed[key] = {
            "path": path, "names": len(members),
            "quoted": sum(c.quoted[index[n]] for n in members),
            "mentions": sum(c.mentions[index[n]] for n in members),
            "absent": sum(1 for n in members if not (c.quoted[index[n]] or c.mentions[index[n]])),
        }
    svc = index[SERVICE]
    manifest = {
        "generator": "bench/realistic.py",
        "seed": seed,
        "size_requested": size,
        "lines": core["lines"],
        "files": files,
        "write_seconds": seconds,
        "service_account": {"name": SERVICE, "quoted": c.quoted[svc], "mentions": c.mentions[svc],
                            "share_of_lines": round(c.quoted[svc] / core["lines"], 4)},
        "subject_lists": listed,
        "counting": "per name: quoted = lines with the name between double quotes (any case); "
                    "mentions = lines with an unquoted mention and no quoted occurrence",
        "counts": {n: {"quoted": c.quoted[i], "mentions": c.mentions[i]} for i, n in enumerate(c.names)},
    }
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return manifest


def read_names(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]


def check(manifest: dict, result_jsonl: str, names: list[str]) -> list[str]:
    """Compare a `mfalogscan scan -f jsonl` result with the manifest for `names`; return the differences
    (empty: every quoted-finding count and every summary mention count is what was written)."""
    found: dict[str, int] = {}
    summary = None
    with open(result_jsonl, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if obj["type"] == "finding" and obj["quoted"]:
                found[obj["user"]] = found.get(obj["user"], 0) + 1
            elif obj["type"] == "summary":
                summary = {u["user"]: u for u in obj["users"]}
    problems = []
    if summary is None:
        problems.append("no summary record in the result")
        summary = {}
    for n in names:
        want = manifest["counts"].get(n, {"quoted": 0, "mentions": 0})
        got_q, s = found.get(n, 0), summary.get(n, {})
        if got_q != want["quoted"]:
            problems.append(f"{n}: {got_q} quoted findings, manifest {want['quoted']}")
        if s and s.get("quoted") != want["quoted"]:
            problems.append(f"{n}: summary quoted {s.get('quoted')}, manifest {want['quoted']}")
        if s and s.get("mentions") != want["mentions"]:
            problems.append(f"{n}: summary mentions {s.get('mentions')}, manifest {want['mentions']}")
    extra = set(found) - set(names)
    if extra:
        problems.append(f"findings for names not searched: {sorted(extra)[:5]}")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write logs, subject lists and manifest.json into OUTDIR")
    g.add_argument("outdir")
    g.add_argument("--size", default="64M", help="bytes of the UTF-8 log (K, M, G suffixes); default 64M")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--no-gzip", action="store_true")
    g.add_argument("--no-utf16", action="store_true")
    k = sub.add_parser("check", help="compare a mfalogscan JSON Lines result with the manifest")
    k.add_argument("manifest")
    k.add_argument("result")
    k.add_argument("--subjects", help="a list name from the manifest (users-100) or a users file")
    k.add_argument("--user", action="append", default=[], help="a name (repeatable)")
    args = ap.parse_args(argv)
    if args.cmd == "generate":
        man = generate(args.outdir, parse_size(args.size), args.seed, gz=not args.no_gzip, utf16=not args.no_utf16)
        brief = {k: man[k] for k in ("lines", "write_seconds", "service_account", "subject_lists")}
        brief["bytes"] = man["files"]["utf8"]["bytes"]
        json.dump(brief, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    with open(args.manifest) as f:
        man = json.load(f)
    names = list(args.user)
    if args.subjects:
        lst = man["subject_lists"].get(args.subjects)
        names += read_names(lst["path"] if lst else args.subjects)
    problems = check(man, args.result, names)
    for p in problems[:50]:
        print(p)
    print(f"{len(names)} names: {'OK, findings match the manifest' if not problems else f'{len(problems)} differences'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
