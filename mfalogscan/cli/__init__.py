"""The command line: `mfalogscan scan|inventory|verify|check|keygen`, a thin layer over the library.

`app` is the typer application (cli/app.py: exit statuses, messages,
signals); each command lives in its own module and joins it on import:
scan (cli/scan.py: options -> ScanConfig -> scan() -> a printer), inventory
(cli/inventory.py: the data map), and verify, check and keygen
(cli/evidence.py); the options they share are defined once (cli/options.py). `main` is the console entry
point.
"""

from .app import app, main
from . import scan, inventory, evidence  # noqa: F401 - each command joins `app` when imported

__all__ = ["app", "main"]
