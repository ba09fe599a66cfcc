"""The inventory command: options -> ScanConfig -> inventory() -> a data-map printer; errors -> exit status."""

from __future__ import annotations

from typing import List, Optional

import typer

from . import options
from .app import app
from .guard import guarded

INVENTORY_EPILOG = """\b
Examples:
  mfalogscan inventory "C:\\Program Files\\Multi-Factor Authentication Server\\Logs"
  mfalogscan inventory Logs backups -f csv -o map.csv
  mfalogscan scan Logs --users-file map.csv -f json -o everyone.json

\b
Every identity the logs hold (actors and targets of user changes, the users
of authentication records, event-log accounts), counted as a scan for that
name counts it, with what is kept past --retention-days. The CSV can be
given back to scan as --users-file.

\b
Exit status: 0 identities found, 1 none, 2 an error (also a source that
could not be read in full, as for scan).
"""


@app.command("inventory", epilog=INVENTORY_EPILOG)
def inventory_command(
    paths: Optional[List[str]] = options.PATHS,
    users_file: Optional[str] = options.USERS_FILE,
    fmt: Optional[str] = typer.Option(None, "--format", "-f", metavar="FORMAT",
                                      help="table, json, jsonl, csv, markdown or html [default: table on a terminal, "
                                           "else jsonl]."),
    pseudonyms: bool = typer.Option(False, "--pseudonyms",
                                    help="In the markdown and html reports, show identities as person 1, person 2, ..."),
    output: Optional[str] = options.OUTPUT,
    force: bool = options.FORCE,
    rules: Optional[List[str]] = options.RULES,
    encoding: Optional[str] = options.ENCODING,
    framing: Optional[str] = options.FRAMING,
    timezone_name: str = options.TIMEZONE_NAME,
    year: Optional[int] = options.YEAR,
    date_order: Optional[str] = options.DATE_ORDER,
    retention_days: int = options.RETENTION_DAYS,
    as_of: Optional[str] = options.AS_OF,
    max_expansion: int = options.MAX_EXPANSION,
    jobs: int = options.INVENTORY_JOBS,
    follow_links: bool = options.FOLLOW_LINKS,
    short_names: bool = options.SHORT_NAMES,
    debug: bool = options.DEBUG,
) -> None:
    """List every identity PATHs hold, and what of it is kept past retention (the data map)."""
    from ..errors import ConfigError

    data_map = None
    with guarded(debug) as run:
        from ..config import ScanConfig, subjects_from
        from ..inventory import inventory
        from ..printers.datamap import writers
        from ..scanning.parallel import default_jobs
        from ..sources.discover import check_paths, expand_patterns
        from ..timeline.policy import parse_when, reference_now
        from .scan import _format_for, _open_output, _sealer, say_after

        now = reference_now()
        time = options.time_policy(timezone_name, year, None, None, date_order, now)
        config = ScanConfig(
            paths=expand_patterns(paths or ()),
            subjects=subjects_from([], users_file, short_names) if users_file else (),
            discovering=True,
            framing=framing, time=time, retention_days=retention_days,
            as_of=parse_when(as_of, time.zone, now, "--as-of", end=True) if as_of else None,
            encoding=encoding, rules_files=tuple(rules or ()), debug=debug, jobs=jobs or default_jobs(),
            max_expansion=max_expansion, exclude=tuple(p for p in (output,) if p and p != "-"),
            follow_links=follow_links, short_names=short_names,
        )
        name = _format_for(fmt, output)
        write = writers(pseudonyms)
        if name not in write:
            raise ConfigError(f"--format {name}: the data map is written as {', '.join(write)}")
        if pseudonyms and name not in ("markdown", "html"):
            raise ConfigError(f"--pseudonyms works on the markdown and html reports, not on {name}")
        check_paths(config.paths)
        out, close = run.output(*_open_output(output, force, _sealer(None, None, output, None, now)))
        data_map = run.closing(inventory(config))
        write[name](data_map, out)
        out.flush()
    from ..errors import visible

    statuses = data_map.report.sources if data_map.report is not None else data_map.statuses
    say_after(statuses, output if close else None, close)
    for path, why in sorted(data_map.given_up.items()):  # the same counts, but it took longer: say why
        typer.echo(f"mfalogscan: {visible(path)}: counted the slow way (the fast reading gave it up: {why})", err=True)
    if data_map.skipped_names:  # listed in the JSON's names_not_searched; said here for every format
        names = sorted(data_map.skipped_names)
        shown = ", ".join(repr(n) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        typer.echo(f"mfalogscan: {len(names)} name(s) found in the logs were not counted: {shown} "
                   f"({data_map.skipped_names[names[0]]})", err=True)
    raise typer.Exit(2 if any(s.has_error for s in statuses) else 0 if data_map.identities else 1)
