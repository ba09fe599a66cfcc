"""The command line: `mfalogscan scan|verify|check|keygen`, a thin layer over the library.

`app` is the typer application (cli/app.py: exit statuses, messages,
signals); each command lives in its own module and joins it on import:
scan (cli/scan.py: options -> ScanConfig -> scan() -> a printer), and
verify, check and keygen (cli/evidence.py). `main` is the console entry
point.
"""

from .app import app, main
from . import scan, evidence  # noqa: F401 - each command joins `app` when imported

__all__ = ["app", "main"]
