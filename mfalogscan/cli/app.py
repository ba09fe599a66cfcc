"""The command line's frame: the typer app, exit statuses, one-line messages on stderr, signals.

Exit status: 0 findings, 1 none, 2 an error (even with findings, like grep).
Bad input gets one line on stderr naming the problem, never a traceback
(unless --debug). stdout carries only data; progress goes to stderr, and
only when stderr is a terminal.
"""

from __future__ import annotations

import os
import sys

import typer
import typer.core

from ..model import VERSION as __version__

HELP = (
    "Find every record of a user in Azure MFA Server logs and all their backups "
    "(Microsoft's GDPR procedure: search for the username with its double quotes)."
)
EXIT_STATUS = """\b
Exit status: 0 findings (verify, check: everything holds), 1 none (verify,
check: something changed), 2 an error: bad input, or a source that could
not be read in full (the findings are still printed, as grep does); 130 and
143 when interrupted (Ctrl-C, SIGTERM)."""
EPILOG = """\b
Examples:
  mfalogscan scan Logs -u jdoe                      a table on the terminal
  mfalogscan scan Logs backups -u jdoe -f json -o jdoe.json
  mfalogscan scan Logs -u jdoe -o jdoe.html --mask-others --case case.toml
  mfalogscan verify jdoe.json                       are the sources still as reported?
  mfalogscan check jdoe.html                        is the file as written (and signed)?

""" + EXIT_STATUS + """

\b
Documentation: README.md; docs/output.md (formats), docs/faults.md (what
happens with broken input), docs/rules.md (classification rules)."""


class _Group(typer.core.TyperGroup):
    """The command group, with click's usage errors as one line on stderr, exit status 2 (never a usage block)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        import click

        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            result = super().main(args, prog_name or "mfalogscan", complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as e:  # `mfalogscan scan` alone: its help, as asked for
            click.echo(e.ctx.get_help(), err=True)
            sys.exit(EXIT_ERROR)
        except click.UsageError as e:
            command = " ".join(["mfalogscan", *(e.ctx.command_path.split(" ")[1:] if e.ctx is not None else [])])
            _err(f"error: {_first_lower(e.format_message()).rstrip('.')}; see {command} --help")
            sys.exit(EXIT_ERROR)
        except click.ClickException as e:
            _err(f"error: {e.format_message()}")
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            _err("interrupted")
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)


def _first_lower(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


app = typer.Typer(cls=_Group, add_completion=True, pretty_exceptions_enable=False, no_args_is_help=True, help=HELP,
                  epilog=EPILOG, rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]})
EXIT_ERROR = 2
EXIT_PIPE = 141  # what a shell shows for a command ended by SIGPIPE, as grep is


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


