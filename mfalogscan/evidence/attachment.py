"""An export of the person's MFA Server record attached to their evidence (`--gdpr-export`, issue 17).

The file is what `MultiFactorAuthGdpr.exe export <username>` writes, or the
JSON of the Web Service SDK's `GetUserGdpr`. Its shape is not published, so
it is read as opaque JSON: every value becomes one row (a path such as
`Phones[0].Number`, the value as written, its JSON type), in the file's
order, duplicate keys kept. Nothing it names is opened, fetched or run; the
printers escape every row as they escape log text. The evidence keeps the
file's SHA-256, size and modification time, and `verify` reads it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from ..errors import ConfigError
from ..timeline.policy import iso_utc

MAX_BYTES = 8 * 1024 * 1024  # an export is a few KiB; this is no export
MAX_ROWS = 100_000  # each row is kept and printed: a file of millions of values is no one person's export
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str) -> str:
    """A JSON string as written: a lone surrogate (`"\\ud800"` in the file, which no UTF-8 can hold) as its escape."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


@dataclass(frozen=True)
class Attachment:
    user: str
    path: str
    sha256: str
    bytes: int
    modified: str | None
    encoding: str
    #: (field, value as written, JSON type) in the file's order; a container with nothing in it is one row.
    rows: tuple[tuple[str, str, str], ...]

    def to_dict(self) -> dict:
        return {"user": self.user, "path": self.path, "sha256": self.sha256, "bytes": self.bytes,
                "modified": self.modified, "encoding": self.encoding, "rows": [list(r) for r in self.rows]}


class _Number(str):
    """A JSON number as written (1.10 stays 1.10; a 40-digit integer stays exact)."""


class _Constant(str):
    """NaN, Infinity, -Infinity: not JSON, but what some writers emit; kept as written."""


def _decode(data: bytes, path: str) -> tuple[str, str]:
    from ..sources.utf16 import guess_utf16

    if data.startswith(b"\xef\xbb\xbf"):
        encoding, body = "utf-8", data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, body = ("utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be"), data[2:]
    elif (guessed := guess_utf16(data[:65536])) is not None:
        encoding, body = guessed, data
    else:
        encoding, body = "utf-8", data
    try:
        return body.decode(encoding), encoding
    except UnicodeDecodeError as e:
        raise ConfigError(f"--gdpr-export: not {encoding} text at byte {e.start} ({e.reason}); expected the JSON "
                          "file MultiFactorAuthGdpr.exe export writes", path) from None


def _pairs(pairs):
    return ("object", pairs)  # every key kept, in order, even one given twice


def _parse(text: str, path: str):
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_float=_Number, parse_int=_Number,
                          parse_constant=_Constant)
    except RecursionError:
        raise ConfigError("--gdpr-export: the JSON is nested too deeply to read", path) from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"--gdpr-export: not JSON: {e.msg} at line {e.lineno} column {e.colno}", path) from None


def _key(parent: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def rows_of(value) -> list[tuple[str, str, str]]:
    """Every value of a parsed export as (field, value as written, type), depth first, in the file's order."""
    out: list[tuple[str, str, str]] = []
    stack = [("", value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, tuple):  # ("object", [(key, value), ...])
            if not v[1]:
                out.append((where, "{}", "object"))
            stack.extend((_key(where, _text(k)), item) for k, item in reversed(v[1]))
        elif isinstance(v, list):
            if not v:
                out.append((where, "[]", "array"))
            stack.extend((f"{where}[{i}]", item) for i, item in reversed(list(enumerate(v))))
        elif isinstance(v, (_Number, _Constant)):
            out.append((where, str(v), "number"))
        elif isinstance(v, str):
            out.append((where, _text(v), "string"))
        elif v is None:
            out.append((where, "null", "null"))
        else:  # True, False
            out.append((where, "true" if v else "false", "boolean"))
        if len(out) > MAX_ROWS:
            raise ConfigError(f"--gdpr-export: more than {MAX_ROWS:,} values, more than one person's export holds")
    return out


def load_export(path: str, user: str, names: tuple[str, ...] | None = None) -> Attachment:
    """The export at `path`, for the person `user`: hashed, sized, dated and read; a ConfigError when it cannot be,
    or when none of the person's `names` is one of its values (someone else's export: handed over, it would give
    that person's record to this one)."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if st.st_size > MAX_BYTES:
                raise ConfigError(f"--gdpr-export: {st.st_size:,} bytes, more than an export holds "
                                  f"({MAX_BYTES:,} at most)", path)
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise ConfigError(f"--gdpr-export: cannot read the file: {e.strerror or e}", path) from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"--gdpr-export: more than {MAX_BYTES:,} bytes, more than an export holds", path)
    text, encoding = _decode(data, path)
    try:
        rows = rows_of(_parse(text, path))
    except ConfigError as e:
        if e.path is not None:
            raise
        raise ConfigError(str(e), path) from None
    if names and not _names_someone(rows, names):
        raise ConfigError(f"--gdpr-export: none of {user}'s names ({', '.join(names)}) is a value in it: is it this "
                          "person's export? (give the name it holds as an alias of the person)", path)
    modified = iso_utc(datetime.fromtimestamp(st.st_mtime, timezone.utc), True)
    return Attachment(user, path, hashlib.sha256(data).hexdigest(), len(data), modified, encoding, tuple(rows))


def _names_someone(rows, names) -> bool:
    from ..search.casefold import is_account_of, name_key

    keys = {name_key(n) for n in names}
    return any(kind == "string" and is_account_of(value, keys) for _, value, kind in rows)


def digest(path: str) -> tuple[str, int] | None:
    """The file's SHA-256 and size now, or None when it cannot be read (verify)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError:
        return None
    return hashlib.sha256(data).hexdigest(), len(data)
