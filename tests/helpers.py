"""Running scans in tests."""

from __future__ import annotations

from mfalogscan import ScanConfig, Subject, scan


def run(paths, *users, **options):
    """scan() with subjects given as names or (name, aliases...) tuples."""
    subjects = tuple(Subject(u[0], tuple(u[1:])) if isinstance(u, tuple) else Subject(u) for u in users or ("jdoe",))
    if isinstance(paths, str):
        paths = (paths,)
    return scan(ScanConfig(paths=tuple(paths), subjects=subjects, **options))


def keyed(report):
    """Findings as comparable tuples (everything but the source path)."""
    return [tuple(v for k, v in sorted(f.to_dict().items()) if k != "source") for f in report.findings]


def stderr_on_a_terminal(args, timeout: float = 300):
    """Run `python -m mfalogscan ARGS` with stderr on a pseudo-terminal: (exit status, stdout, every byte of stderr)."""
    import os
    import pty
    import subprocess
    import sys
    import tempfile

    master, slave = pty.openpty()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([sys.executable, "-m", "mfalogscan", *map(str, args)], stdout=out, stderr=slave)
        os.close(slave)
        seen = b""
        while True:  # read while it runs: a pty holds little, and a full one would stop the writer
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        status = p.wait(timeout=timeout)
        out.seek(0)
        return status, out.read(), seen
