"""Creating report files safely: owner-only, no silent overwrite, never through a symbolic link.

Reports hold personal data. The destination folder is opened once (no
component of its path may be a symbolic link, and the last is opened with
O_NOFOLLOW), and everything after happens relative to that open folder, so
swapping the path for a link meanwhile changes nothing. A report is written
to a new temporary file (mode 0600, O_EXCL) in that folder, then published
under its name: with link(), which fails when the name exists (no overwrite
without --force); with --force, by rename(), which replaces the name rather
than writing into the existing file (a hard link, a device or another
person's file at that name is never written to or chmodded). On any error
nothing is left behind.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import secrets
import stat

from ..errors import ConfigError
from ..evidence.seal import MANIFEST_SUFFIX, SIGNATURE_SUFFIX, Sealer

# link() on a file system without hard links: EPERM (Linux vfat, exfat), ENOTSUP/EOPNOTSUPP, EXDEV (some mounts),
# EMLINK; Windows reports its own codes (any OSError there falls back).
NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, getattr(errno, "ENOTSUP", errno.EPERM),
                 getattr(errno, "EOPNOTSUPP", errno.EPERM)}
WINDOWS = os.name == "nt"  # a seam: the tests run the Windows branch on Linux
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_AT = os.open in getattr(os, "supports_dir_fd", set()) and os.link in getattr(os, "supports_dir_fd", set())


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


class Folder:
    """An output folder held open, so names inside it are resolved against it and nothing else."""

    def __init__(self, path: str):
        self.path = check_no_links(path)
        self.fd = None
        if _AT:
            try:
                self.fd = os.open(self.path, _DIR_FLAGS)
            except OSError as e:
                raise ConfigError(f"cannot open the output folder: {e.strerror or e}", path) from None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _at(self, name: str) -> dict:
        return {"dir_fd": self.fd} if self.fd is not None else {}

    def _p(self, name: str) -> str:
        return name if self.fd is not None else os.path.join(self.path, name)

    def exists(self, name: str) -> bool:
        try:
            os.stat(self._p(name), follow_symlinks=False, **self._at(name))
            return True
        except FileNotFoundError:
            return False

    def create(self, name: str, force: bool, sealer: Sealer | None = None) -> "_Publisher":
        """A new file that becomes `name` when closed; sealed (manifest, signature beside it) by `sealer`."""
        sides = [] if sealer is None else [MANIFEST_SUFFIX] + ([SIGNATURE_SUFFIX] if sealer.key else [])
        for taken in [name] + [name + side for side in sides]:
            if not force and self.exists(taken):
                raise ConfigError("the file exists; give --force to replace it", os.path.join(self.path, taken))
        tmp = f".mfalogscan-{secrets.token_hex(8)}.part"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self._p(tmp), flags, 0o600, **self._at(tmp))
        except OSError as e:
            raise ConfigError(f"cannot write output file: {e.strerror or e}", os.path.join(self.path, name)) from None
        return _Publisher(fd, self, tmp, name, force, sealer=sealer)

    def publish(self, tmp: str, name: str, force: bool) -> None:
        target = os.path.join(self.path, name)
        try:
            if force:
                os.replace(self._p(tmp), self._p(name), **({"src_dir_fd": self.fd, "dst_dir_fd": self.fd} if self.fd is not None else {}))
            else:
                try:
                    os.link(self._p(tmp), self._p(name), follow_symlinks=False,
                            **({"src_dir_fd": self.fd, "dst_dir_fd": self.fd} if self.fd is not None else {}))
                except FileExistsError:
                    raise ConfigError("the file exists; give --force to replace it", target) from None
                except OSError as e:
                    if e.errno not in NO_HARD_LINKS and not WINDOWS:
                        raise
                    self._publish_without_link(tmp, name, target)
        except IsADirectoryError:
            raise ConfigError("is a folder, not a file", target) from None
        except OSError as e:
            if isinstance(e, ConfigError):
                raise
            raise ConfigError(f"cannot write output file: {e.strerror or e}", target) from None
        finally:
            self.discard(tmp)

    def _publish_without_link(self, tmp: str, name: str, target: str) -> None:
        """Where the file system has no hard links (FAT, exFAT, many SMB shares): still never overwrite.

        Windows' rename fails when the name exists, which is the no-overwrite
        we need. Elsewhere the name is first taken with O_EXCL (failing if it
        exists), then the finished file is renamed over that empty placeholder.
        """
        both = {"src_dir_fd": self.fd, "dst_dir_fd": self.fd} if self.fd is not None else {}
        if WINDOWS:
            try:
                os.rename(self._p(tmp), self._p(name), **both)
            except FileExistsError:
                raise ConfigError("the file exists; give --force to replace it", target) from None
            return
        try:
            os.close(os.open(self._p(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600,
                             **self._at(name)))
        except FileExistsError:
            raise ConfigError("the file exists; give --force to replace it", target) from None
        try:
            os.replace(self._p(tmp), self._p(name), **both)
        except BaseException:
            os.unlink(self._p(name), **self._at(name))  # no empty placeholder under the final name
            raise

    def discard(self, tmp: str) -> None:
        try:
            os.unlink(self._p(tmp), **self._at(tmp))
        except FileNotFoundError:
            pass


class _Hashing(io.FileIO):
    """The raw file, hashing exactly the bytes that reach it (a short write hashes only what was written)."""

    def __init__(self, fd: int):
        super().__init__(fd, "w")
        self.sha256, self.size = hashlib.sha256(), 0

    def write(self, data) -> int:
        n = super().write(data)
        if n:
            self.sha256.update(memoryview(data)[:n])
            self.size += n
        return n


class _Publisher(io.TextIOWrapper):
    """A text file that becomes its name when closed without error (and vanishes otherwise)."""

    def __init__(self, fd: int, folder: Folder, tmp: str, name: str, force: bool, owns_folder: bool = False,
                 sealer: Sealer | None = None):
        self._raw = _Hashing(fd)
        super().__init__(io.BufferedWriter(self._raw), encoding="utf-8", newline="")
        self._folder, self._tmp, self._name, self._force = folder, tmp, name, force
        self._failed, self._owns, self._sealer = False, owns_folder, sealer

    def __exit__(self, kind, value, tb):
        self._failed = kind is not None
        return super().__exit__(kind, value, tb)

    def close(self) -> None:
        if self.closed:
            return
        try:
            try:
                super().close()
            except BaseException:  # the last bytes did not reach the file (a full disk): it is not published
                self._failed = True
                raise
        finally:
            try:
                if self._failed:
                    self._folder.discard(self._tmp)
                else:
                    self._folder.publish(self._tmp, self._name, self._force)
                    if self._sealer is not None:
                        self._seal()
            finally:
                if self._owns:
                    self._folder.close()

    def fail(self) -> None:
        """Abandon the file: nothing is published."""
        self._failed = True
        self.close()

    def _seal(self) -> None:
        digest = self._raw.sha256.hexdigest()
        sides = ((MANIFEST_SUFFIX, self._sealer.manifest(self._name, digest)),
                 (SIGNATURE_SUFFIX, self._sealer.signature(self._name, digest, self._raw.size)))
        for suffix, data in sides:
            if data is not None:
                with self._folder.create(self._name + suffix, self._force) as side:
                    side.write(data.decode("utf-8"))


class _Stream(io.TextIOWrapper):
    """Output to an existing device, FIFO or socket (/dev/null, a process substitution): written as it is."""

    def fail(self) -> None:
        self.close()


def open_report(path: str, force: bool = False, sealer: Sealer | None = None):
    """A UTF-8 text file (newline='' so CSV keeps its CRLF) that appears at `path` only when complete.

    An existing device, FIFO or socket is not a file to replace but a stream:
    it is written to as it is (and never replaced, which as root would
    destroy a device node such as /dev/null), and it is not sealed.
    """
    full = check_no_links(path)
    try:
        mode = os.stat(full, follow_symlinks=False).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise ConfigError(f"cannot write output file: {e.strerror or e}", path) from None
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        if sealer is not None and sealer.key is not None:
            raise ConfigError("--sign needs a report file, not a device, FIFO or socket", path)
        try:
            fd = os.open(full, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as e:
            raise ConfigError(f"cannot write output file: {e.strerror or e}", path) from None
        return _Stream(io.FileIO(fd, "w"), encoding="utf-8", newline="")
    folder = Folder(os.path.dirname(full))
    try:
        publisher = folder.create(os.path.basename(full), force, sealer)
    except BaseException:
        folder.close()
        raise
    publisher._owns = True
    return publisher
