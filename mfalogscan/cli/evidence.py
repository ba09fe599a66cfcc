"""The commands about evidence already made: verify a JSON report, check a report file's seals, make a signing key.

Thin, as the scan command is: read the arguments, call one library
function (`evidence.verify.verify`, `evidence.seal.check`,
`evidence.seal.write_key_pair`), print its lines; errors are one line and
exit status 2.
"""

from __future__ import annotations

import json
from typing import List, Optional

import typer

from .app import EXIT_ERROR, _err, app

VERIFY_EPILOG = """\b
Examples:
  mfalogscan verify jdoe.json                  the sources where they were
  mfalogscan verify jdoe.json archive/Logs     the logs moved: where they are now
  mfalogscan verify jdoe.json --key dpo.key.pub   and who signed it

\b
Exit status: 0 everything holds, 1 something changed (each difference is
named), 2 an error (a report that cannot be read, a bad option)."""
CHECK_EPILOG = """\b
Examples:
  mfalogscan check reports/*.html --key dpo.key.pub
  sha256sum -c jdoe.html.sha256                 the manifest, without mfalogscan

\b
Exit status: 0 every file is as written (its manifest and signature hold),
1 a file changed or has no seal at all, 2 an error."""
KEYGEN_EPILOG = """\b
FILE is written owner-only and never overwritten; FILE.pub is the public
half, in OpenSSH form (ssh-keygen -l -f FILE.pub shows the same id). To
protect the key with a passphrase, make a PEM key instead (openssl genpkey
-algorithm ed25519 -aes256 -out FILE) and set MFALOGSCAN_KEY_PASSPHRASE
when signing.

\b
Example:
  mfalogscan keygen dpo.key && mfalogscan scan Logs -u jdoe -o jdoe.json --sign dpo.key

\b
Exit status: 0 written, 2 an error (the file exists, it cannot be written)."""
KEY_HELP = "The key to check signatures against: a public key file (FILE.pub of mfalogscan keygen), or hmac:FILE."


def _guarded(debug: bool, work):
    """Run `work()`; bad input and internal errors become one line and exit status 2."""
    from ..errors import MfaLogScanError

    try:
        return work()
    except MfaLogScanError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_ERROR)
    except Exception as e:  # an internal error: one line, unless asked for the traceback
        if debug:
            raise
        _err(f"internal error: {type(e).__name__}: {e} (run again with --debug for the traceback)")
        raise typer.Exit(EXIT_ERROR)


def _read_report(report: str) -> dict:
    from ..errors import ConfigError

    try:
        with open(report, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except OSError as e:
        raise ConfigError(f"cannot read report: {e.strerror or e}", report) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"not a JSON report ({e})", report) from None
    if not isinstance(doc, dict):
        raise ConfigError("not an mfalogscan JSON report", report)
    return doc


@app.command("verify", epilog=VERIFY_EPILOG)
def verify_command(
    report: str = typer.Argument(..., metavar="REPORT.json", help="A report written with --format json."),
    paths: Optional[List[str]] = typer.Argument(
        None, metavar="[PATH]...", help="Where the searched paths are now, in the report's order (when they moved)."
    ),
    key: Optional[str] = typer.Option(None, "--key", metavar="KEY", help=KEY_HELP),
    rules: Optional[List[str]] = typer.Option(
        None, "--rules", metavar="FILE",
        help="Where the report's --rules files are now, in their order (when they moved); the report names them.",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on internal errors."),
) -> None:
    """Re-read every source and finding of REPORT.json, and its seals: exit 0 only if all still hold as reported."""

    def work():
        from ..evidence.seal import check, load_key
        from ..evidence.verify import verify

        trusted = load_key(key, private=False) if key else None
        changed, holds = check(report, trusted)
        outcome = verify(_read_report(report), tuple(paths or ()), tuple(rules) if rules is not None else None)
        outcome.changed[:0] = changed
        outcome.holds[:0] = holds
        return outcome

    outcome = _guarded(debug, work)
    for line in outcome.changed + outcome.holds:
        typer.echo(line)
    verdict = "everything holds" if outcome.ok else f"{len(outcome.changed)} difference(s)"
    typer.echo(f"{verdict}: {outcome.sources} source(s), {outcome.findings} finding(s) checked")
    raise typer.Exit(0 if outcome.ok else 1)


@app.command("check", epilog=CHECK_EPILOG)
def check_command(
    files: List[str] = typer.Argument(..., metavar="FILE...", help="Report files (any format) written with --output or --output-dir."),
    key: Optional[str] = typer.Option(None, "--key", metavar="KEY", help=KEY_HELP),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on internal errors."),
) -> None:
    """Check report files against their .sha256 manifest and .sig signature (not against the logs: see verify)."""

    def work():
        from ..evidence.seal import check, load_key

        trusted = load_key(key, private=False) if key else None
        return [check(f, trusted, require=True) for f in files]

    changed = 0
    for bad, good in _guarded(debug, work):
        for line in bad + good:
            typer.echo(line)
        changed += len(bad)
    typer.echo("every seal holds" if not changed else f"{changed} seal(s) do not hold")
    raise typer.Exit(0 if not changed else 1)


@app.command("keygen", epilog=KEYGEN_EPILOG)
def keygen_command(
    path: str = typer.Argument(..., metavar="FILE", help="Where to write the private key (owner-only); the public key goes to FILE.pub."),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on internal errors."),
) -> None:
    """Make an Ed25519 key pair to sign reports with (--sign FILE) and to check them with (--key FILE.pub)."""

    def work():
        from ..evidence.seal import write_key_pair

        return write_key_pair(path)

    public, key_id = _guarded(debug, work)
    _err(f"wrote {path} (private: keep it to yourself) and {path}.pub (public: give it to whoever checks)")
    typer.echo(f"{key_id} {public}")
