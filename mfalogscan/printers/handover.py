"""The hand-over parts of an evidence report: who hands it over, for which request, and what it means.

`load_case(path, given)` reads `--case FILE` (TOML) and the options that
fill or override it, and checks them: one clear line naming the file and
the key when something is wrong. The fields, in the order a report shows
them:

    controller = "Contoso Ltd, Data Protection Office"
    request_reference = "DSR-2026-0142"
    handled_by = "Jane Roe"
    request_received = 2026-11-20        # a TOML date or "YYYY-MM-DD"
    notes = "Identity checked by phone on 2026-11-21."

The explanation for the data subject and the signature lines are fixed
wording here, so both report formats say the same.
"""

from __future__ import annotations

import datetime as _dt

from ..errors import ConfigError

FIELDS = (
    ("controller", "Controller"),
    ("request_reference", "Request reference"),
    ("handled_by", "Handled by"),
    ("request_received", "Request received"),
    ("notes", "Notes"),
)
_MAX = 4000  # characters: a case value is a line or a paragraph, not a document

EXPLANATION = (
    "This report lists every line of the multi-factor authentication (MFA) server's logs, and of their backups, "
    "that names you. It sorts them into three groups.",
    "User-change records: the moments your MFA record was created, changed or deleted (for example a phone number "
    "or a device added), and who did it. These are the records Microsoft's procedure asks to be reported.",
    "Operational records: the service doing its job with your account, such as a sign-in verified by phone or app. "
    "Microsoft calls these operational data; they repeat what the user-change records and your account already "
    "hold.",
    "Unclassified records: lines that name you but that no rule recognises. They are shown as written; nothing is "
    "guessed about them.",
    "Each record gives its time (UTC), the file and line it was read from, and the text as the log holds it.",
)
MASK_NOTE = ("Where another person appears, their name is replaced by a placeholder such as [other person 1], and in "
             "records about them the values of their record (phone numbers, addresses, devices) by [masked value].")
NO_CASE = ("Hand-over details were not given (controller, request reference, handler, date the request was received): "
           "fill them in below, or make the report with --case FILE.")
SIGNATURE_LINES = ("Checked and handed over by (name, role)", "Signature", "Date")


def _date(value, where: str) -> str:
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ConfigError(f"request_received must be a date such as 2026-11-20, not {value!r}", where)


def _checked(key: str, value, where: str) -> str:
    if key == "request_received":
        return _date(value, where)
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be text, not {type(value).__name__}", where)
    value = value.strip()
    if len(value) > _MAX:
        raise ConfigError(f"{key} is {len(value)} characters long; at most {_MAX}", where)
    return value


def load_case(path: str | None, given: dict) -> tuple[tuple[str, str], ...]:
    """The case fields from FILE, then from options (which win), as ordered (key, value) pairs."""
    values: dict = {}
    if path is not None:
        try:
            import tomllib
        except ImportError:  # Python < 3.11
            import tomli as tomllib
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except OSError as e:
            raise ConfigError(f"cannot read the case file: {e.strerror or e}", path) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"the case file is not valid TOML: {e}", path) from None
        known = {k for k, _ in FIELDS}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(f"unknown key {key!r} in the case file; the keys are {', '.join(sorted(known))}", path)
            values[key] = _checked(key, value, path)
    for key, value in given.items():
        if value is not None:
            values[key] = _checked(key, value, f"--{key.replace('_', '-')}")
    return tuple((k, values[k]) for k, _ in FIELDS if values.get(k))


def case_rows(case: dict) -> list[tuple[str, str]]:
    """(label, value) for each field given, in the report's order."""
    return [(label, case[key]) for key, label in FIELDS if case.get(key)]
