"""The table and the progress bar in a real terminal: tmux at 80 and 120 columns.

The table must fit: no line the terminal has to wrap, nothing cut (every
word of every message is on the screen), colour on a terminal but not with
NO_COLOR.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (Debian: apt-get install tmux)")


def _screen(width: int, command: str, tmp_path: Path, colour: bool = False, sock: str | None = None) -> str:
    """What `command` leaves on a `width`-column tmux terminal, wrapped lines joined (-J), escapes kept if asked."""
    import uuid

    sock = sock or f"mfalogscan-test-{uuid.uuid4().hex[:12]}"
    tmux = ["tmux", "-L", sock, "-f", "/dev/null"]
    done = tmp_path / f"done-{sock}"
    script = f"{command}; touch {shlex.quote(str(done))}; sleep 120"
    subprocess.run([*tmux, "new-session", "-d", "-x", str(width), "-y", "60", "sh", "-c", script], check=True,
                   env=dict(os.environ, TERM="xterm-256color"))
    try:
        subprocess.run([*tmux, "set-option", "-g", "history-limit", "20000"], check=True)
        deadline = time.time() + 120
        while not done.exists():
            assert time.time() < deadline, "the command did not finish in the terminal"
            time.sleep(0.2)
        flags = ["-p", "-J", "-S", "-"] + (["-e"] if colour else [])
        return subprocess.run([*tmux, "capture-pane", *flags], capture_output=True, text=True, check=True).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def _scan(extra: str = "") -> str:
    return f"{extra} {shlex.quote(sys.executable)} -m mfalogscan scan {shlex.quote(str(ROOT / 'sample_logs'))} -u jdoe 2>/dev/null"


@pytest.mark.parametrize("width", [80, 120])
def test_the_table_fits_the_terminal_and_cuts_nothing(tmp_path, width):
    from rich.cells import cell_len

    screen = _screen(width, _scan("NO_COLOR=1"), tmp_path)
    lines = [line.rstrip() for line in screen.splitlines()]
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide, f"{len(too_wide)} line(s) wider than {width} columns: {too_wide[:2]}"
    assert "…" not in screen
    doc = json.loads(subprocess.run([sys.executable, "-m", "mfalogscan", "scan", str(ROOT / "sample_logs"), "-u", "jdoe",
                                     "-f", "json"], capture_output=True, text=True).stdout)
    words = " ".join(screen.split())
    for finding in doc["users"][0]["findings"]:
        message = " ".join((finding["message"] or finding["text"]).split())
        for word in message.split(" "):
            if len(word) < (width - 70 if width < 100 else 30):  # a longer word folds at the cell's edge
                assert word in words, (width, word, message)
    if width >= 100:
        assert "time (UTC)" in screen and "message" in screen
    else:
        assert "line 43" in screen  # one finding per line, its message below


def test_colour_on_a_terminal_and_none_with_no_color(tmp_path):
    coloured = _screen(120, _scan(), tmp_path, colour=True)
    plain = _screen(120, _scan("NO_COLOR=1"), tmp_path, colour=True)
    assert "\x1b[31m" in coloured or "\x1b[38;5;1m" in coloured or "\x1b[91m" in coloured  # user-change records in red
    assert not any(f"\x1b[{n}m" in plain for n in (31, 34, 33, 91, 94)) and "\x1b[38;" not in plain


def test_the_progress_bar_is_drawn_on_the_terminal_inside_a_large_file_and_gone_at_the_end(tmp_path):
    """Every frame the bar draws, read from a pseudo-terminal (no sampling of the screen, so no race)."""
    import re

    big = tmp_path / "Logs"
    big.mkdir()
    line = '2024-03-07T18:00:00.006280Z|i|2960|4036|pfsvc|User "CONTOSO\\admin" changed user "kchen" value PIN from "1" to "2".\n'
    (big / "MultiFactorAuthSvc.log").write_text(line * 600_000)  # about 70 MB: seconds to read
    from .helpers import stderr_on_a_terminal

    status, _, seen = stderr_on_a_terminal(["scan", big, "-u", "jdoe", "-o", tmp_path / "r.json"])
    assert status == 1
    text = seen.decode("utf-8", "replace")
    amounts = re.findall(r"(\d+\.\d+)/(\d+\.\d+) MB", text)
    assert len({done for done, _ in amounts}) >= 2, text[-500:]  # it moved inside the one file
    assert all(total == amounts[0][1] for _, total in amounts) and " done " in text and "Svc.log" in text  # the file being read
    # Transient: the bar is erased (cursor up, line cleared) before the last line, which says what was written.
    last = text.rstrip().rsplit("\x1b[2K", 1)[-1]
    assert last.strip() == f"mfalogscan: wrote {tmp_path / 'r.json'}", repr(text[-300:])
