"""The progress bar on stderr: bytes read of all the sources listed, the rate, the time left, the file being read.

Drawn by `rich` only when stderr is a terminal, redrawn ten times a second
from `sources.meter.METER` (inside large files too, and across --jobs
worker processes), and gone when the scan ends: nothing is left on the
terminal, and nothing at all is written when stderr is a pipe or a file.
Colour follows NO_COLOR.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager

from ..errors import visible
from ..model import SourceStatus
from ..sources.meter import METER


def _bar():
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                               TransferSpeedColumn)
    from rich.table import Column

    console = Console(stderr=True, no_color="NO_COLOR" in os.environ, highlight=False, markup=False)
    fixed = dict(no_wrap=True)
    return Progress(TextColumn("{task.fields[sources]}", table_column=Column(**fixed)),
                    BarColumn(bar_width=24, table_column=Column(**fixed)), DownloadColumn(table_column=Column(**fixed)),
                    TransferSpeedColumn(table_column=Column(**fixed)), TimeRemainingColumn(table_column=Column(**fixed)),
                    TextColumn("{task.fields[path]}", table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)),
                    console=console, transient=True, auto_refresh=False, expand=True)


class Progress:
    """Wraps the scan's events; shows how far it is while they pass."""

    def __init__(self, events, stream=None):
        self._events = events
        self._stream = stream or sys.stderr
        self._on = self._stream.isatty()
        if self._on:
            METER.enabled = True  # before the scan lists its sources: it then counts their sizes

    def __iter__(self):
        if not self._on:
            yield from self._events
            return
        bar, sources, stop = _bar(), [0], threading.Event()
        task = bar.add_task("scan", total=None, sources="", path="")

        def draw():
            total = METER.total or None
            done = min(METER.done, total) if total else METER.done
            name = visible(METER.current)
            width = max(10, bar.console.width - 75)  # what the other columns leave; the end of a path tells most
            bar.update(task, completed=done, total=total, sources=f"{sources[0]} done",
                       path=name if len(name) <= width else "…" + name[-(width - 1):])
            bar.refresh()

        def redraw():
            while not stop.wait(0.1):
                draw()

        thread = threading.Thread(target=redraw, name="mfalogscan-progress", daemon=True)
        bar.start()
        draw()
        thread.start()
        try:
            for item in self._events:
                if isinstance(item, SourceStatus) and item.container is None:
                    sources[0] += 1
                yield item
        finally:
            stop.set()
            thread.join()
            draw()  # the last state, however short the scan (then cleared: the bar is transient)
            bar.stop()
            METER.enabled = False


@contextmanager
def writing(path):
    """While a report file is written after the scan: a spinner naming it, on a terminal only (then gone)."""
    if path is None or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    console = Console(stderr=True, no_color="NO_COLOR" in os.environ, highlight=False, markup=False)
    with console.status(f"writing {visible(path)}", spinner="line"):
        yield
