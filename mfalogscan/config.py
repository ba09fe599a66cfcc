"""What a scan is asked to do: ScanConfig, subjects and their aliases, validation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

from .errors import ConfigError
from .timeline.policy import TimePolicy

DEFAULT_LOGS_DIR = r"C:\Program Files\Multi-Factor Authentication Server\Logs"
MAX_NAME_CHARS = 256
# Unicode's control characters (category Cc) and surrogates (Cs), as one class: asking unicodedata.category of
# every character took 1 s for 100,000 names.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


#: The default of --max-expansion: logs compress 5 to 50 times, decompression bombs far more.
MAX_EXPANSION = 200


@dataclass(frozen=True)
class Subject:
    """A person searched for: the name reports use, and other names they go by."""

    name: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,) + self.aliases


@dataclass(frozen=True)
class ScanConfig:
    """Everything scan() needs; built by the CLI or by library callers."""

    paths: tuple[str, ...]
    subjects: tuple[Subject, ...]
    list_mentions: bool = False
    encoding: str | None = None
    rules_files: tuple[str, ...] = ()
    chunk_size: int = 2 * 1024 * 1024
    max_line: int = 1024 * 1024
    text_max: int = 2000
    debug: bool = False
    framing: str | None = None
    time: TimePolicy = field(default_factory=TimePolicy)
    event_window: float = 5.0
    gap_threshold: float = 3600.0
    #: Microsoft states MFA Server keeps collected data 90 days.
    retention_days: int = 90
    as_of: datetime | None = None  # None: now (or SOURCE_DATE_EPOCH)
    mask_others: bool = False
    #: False forces the plain byte search (the fast path's reference in tests).
    fast: bool = True
    #: False keeps NumPy and ahocorasick_rs out even where installed (the accelerated paths' reference in tests).
    accelerate: bool = True
    sample_every: int = 64 * 1024
    yearless_sample_every: int = 1024
    #: How many times its stored size a compressed file may expand before decompressing stops (0: no limit).
    max_expansion: int = MAX_EXPANSION
    #: Sources scanned at once, in worker processes (the output does not depend on it).
    jobs: int = 1
    #: This run's outputs (--output, --output-dir): never read as sources.
    exclude: tuple[str, ...] = ()
    #: Follow symbolic links that lead out of the folders scanned (--follow-links).
    follow_links: bool = False
    #: Who hands the evidence over, for which request ((key, value) pairs: printers.handover.FIELDS).
    case: tuple[tuple[str, str], ...] = ()
    #: Search names of one character or without a letter or digit (--short-names), where quotes close them.
    short_names: bool = False
    #: `inventory`'s first pass: no names are given, every record's identities are sought (inventory/discover.py).
    discovering: bool = False
    #: Exports of a person's MFA Server record attached to their evidence (--gdpr-export): (person, path).
    gdpr_exports: tuple[tuple[str, str], ...] = ()
    #: When a person's data was deleted (--deleted-on): (person, moment); see evidence/procedure.py.
    deleted_on: tuple[tuple[str, datetime], ...] = ()
    #: A translation of the stores checklist's wording (--checklist); None: the shipped English one.
    checklist: str | None = None
    parameters: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if not self.paths:
            raise ConfigError(
                "no PATH given: pass the MFA Server Logs folder (usually "
                f"'{DEFAULT_LOGS_DIR}'), copies or archives of it, or '-' for standard input"
            )
        if not self.subjects and not self.discovering:
            raise ConfigError("no user to search for: give --user NAME or --users-file FILE")
        if self.retention_days < 0:
            raise ConfigError("--retention-days must be 0 or more")
        if self.time.year is not None and not 1 <= self.time.year <= 9999:
            raise ConfigError(f"--year must be from 1 to 9999, not {self.time.year}")
        if self.max_expansion < 0:
            raise ConfigError("--max-expansion must be 0 (no limit) or more")
        if self.jobs < 1:
            raise ConfigError("--jobs must be 1 or more")
        if self.chunk_size < 1:
            raise ConfigError("chunk size must be at least 1 byte")
        if self.framing is not None:
            from .framings import names

            if self.framing not in names():
                raise ConfigError(f"--framing: unknown framing {self.framing!r} (choose from: {', '.join(names())})")
        if self.encoding is not None:
            from .sources.decode import check_encoding

            try:
                object.__setattr__(self, "encoding", check_encoding(self.encoding))
            except ValueError as e:
                raise ConfigError(f"--encoding: {e}") from None
        _check_unique(self.subjects)
        _check_people(self.subjects, self.gdpr_exports, "--gdpr-export")
        _check_people(self.subjects, self.deleted_on, "--deleted-on")
        if len(dict(self.deleted_on)) != len(self.deleted_on):
            raise ConfigError("--deleted-on: one date per person")
        if not self.short_names:
            for s in self.subjects:
                for name in s.names:
                    _refuse_short(name, "")


    @property
    def deletions(self) -> dict[str, datetime]:
        return dict(self.deleted_on)


def _check_people(subjects: Sequence[Subject], pairs, option: str) -> None:
    names = {s.name for s in subjects}
    for person, _ in pairs:
        if person not in names:
            raise ConfigError(f"{option}: {person!r} is not one of the people searched")


def per_person(values: Sequence[str], subjects: Sequence[Subject], option: str, exists=None) -> list[tuple[str, str]]:
    """`[NAME=]VALUE` options as (person, value): NAME is one of the people searched (any of their names, as
    accounts compare); without it the value is for the only person searched. `exists(value)` says whether a value
    with an `=` in it is whole (a file path holding `=`)."""
    from .search.casefold import name_key

    owner = {name_key(n): s.name for s in subjects for n in s.names}
    out = []
    for value in values:
        person = None
        for at in (i for i, c in enumerate(value) if c == "="):
            if (who := owner.get(name_key(value[:at]))) is not None and not (exists and exists(value)):
                person, value = who, value[at + 1:]
                break
        if person is None:
            if len(subjects) != 1:
                raise ConfigError(f"{option} {value}: this scan searches {len(subjects)} people; say whose it is "
                                  f"with {option} NAME={value}")
            person = subjects[0].name
        if not value:
            raise ConfigError(f"{option}: nothing after the name")
        out.append((person, value))
    return out


def check_name(name: str, where: str, short_names: bool = False) -> str:
    """A usable name, or a ConfigError saying what is wrong with it (a short one only with `short_names`)."""
    if name != name.strip():
        raise ConfigError(f"{where}: name {name!r} has leading or trailing white space")
    if not name:
        raise ConfigError(f"{where}: empty user name")
    if '"' in name:
        raise ConfigError(f"{where}: name {name!r} contains a double quote; give the name without its quotes")
    if _CONTROL.search(name):
        raise ConfigError(f"{where}: name {name!r} contains control characters")
    if len(name) > MAX_NAME_CHARS:
        raise ConfigError(f"{where}: name is longer than {MAX_NAME_CHARS} characters")
    if not short_names:
        _refuse_short(name, where + ": ")
    return name


def _refuse_short(name: str, where: str) -> None:
    """A ConfigError for a name too short to search (search.casefold.short_reason), saying how to search it anyway.

    Refused rather than searched as written: `a` is in nearly every line, so
    every line would be a candidate (4.8 s per 64 MB, and its "mentions" the
    letter in other words' places); a name of one character is more often a
    slip in a users file than an account, and a real one is found by
    --short-names where quotes close it.
    """
    from .search.casefold import short_reason

    reason = short_reason(name)
    if reason is not None:
        raise ConfigError(
            f"{where}name {name!r} is too short to search ({reason}: it is in nearly every line of a log); "
            f"give --short-names to search it only where quotes close it (\"{name}\", '{name}', \"DOMAIN\\{name}\")"
        )


def _check_unique(subjects: Sequence[Subject]) -> None:
    owner: dict = {}
    seen: set[str] = set()
    for s in subjects:
        if s.name in seen:
            # Two Subjects of one name would each be searched and counted: every finding twice.
            raise ConfigError(f"subject {s.name!r} is given twice; give each person once, with all their aliases")
        seen.add(s.name)
        _claim(owner, s.names, s.name)


def _claim(owner: dict, names: Sequence[str], subject: str, where: str | None = None) -> None:
    """Each name (as accounts compare) belongs to one subject; `owner` remembers whose, and where it was given."""
    from .search.casefold import name_key

    for name in names:
        key = name_key(name)
        have = owner.get(key)
        if have is not None and have[0] != subject:
            first = f"{have[0]!r} at line {have[1].rsplit(':', 1)[1]}" if have[1] else repr(have[0])
            raise ConfigError(
                f"{where + ': ' if where else ''}name {name!r} is given for two different people ({first} and "
                f"{subject!r}); each name may belong to one subject only"
            )
        owner.setdefault(key, (subject, where))


def subjects_from(users: Sequence[str], users_file: str | None, short_names: bool = False) -> tuple[Subject, ...]:
    """Subjects from --user options then --users-file lines; the same subject twice is merged."""
    found: list[Subject] = [Subject(check_name(u, "--user", short_names)) for u in users]
    if users_file is not None:
        found.extend(read_users_file(users_file, short_names))
    merged: dict[str, Subject] = {}
    for s in found:
        if s.name in merged:
            have = merged[s.name]
            extra = tuple(a for a in s.aliases if a not in have.aliases)
            merged[s.name] = Subject(s.name, have.aliases + extra)
        else:
            merged[s.name] = s
    return tuple(merged.values())


#: The first columns of `mfalogscan inventory -f csv` (printers/datamap.py): such a file is a users file too.
MAP_CSV_HEAD = "identity,aliases,key,"
_FORMULA_MARK = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def _map_subjects(text: str, path: str, short_names: bool) -> list[Subject]:
    """The persons of a data map's CSV: `identity`, and `aliases` joined by "; "; a cell the CSV writer made safe
    for spreadsheets (a leading apostrophe before =, +, -, @) is read back as the name it was."""
    import csv
    import io

    def name(cell: str) -> str:
        return cell[1:] if cell.startswith(_FORMULA_MARK) else cell

    subjects, owner = [], {}
    rows = csv.DictReader(io.StringIO(text, newline=""))
    for row in rows:
        where = f"{path}:{rows.line_num}"
        names = [name(row["identity"])] + [name(a) for a in (row.get("aliases") or "").split("; ") if a]
        subjects.append(_person(names, where, owner, short_names))
    if not subjects:
        raise ConfigError("users file holds no names", path)
    return subjects


def _person(names: list[str], where: str, owner: dict, short_names: bool) -> Subject:
    """One users-file line's person: every name checked and claimed for them, the first their name."""
    for name in names:
        check_name(name, where, short_names)
    _claim(owner, names, names[0], where)
    return Subject(names[0], tuple(dict.fromkeys(a for a in names[1:] if a != names[0])))


def read_users_file(path: str, short_names: bool = False) -> list[Subject]:
    """One subject per line; tab-separated aliases after the first name; '#' comments."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ConfigError(f"cannot read users file: {e.strerror or e}", path) from None
    from .sources.decode import guess_utf16

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, body = "utf-16", data
    elif (guessed := guess_utf16(data[:65536])) is not None:
        encoding, body = guessed, data  # UTF-16 without a BOM, as Notepad can save it
    else:
        if b"\x00" in data:
            raise ConfigError("users file looks binary (NUL bytes); expected one name per line", path)
        encoding, body = "utf-8-sig", data
    try:
        text = body.decode(encoding, "strict")
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"users file is not valid {encoding.replace('-sig', '')} text at byte {e.start} ({e.reason}); "
            "save it as UTF-8 or UTF-16 with a BOM", path,
        ) from None
    if text.lstrip("\ufeff").startswith(MAP_CSV_HEAD):  # a data map's CSV (mfalogscan inventory -f csv)
        return _map_subjects(text.lstrip("\ufeff"), path, short_names)
    subjects, owner = [], {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        names = [p.strip() for p in line.split("\t") if p.strip()]
        where = f"{path}:{n}"
        if len(names) == 1 and ", " in names[0] and "=" not in names[0]:
            # Account names hold no comma: `jdoe, CONTOSO\jdoe` is aliases separated the wrong way, and searched
            # as one name it would find nothing, which reads as "nothing held". (A distinguished name,
            # `CN=Doe\, John,OU=Staff,...`, is one name.)
            raise ConfigError(f"'{names[0]}' holds ', ': separate a person's names with tabs (account names "
                              "cannot hold a comma)", path, n)
        subjects.append(_person(names, where, owner, short_names))
    if not subjects:
        raise ConfigError("users file holds no names", path)
    return subjects
