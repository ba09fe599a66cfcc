"""The command line: options -> ScanConfig -> scan_events() -> a printer; errors -> exit status.

Exit status: 0 findings, 1 none, 2 an error (even with findings, like grep).
Bad input gets one line on stderr naming the problem, never a traceback
(unless --debug). stdout carries only data; progress goes to stderr, and
only when stderr is a terminal.
"""

from __future__ import annotations

import io
import os
import re
import sys
from enum import Enum
from typing import List, Optional

import typer

from .model import VERSION as __version__
from .config import MAX_EXPANSION
from .printers import FORMATS

HELP = (
    "Find every record of a user in Azure MFA Server logs and all their backups "
    "(Microsoft's GDPR procedure: search for the username with its double quotes)."
)
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True, help=HELP,
                  rich_markup_mode=None)
EXIT_ERROR = 2
EXIT_PIPE = 141  # what a shell shows for a command ended by SIGPIPE, as grep is


Format = Enum("Format", {name: name for name in FORMATS}, type=str)  # the formats, defined once in printers


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mfalogscan {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Find every record of a user in Azure MFA Server logs and all their backups."""


def _err(message: str) -> None:
    sys.stderr.write(f"mfalogscan: {message}\n")
    sys.stderr.flush()


class _Progress:
    """A one-line count of sources done, on stderr, only when stderr is a terminal."""

    def __init__(self, events):
        self._events = events
        self._on = sys.stderr.isatty()
        self._done = 0

    def __iter__(self):
        from .errors import visible
        from .model import SourceStatus

        for item in self._events:
            if self._on and isinstance(item, SourceStatus):
                self._done += 1
                sys.stderr.write(f"\r\x1b[Kscanned {self._done}: {visible(item.path)[-70:]}")
                sys.stderr.flush()
            yield item
        if self._on and self._done:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _open_output(path: Optional[str], force: bool):
    if path is None or path == "-":
        return io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", line_buffering=sys.stdout.isatty()), False
    from .printers.safeopen import open_report

    return open_report(path, force), True


@app.command("scan")
def scan_command(
    paths: Optional[List[str]] = typer.Argument(
        None, help="Log files, folders (searched recursively) or archives; '-' for standard input.", show_default=False,
        metavar="PATH...",
    ),
    user: Optional[List[str]] = typer.Option(None, "--user", "-u", metavar="NAME", help="A username to search for (repeatable)."),
    users_file: Optional[str] = typer.Option(
        None, "--users-file", metavar="FILE", help="One subject per line; tab-separated aliases after the first name; '#' comments."
    ),
    fmt: Optional[Format] = typer.Option(
        None, "--format", "-f", case_sensitive=False, help="Output format [default: table on a terminal, else jsonl]."
    ),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", metavar="FILE",
        help="Write the output to this new file (owner-only) instead of stdout.",
    ),
    output_dir: Optional[str] = typer.Option(
        None, "--output-dir", metavar="DIR",
        help="With --format markdown or html: one report file per subject in DIR, named after the subject.",
    ),
    force: bool = typer.Option(False, "--force", help="Replace existing --output or --output-dir files."),
    mask_others: bool = typer.Option(
        False, "--mask-others", help="In markdown and html reports, replace other people's names in log text by pseudonyms.",
    ),
    mentions: bool = typer.Option(False, "--mentions", help="Also list unquoted mentions (always counted)."),
    rules: Optional[List[str]] = typer.Option(None, "--rules", metavar="FILE", help="A TOML rules file tried before the shipped rules (repeatable)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", metavar="NAME", help="Force an encoding (e.g. utf-16-le, cp1252) instead of detecting it."),
    framing: Optional[str] = typer.Option(
        None, "--framing", metavar="NAME",
        help="Force a framing instead of detecting it: native, syslog, rfc5424, csv, kiwi or plain.",
    ),
    timezone_name: str = typer.Option(
        "UTC", "--timezone", metavar="ZONE", help="Zone of stamps written without one (IANA name or offset such as +02:00)."
    ),
    year: Optional[int] = typer.Option(None, "--year", metavar="YEAR", help="Year of the first record of sources whose stamps have none (RFC 3164)."),
    date_order: Optional[str] = typer.Option(
        None, "--date-order", metavar="ORDER",
        help="How numeric dates such as 03/04/2021 or 17/06/09 are read where a source cannot prove it: ymd, dmy or mdy.",
    ),
    since: Optional[str] = typer.Option(None, "--since", metavar="WHEN", help="Only findings at or after WHEN: a date, a date and time, or an age such as 90d, 12h."),
    until: Optional[str] = typer.Option(None, "--until", metavar="WHEN", help="Only findings at or before WHEN (same forms as --since)."),
    retention_days: int = typer.Option(
        90, "--retention-days", metavar="DAYS", min=0,
        help="Mark findings older than DAYS before --as-of as kept past retention (MFA Server: 90).",
    ),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="WHEN", help="The reference date for retention [default: now]."),
    max_expansion: int = typer.Option(
        MAX_EXPANSION, "--max-expansion", metavar="RATIO", min=0,
        help="Stop decompressing a file that expands more than RATIO times its size (a bomb guard; 0: no limit).",
    ),
    jobs: int = typer.Option(
        1, "--jobs", "-j", metavar="N", min=0,
        help="Scan N sources at once in worker processes (0: one per CPU); the output is the same.",
    ),
    follow_links: bool = typer.Option(
        False, "--follow-links", help="Follow symbolic links that lead out of the folders scanned (listed as skipped otherwise).",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on internal errors."),
) -> None:
    """Search PATHs for every quoted occurrence of the given users and classify each one."""
    from .errors import ConfigError, MfaLogScanError

    out, close, report = None, False, None
    try:
        from . import printers
        from .evidence.report import scan
        from .config import ScanConfig, subjects_from
        from .scanning.parallel import default_jobs
        from .rules.load import load_rules
        from .timeline.policy import TimePolicy, parse_when, parse_zone, reference_now

        zone, zone_label = parse_zone(timezone_name)
        now = reference_now()
        time = TimePolicy(
            zone,
            zone_label,
            year,
            parse_when(since, zone, now, "--since") if since else None,
            parse_when(until, zone, now, "--until", end=True) if until else None,
            date_order.lower() if date_order else None,
        )
        config = ScanConfig(
            paths=tuple(paths or ()),
            framing=framing,
            time=time,
            retention_days=retention_days,
            mask_others=mask_others,
            as_of=parse_when(as_of, zone, now, "--as-of", end=True) if as_of else None,
            subjects=subjects_from(user or [], users_file),
            list_mentions=mentions,
            encoding=encoding,
            rules_files=tuple(rules or ()),
            debug=debug,
            jobs=jobs or default_jobs(),
            max_expansion=max_expansion,
            exclude=tuple(p for p in (output, output_dir) if p and p != "-"),
            follow_links=follow_links,
            # For benchmarks and bug hunts: the plain-Python paths even where NumPy is installed.
            accelerate=not os.environ.get("MFALOGSCAN_PURE"),
        )
        ruleset = load_rules(config.rules_files)
        name = (fmt.value if fmt else None) or ("table" if output is None and sys.stdout.isatty() else "jsonl")
        if output_dir is not None and output is not None:
            raise ConfigError("give --output or --output-dir, not both")
        if mask_others and name not in printers.PER_SUBJECT:
            raise ConfigError(f"--mask-others works on the markdown and html reports, not on {name}")
        if mask_others and output_dir is None and len(config.subjects) > 1:
            raise ConfigError("--mask-others with several people needs --output-dir: one file would name them all")
        if name == "html" and output_dir is None and len(config.subjects) > 1:
            raise ConfigError("an HTML report is one file per subject: give --output-dir DIR, or one --user")
        write = printers.get(name)
        from .sources.discover import check_paths

        check_paths(config.paths)  # before --output is created
        if output_dir is not None:
            from .printers.reportfiles import check_per_subject, write_per_subject

            check_per_subject(name)
        else:
            out, close = _open_output(output, force)  # before scanning, so a bad --output fails at once
        # JSON Lines are written as the scan finds them; the other formats need the finished report.
        stream = printers.stream(name, out) if output_dir is None else None
        # Findings streamed to stdout may reach the very terminal the progress line is drawn on: no line then.
        progress = None if stream is not None and not close else _Progress
        report = scan(config, ruleset, progress=progress, on_finding=stream.finding if stream else None)
        if output_dir is not None:
            for path in write_per_subject(report, name, output_dir, force):
                _err(f"wrote {path}")
        elif stream is not None:
            stream.end(report)
        else:
            write(report, out)
        if out is not None:
            out.flush()
    except BrokenPipeError:
        _quiet_pipe()
        raise typer.Exit(EXIT_PIPE)
    except MfaLogScanError as e:
        out = _abandon(out, close)
        _err(f"error: {e}")
        raise typer.Exit(EXIT_ERROR)
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (see main): nothing is published, no .part is left
        out = _abandon(out, close)
        _err("terminated" if isinstance(e, Terminated) else "interrupted")
        raise typer.Exit(143 if isinstance(e, Terminated) else 130)
    except Exception as e:  # an internal error: say so in one line, unless asked for the traceback
        out = _abandon(out, close)
        if debug:
            raise
        _err(f"internal error: {type(e).__name__}: {e} (run again with --debug for the traceback)")
        raise typer.Exit(EXIT_ERROR)
    finally:
        if report is not None:
            report.close()  # its findings' temporary store (on Windows the file is removed only now)
        if out is not None:
            try:
                if close:
                    out.close()
                else:
                    out.detach()
            except (BrokenPipeError, ValueError, OSError):
                _quiet_pipe()
            except MfaLogScanError as e:  # publishing the file failed (it appeared meanwhile)
                _err(f"error: {e}")
                raise typer.Exit(EXIT_ERROR)
    from .errors import visible

    bad = [s for s in report.sources if s.has_error]
    if bad:
        _err(f"{len(bad)} source(s) could not be read in full:")
        for s in bad:
            _err(visible(f"  {s.path}: {'; '.join(i.message for i in s.issues if i.is_error) or s.reason}"))
        if any(s.status in ("partial", "unreadable") or any(i.fatal for i in s.issues) for s in bad):
            _err("what could not be read is not in the findings: scan an intact copy (a backup, or the server's own "
                 "file) to cover it; each source's issues in the JSON output give the offsets")
    _notes(report)
    raise typer.Exit(report.exit_status())


_CODE_PAGE_LINES = re.compile(r"(.+), then (\S+) \(guessed\) for lines that are not UTF-8, from byte (\d+)$")


def _notes(report) -> None:
    """What a person must know although nothing failed: raw matches outside the text read, encodings guessed."""
    from .errors import visible

    for s in report.sources:
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


@app.command("verify")
def verify_command(
    report: str = typer.Argument(..., metavar="REPORT.json", help="A report written with --format json."),
    paths: Optional[List[str]] = typer.Argument(
        None, metavar="[PATH]...", help="Where the searched paths are now, in the report's order (when they moved)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on internal errors."),
) -> None:
    """Re-read every source and finding of REPORT.json: exit 0 only if all still hold as reported."""
    import json

    from .errors import ConfigError, MfaLogScanError
    from .evidence.verify import verify

    try:
        try:
            with open(report, "rb") as f:
                doc = json.loads(f.read().decode("utf-8"))
        except OSError as e:
            raise ConfigError(f"cannot read report: {e.strerror or e}", report) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ConfigError(f"not a JSON report ({e})", report) from None
        if not isinstance(doc, dict):
            raise ConfigError("not an mfalogscan JSON report", report)
        outcome = verify(doc, tuple(paths or ()))
    except MfaLogScanError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_ERROR)
    except Exception as e:  # an internal error: one line, unless asked for the traceback
        if debug:
            raise
        _err(f"internal error: {type(e).__name__}: {e} (run again with --debug for the traceback)")
        raise typer.Exit(EXIT_ERROR)
    for line in outcome.changed + outcome.holds:
        typer.echo(line)
    verdict = "everything holds" if outcome.ok else f"{len(outcome.changed)} difference(s)"
    typer.echo(f"{verdict}: {outcome.sources} source(s), {outcome.findings} finding(s) checked")
    raise typer.Exit(0 if outcome.ok else 1)


def _abandon(out, close: bool):
    """A report file that could not be finished is not left half-written; returns None for `out`."""
    if close and out is not None:
        out.fail()
        return None
    return out


def _quiet_pipe() -> None:
    """After the reader of stdout went away: make the final flush at exit harmless."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is (the output abandoned, temporary files removed), exit status 143."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main() -> None:
    import signal

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)
    app()
