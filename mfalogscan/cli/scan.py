"""The scan command: options -> ScanConfig -> scan() -> a printer (or one file per subject); errors -> exit status."""

from __future__ import annotations

import io
import os
import re
import sys
from enum import Enum
from typing import List, Optional

import typer

from ..printers import FORMATS
from . import options
from .app import EXIT_STATUS, _err, app
from . import guard
from .guard import guarded

Format = Enum("Format", {name: name for name in FORMATS}, type=str)  # the formats, defined once in printers


def _open_output(path: Optional[str], force: bool, sealer):
    if path is None or path == "-":
        return io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", line_buffering=sys.stdout.isatty()), False
    from ..printers.safeopen import open_report

    return open_report(path, force, sealer), True


EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".md": "markdown",
              ".markdown": "markdown", ".html": "html", ".htm": "html", ".txt": "table"}


def _format_for(asked: Optional[str], output: Optional[str]) -> str:
    """-f, or what --output's extension names, or a table on a terminal and JSON Lines elsewhere."""
    from ..errors import ConfigError

    named = EXTENSIONS.get(os.path.splitext(output)[1].lower()) if output and output != "-" else None
    if asked and named and asked != named:
        raise ConfigError(f"--format {asked} but --output {output} names {named}: make them agree, or leave out -f")
    if asked or named:
        return asked or named
    if output and output != "-":
        _err(f"writing JSON Lines to {output}: its extension names no format (give -f to choose)")
        return "jsonl"
    return "table" if sys.stdout.isatty() else "jsonl"


def _sealer(sign: Optional[str], signer: Optional[str], output: Optional[str], output_dir: Optional[str], now):
    """The seal of report files: a manifest always, a signature with --sign."""
    from ..errors import ConfigError
    from ..evidence.seal import Sealer, load_key
    from ..timeline.policy import iso_utc

    if signer is not None and sign is None:
        raise ConfigError("--signer names who signs: give --sign KEY too")
    if sign is not None and (output in (None, "-") and output_dir is None):
        raise ConfigError("--sign needs --output or --output-dir: a report on stdout cannot carry its signature")
    return Sealer(load_key(sign, private=True) if sign else None, signer, iso_utc(now, False))


SCAN_EPILOG = """\b
Examples:
  mfalogscan scan "C:\\Program Files\\Multi-Factor Authentication Server\\Logs" -u jdoe
  mfalogscan scan Logs backups/*.zip -u jdoe -u john.doe@contoso.com --mentions
  mfalogscan scan Logs --users-file request.txt -f json -o request.json --sign dpo.key
  mfalogscan scan Logs -u jdoe -o jdoe.html --mask-others --case case.toml
  mfalogscan scan Logs -u jdoe -f jsonl | jq 'select(.type == "finding")'

\b
The format follows --output's extension (.json, .jsonl, .csv, .md, .html,
.txt for the table) when -f is not given.

""" + EXIT_STATUS


@app.command("scan", epilog=SCAN_EPILOG)
def scan_command(
    paths: Optional[List[str]] = options.PATHS,
    user: Optional[List[str]] = typer.Option(None, "--user", "-u", metavar="NAME", help="A username to search for (repeatable)."),
    users_file: Optional[str] = options.USERS_FILE,
    fmt: Optional[Format] = typer.Option(
        None, "--format", "-f", case_sensitive=False, help="Output format [default: table on a terminal, else jsonl]."
    ),
    output: Optional[str] = options.OUTPUT,
    output_dir: Optional[str] = typer.Option(
        None, "--output-dir", metavar="DIR",
        help="With --format markdown or html: one report file per subject in DIR, named after the subject.",
    ),
    force: bool = options.FORCE,
    mask_others: bool = typer.Option(
        False, "--mask-others", help="In markdown and html reports, replace other people's names in log text by pseudonyms.",
    ),
    mentions: bool = typer.Option(False, "--mentions", help="Also list unquoted mentions (always counted)."),
    rules: Optional[List[str]] = options.RULES,
    encoding: Optional[str] = options.ENCODING,
    framing: Optional[str] = options.FRAMING,
    timezone_name: str = options.TIMEZONE_NAME,
    year: Optional[int] = options.YEAR,
    date_order: Optional[str] = options.DATE_ORDER,
    since: Optional[str] = typer.Option(None, "--since", metavar="WHEN", help="Only findings at or after WHEN: a date, a date and time, or an age such as 90d, 12h."),
    until: Optional[str] = typer.Option(None, "--until", metavar="WHEN", help="Only findings at or before WHEN (same forms as --since)."),
    retention_days: int = options.RETENTION_DAYS,
    as_of: Optional[str] = options.AS_OF,
    max_expansion: int = options.MAX_EXPANSION,
    jobs: int = options.JOBS,
    follow_links: bool = options.FOLLOW_LINKS,
    sign: Optional[str] = typer.Option(
        None, "--sign", metavar="KEY",
        help="Sign each report file (FILE.sig): an Ed25519 private key file (mfalogscan keygen), or hmac:FILE for a shared secret.",
    ),
    signer: Optional[str] = typer.Option(None, "--signer", metavar="NAME", help="Who signs, as the signature will name them."),
    case: Optional[str] = typer.Option(
        None, "--case", metavar="FILE",
        help="A TOML file with the hand-over details of the request: controller, request_reference, handled_by, "
             "request_received, notes (markdown, html and json reports).",
    ),
    controller: Optional[str] = typer.Option(None, "--controller", metavar="TEXT", help="The controller answering the request (overrides --case)."),
    request_reference: Optional[str] = typer.Option(None, "--request-reference", metavar="TEXT", help="The request's reference (overrides --case)."),
    handled_by: Optional[str] = typer.Option(None, "--handled-by", metavar="NAME", help="Who handles the request (overrides --case)."),
    request_received: Optional[str] = typer.Option(
        None, "--request-received", metavar="DATE", help="The date the request was received, YYYY-MM-DD (overrides --case)."
    ),
    gdpr_export: Optional[List[str]] = typer.Option(
        None, "--gdpr-export", metavar="[NAME=]FILE",
        help="Attach the JSON of MultiFactorAuthGdpr.exe export (or GetUserGdpr) to the person's evidence, hashed and "
             "shown as a table; NAME= says whose when several people are searched (repeatable; markdown, html, json).",
    ),
    deleted_on: Optional[List[str]] = typer.Option(
        None, "--deleted-on", metavar="[NAME=]DATE",
        help="The date the person's data was deleted: list their records still present more than 30 days after it "
             "(repeatable, NAME= as for --gdpr-export; markdown, html, json).",
    ),
    checklist: Optional[str] = typer.Option(
        None, "--checklist", metavar="FILE",
        help="A translation of the stores checklist's wording (a copy of the shipped stores.toml, translated).",
    ),
    short_names: bool = options.SHORT_NAMES,
    debug: bool = options.DEBUG,
) -> None:
    """Search PATHs for every quoted occurrence of the given users and classify each one."""
    from ..errors import ConfigError

    out, close, report = None, False, None
    with guarded(debug) as run:
        from .. import printers
        from ..evidence.report import scan
        from ..config import ScanConfig, subjects_from
        from ..scanning.parallel import default_jobs
        from ..rules.load import load_rules
        from ..timeline.policy import parse_when, reference_now

        from ..printers.handover import load_case

        given = {"controller": controller, "request_reference": request_reference, "handled_by": handled_by,
                 "request_received": request_received}
        case_fields = load_case(case, given)
        now = reference_now()
        time = options.time_policy(timezone_name, year, since, until, date_order, now)
        from ..sources.discover import expand_patterns
        from ..config import per_person

        subjects = subjects_from(user or [], users_file, short_names)
        exports = tuple(per_person(gdpr_export or [], subjects, "--gdpr-export", os.path.exists))
        deletions = tuple((who, options.a_date(when, time.zone, now, "--deleted-on"))
                          for who, when in per_person(deleted_on or [], subjects, "--deleted-on"))
        config = ScanConfig(
            paths=expand_patterns(paths or ()),
            framing=framing,
            time=time,
            retention_days=retention_days,
            mask_others=mask_others,
            as_of=parse_when(as_of, time.zone, now, "--as-of", end=True) if as_of else None,
            subjects=subjects,
            list_mentions=mentions,
            encoding=encoding,
            rules_files=tuple(rules or ()),
            debug=debug,
            jobs=jobs or default_jobs(),
            max_expansion=max_expansion,
            exclude=tuple(p for p in (output, output_dir) if p and p != "-"),
            follow_links=follow_links,
            case=case_fields,
            short_names=short_names,
            gdpr_exports=exports,
            deleted_on=deletions,
            checklist=checklist,
            # For benchmarks and bug hunts: the plain-Python paths even where NumPy is installed.
            accelerate=not os.environ.get("MFALOGSCAN_PURE"),
        )
        ruleset = load_rules(config.rules_files)
        name = _format_for(fmt.value if fmt else None, output)
        if output_dir is not None and output is not None:
            raise ConfigError("give --output or --output-dir, not both")
        if (case is not None or any(v is not None for v in given.values())) and name not in (*printers.PER_SUBJECT, "json"):
            raise ConfigError(f"the hand-over details (--case ...) go into the markdown, html and json reports, not {name}")
        procedure = [o for o, v in (("--gdpr-export", gdpr_export), ("--deleted-on", deleted_on),
                                    ("--checklist", checklist)) if v]
        if procedure and name not in (*printers.PER_SUBJECT, "json"):
            raise ConfigError(f"{procedure[0]} goes into the markdown, html and json reports, not {name}")
        if mask_others and name not in printers.PER_SUBJECT:
            raise ConfigError(f"--mask-others works on the markdown and html reports, not on {name}")
        if mask_others and output_dir is None and len(config.subjects) > 1:
            raise ConfigError("--mask-others with several people needs --output-dir: one file would name them all")
        if name == "html" and output_dir is None and len(config.subjects) > 1:
            raise ConfigError("an HTML report is one file per subject: give --output-dir DIR, or one --user")
        write = printers.get(name)
        from ..sources.discover import check_paths

        check_paths(config.paths)  # before --output is created
        if output_dir is not None:
            from ..printers.reportfiles import check_per_subject, write_per_subject

            check_per_subject(name)
        sealer = _sealer(sign, signer, output, output_dir, now)
        if output_dir is None:
            out, close = run.output(*_open_output(output, force, sealer))  # before scanning: a bad --output fails at once
        # JSON Lines are written as the scan finds them; the other formats need the finished report.
        stream = printers.stream(name, out) if output_dir is None else None
        # Findings streamed to stdout may reach the very terminal the progress line is drawn on: no line then.
        from .progress import Progress

        progress = None if stream is not None and not close else Progress
        report = run.closing(scan(config, ruleset, progress=progress, on_finding=stream.finding if stream else None))
        from .progress import writing

        with writing(output_dir or (output if close else None)):  # a report of many findings takes a while
            if output_dir is not None:
                for path in write_per_subject(report, name, output_dir, force, sealer):
                    _err(f"wrote {path}")
            elif stream is not None:
                stream.end(report)
            else:
                write(report, out)
            if out is not None:
                out.flush()
    say_after(report.sources, output if close else None, close or output_dir is not None)
    raise typer.Exit(report.exit_status())


def say_after(sources, wrote: str | None, to_files: bool) -> None:
    """On stderr once the output is written: what could not be read, the file written, what a person must know
    although nothing failed, and on Windows what protects a report file."""
    say_unread(sources)
    if wrote:
        _err(f"wrote {wrote}")
    _notes(sources)
    if guard.WINDOWS and to_files:
        _err("on Windows a report file is not made owner-only: it has the permissions of its folder (its ACL); "
             "keep reports in a folder only the people handling the request can read")


def say_unread(sources) -> None:
    """On stderr: the sources that could not be read in full, those read but damaged, and what to do."""
    from ..errors import visible

    bad = [s for s in sources if s.has_error]
    lost = [s for s in bad if s.status in ("partial", "unreadable") or any(i.fatal for i in s.issues)]
    for group, head in ((lost, "could not be read in full"),
                        ([s for s in bad if s not in lost], "were read in full but are damaged (a checksum that does "
                         "not match, a broken structure read past)")):
        if group:
            _err(f"{len(group)} source(s) {head}:")
        for s in group:
            _err(visible(f"  {s.path}: {'; '.join(i.message for i in s.issues if i.is_error) or s.reason}"))
    if lost:
        _err("what could not be read is not in the findings: scan an intact copy (a backup, or the server's own "
             "file) to cover it; each source's issues in the JSON output give the offsets")


_CODE_PAGE_LINES = re.compile(r"(.+), then (\S+) \(guessed\) for lines that are not UTF-8, from byte (\d+)$")


def _notes(sources) -> None:
    """What a person must know although nothing failed: raw matches outside the text read, encodings guessed."""
    from ..errors import visible

    for s in sources:
        path = visible(s.path)
        if s.raw_matches:
            names = ", ".join(f"{visible(n)} ({c})" for n, c in sorted(s.raw_matches.items()))
            where = ("UTF-16 stretches in this text file match" if s.status != "skipped" else
                     "an earlier output of mfalogscan (not read as input) holds" if "output of mfalogscan" in (s.reason or "")
                     else "binary file matches")
            _err(f"{path}: {where}: raw quoted occurrences of {names}; not parsed: look at the file")
        mixed = _CODE_PAGE_LINES.match(s.encoding or "")  # a UTF-8 source with code-page lines (sources/codepage.py)
        if mixed:
            _err(f"{path}: lines that are not UTF-8 were read as {mixed[2]} (guessed) from byte {mixed[3]}, the rest as "
                 f"{mixed[1]}; give --encoding if it is another code page")
        elif s.encoding and "guessed" in s.encoding and not s.encoding.startswith("utf-16"):
            _err(f"{path}: read as {s.encoding}: it is not UTF-8; give --encoding if it is another code page")



