"""The options scan and inventory share, defined once (typer reads each as the default of a parameter), and what
the time options mean (`time_policy`)."""

from __future__ import annotations

import typer

from ..config import MAX_EXPANSION as EXPANSION_LIMIT
from .guard import WINDOWS

PATHS = typer.Argument(
    None, help="Log files, folders (searched recursively) or archives; '-' for standard input.", show_default=False,
    metavar="PATH...",
)

USERS_FILE = typer.Option(
    None, "--users-file", metavar="FILE", help="One subject per line; tab-separated aliases after the first name; '#' comments."
)

OUTPUT = typer.Option(
    None, "--output", "-o", metavar="FILE",
    help=("Write the output to this new file instead of stdout (on Windows it gets its folder's permissions: "
          "choose a folder only you can read)." if WINDOWS else
          "Write the output to this new file (owner-only) instead of stdout."),
)

FORCE = typer.Option(False, "--force", help="Replace existing --output or --output-dir files.")

RULES = typer.Option(None, "--rules", metavar="FILE", help="A TOML rules file tried before the shipped rules (repeatable).")

ENCODING = typer.Option(None, "--encoding", metavar="NAME", help="Force an encoding (e.g. utf-16-le, cp1252) instead of detecting it.")

FRAMING = typer.Option(
    None, "--framing", metavar="NAME",
    help="Force a framing instead of detecting it: native, syslog, rfc5424, csv, kiwi or plain.",
)

TIMEZONE_NAME = typer.Option(
    "UTC", "--timezone", metavar="ZONE", help="Zone of stamps written without one (IANA name or offset such as +02:00)."
)

YEAR = typer.Option(
    None, "--year", metavar="YEAR", min=1, max=9999,
    help="Year of the first record of sources whose stamps have none (RFC 3164).",
)

DATE_ORDER = typer.Option(
    None, "--date-order", metavar="ORDER",
    help="How numeric dates such as 03/04/2021 or 17/06/09 are read where a source cannot prove it: ymd, dmy or mdy.",
)

RETENTION_DAYS = typer.Option(
    90, "--retention-days", metavar="DAYS", min=0,
    help="Mark findings older than DAYS before --as-of as kept past retention (MFA Server: 90).",
)

AS_OF = typer.Option(None, "--as-of", metavar="WHEN", help="The reference date for retention [default: now].")

MAX_EXPANSION = typer.Option(
    EXPANSION_LIMIT, "--max-expansion", metavar="RATIO", min=0,
    help="Stop decompressing a file that expands more than RATIO times its size (a bomb guard; 0: no limit).",
)

JOBS = typer.Option(
    1, "--jobs", "-j", metavar="N", min=0,
    help="Scan N sources at once in worker processes (0: one per CPU); the output is the same.",
)
# The data map reads every line: by default it uses every CPU (a large MultiFactorAuthSvc.log in blocks, too).
INVENTORY_JOBS = typer.Option(
    0, "--jobs", "-j", metavar="N", min=0,
    help="Use N worker processes (0: one per CPU): for sources at once, and for blocks of a MultiFactorAuthSvc.log "
         "over 64 MiB; the map is the same.",
)

FOLLOW_LINKS = typer.Option(
    False, "--follow-links", help="Follow symbolic links that lead out of the folders scanned (listed as skipped otherwise).",
)

SHORT_NAMES = typer.Option(
    False, "--short-names",
    help="Search names of one character or with no letter or digit (refused otherwise), only where quotes close them.",
)

DEBUG = typer.Option(False, "--debug", help="Show a traceback on internal errors.")


def time_policy(timezone_name: str, year, since, until, date_order, now):
    """--timezone, --year, --since, --until and --date-order as the scan's TimePolicy (ConfigError when they do
    not make sense together)."""
    from ..errors import ConfigError
    from ..timeline.policy import TimePolicy, parse_when, parse_zone

    zone, zone_label = parse_zone(timezone_name)
    time = TimePolicy(
        zone,
        zone_label,
        year,
        parse_when(since, zone, now, "--since") if since else None,
        parse_when(until, zone, now, "--until", end=True) if until else None,
        date_order.lower() if date_order else None,
    )
    if time.since is not None and time.until is not None and time.since > time.until:
        raise ConfigError(f"--since ({time.since.isoformat()}) is later than --until ({time.until.isoformat()}): "
                          "no finding could be shown")
    return time


def a_date(text: str, zone, now, option: str):
    """A date or a date and time, never an age (`30d` counts from the clock: a deletion is a date in the past)."""
    from datetime import timedelta

    from ..errors import ConfigError
    from ..timeline.policy import parse_when

    when = parse_when(text, zone, now, option, end=True)
    if when != parse_when(text, zone, now - timedelta(days=400), option, end=True):
        raise ConfigError(f"{option}: give a date (2024-05-02, or with a time), not {text!r}, which depends on today")
    return when
