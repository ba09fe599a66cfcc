"""Creating report files safely: owner-only, no silent overwrite, never through a symbolic link.

Reports hold personal data. A report file is created readable by its owner
only (0600 where the system has such modes), an existing file is replaced
only with --force, and a symbolic link is never followed for writing (it
could point anywhere, such as at a file another person reads).
"""

from __future__ import annotations

import io
import os

from .errors import ConfigError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def open_report(path: str, force: bool = False) -> io.TextIOWrapper:
    """A UTF-8 text file for writing a report (newline='' so CSV keeps its CRLF)."""
    if os.path.islink(path):
        raise ConfigError("refusing to write through a symbolic link", path)
    flags = os.O_WRONLY | os.O_CREAT | _NOFOLLOW | getattr(os, "O_BINARY", 0)
    flags |= os.O_TRUNC if force else os.O_EXCL
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise ConfigError("the file exists; give --force to replace it", path) from None
    except OSError as e:
        raise ConfigError(f"cannot write output file: {e.strerror or e}", path) from None
    if force:
        try:
            os.chmod(path, 0o600)  # a replaced file keeps its old mode otherwise
        except OSError:
            pass
    return io.TextIOWrapper(io.FileIO(fd, "w"), encoding="utf-8", newline="")
