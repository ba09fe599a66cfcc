"""How a command that writes an output ends: errors as one line and an exit status, a half-written file never left.

`guarded(debug)` wraps a command's work; `run.output(out, close)` registers
its output (a file made by `printers.safeopen`, or stdout) and
`run.closing(thing)` something to close at the end (a Report's store). A
closed pipe exits quietly with 141 (as grep), a full disk or another write
error, bad input and an internal error each say one line and exit 2, Ctrl-C
130 and SIGTERM 143; in each case a report file being written is abandoned.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager

import typer

from .app import EXIT_ERROR, EXIT_PIPE, Terminated, _err, _quiet_pipe

NO_ROOM = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
WINDOWS = os.name == "nt"  # a seam: the tests run the Windows branches on Linux


def _pipe_closed(e: OSError, to_file: bool) -> bool:
    """The reader of stdout went away: EPIPE, or EINVAL as Windows reports a write to a closed pipe."""
    return isinstance(e, BrokenPipeError) or (not to_file and WINDOWS and e.errno == errno.EINVAL)


class Run:
    def __init__(self):
        self.out, self.close, self._closing = None, False, []

    def output(self, out, close: bool):
        self.out, self.close = out, close
        return out, close

    def closing(self, thing):
        self._closing.append(thing)
        return thing

    def abandon(self) -> None:
        """A report file that could not be finished is not left half-written."""
        if self.close and self.out is not None:
            self.out.fail()
            self.out = None


@contextmanager
def guarded(debug: bool):
    from ..errors import MfaLogScanError

    run = Run()
    try:
        yield run
    except typer.Exit:
        raise
    except OSError as e:
        if _pipe_closed(e, run.close):
            _quiet_pipe()
            raise typer.Exit(EXIT_PIPE)
        run.abandon()
        if debug:
            raise
        where = f" {e.filename}" if e.filename else " the output" if e.errno in NO_ROOM else ""
        _err(f"error: cannot write{where}: {e.strerror or e}")
        raise typer.Exit(EXIT_ERROR)
    except MfaLogScanError as e:
        run.abandon()
        _err(f"error: {e}")
        raise typer.Exit(EXIT_ERROR)
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (see main): nothing is published, no .part is left
        run.abandon()
        _err("terminated" if isinstance(e, Terminated) else "interrupted")
        raise typer.Exit(143 if isinstance(e, Terminated) else 130)
    except Exception as e:  # an internal error: say so in one line, unless asked for the traceback
        run.abandon()
        if debug:
            raise
        _err(f"internal error: {type(e).__name__}: {e} (run again with --debug for the traceback)")
        raise typer.Exit(EXIT_ERROR)
    finally:
        for thing in run._closing:
            thing.close()  # a Report's findings' temporary store (on Windows the file is removed only now)
        _finish(run)


def _finish(run: Run) -> None:
    from ..errors import MfaLogScanError

    if run.out is None:
        return
    try:
        if run.close:
            run.out.close()
        else:
            run.out.detach()
    except OSError as e:
        if not _pipe_closed(e, run.close):
            _err(f"error: cannot write the output: {e.strerror or e}")
            raise typer.Exit(EXIT_ERROR)
        _quiet_pipe()
    except ValueError:
        _quiet_pipe()
    except MfaLogScanError as e:  # publishing the file failed (it appeared meanwhile)
        _err(f"error: {e}")
        raise typer.Exit(EXIT_ERROR)
