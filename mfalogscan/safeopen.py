"""Creating report files safely: owner-only, no silent overwrite, never through a symbolic link.

Reports hold personal data. A report is written to a new temporary file
(mode 0600) beside its destination, then published under its name: with
link(), which fails when the name exists (no overwrite without --force) and
never follows a link; with --force, by rename(), which replaces the name
rather than writing into the existing file (so a hard link, a device or
another person's file at that name is never written to or chmodded). No
component of the destination may be a symbolic link. On any error nothing
is left behind.
"""

from __future__ import annotations

import io
import os
import tempfile

from .errors import ConfigError


def check_no_links(path: str) -> str:
    """The absolute path, after checking that no existing component of it is a symbolic link."""
    full = os.path.abspath(path)
    probe = full
    while True:
        if os.path.islink(probe):
            raise ConfigError(f"refusing to write through a symbolic link ({probe})", path)
        parent = os.path.dirname(probe)
        if parent == probe:
            return full
        probe = parent


class _Publisher(io.TextIOWrapper):
    """A text file that becomes `path` when closed without error (and vanishes otherwise)."""

    def __init__(self, fd: int, tmp: str, path: str, force: bool):
        super().__init__(io.FileIO(fd, "w"), encoding="utf-8", newline="")
        self._tmp, self._path, self._force, self._failed = tmp, path, force, False

    def __exit__(self, kind, value, tb):
        self._failed = kind is not None
        return super().__exit__(kind, value, tb)

    def close(self) -> None:
        if self.closed:
            return
        try:
            super().close()
        finally:
            self._publish()

    def _publish(self) -> None:
        try:
            if self._failed:
                return
            if self._force:
                if os.path.isdir(self._path) and not os.path.islink(self._path):
                    raise ConfigError("is a folder, not a file", self._path)
                os.replace(self._tmp, self._path)
            else:
                try:
                    os.link(self._tmp, self._path, follow_symlinks=False)
                except FileExistsError:
                    raise ConfigError("the file exists; give --force to replace it", self._path) from None
                except (AttributeError, NotImplementedError, OSError):
                    if os.path.lexists(self._path):
                        raise ConfigError("the file exists; give --force to replace it", self._path) from None
                    os.rename(self._tmp, self._path)
        finally:
            if os.path.lexists(self._tmp):
                os.unlink(self._tmp)

    def fail(self) -> None:
        """Abandon the file: nothing is published."""
        self._failed = True
        self.close()


def open_report(path: str, force: bool = False) -> _Publisher:
    """A UTF-8 text file (newline='' so CSV keeps its CRLF) that appears at `path` only when complete."""
    full = check_no_links(path)
    folder = os.path.dirname(full)
    if not force and os.path.lexists(full):
        raise ConfigError("the file exists; give --force to replace it", path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".mfalogscan-", suffix=".part", dir=folder)
    except OSError as e:
        raise ConfigError(f"cannot write output file: {e.strerror or e}", path) from None
    return _Publisher(fd, tmp, full, force)
