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

from ..model import VERSION as __version__

HELP = (
    "Find every record of a user in Azure MFA Server logs and all their backups "
    "(Microsoft's GDPR procedure: search for the username with its double quotes)."
)
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True, help=HELP,
                  rich_markup_mode=None)
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


