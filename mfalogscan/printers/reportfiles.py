"""--output-dir: one report file per subject, so handing one person theirs discloses no one else's."""

from __future__ import annotations

import os
from importlib import import_module

from ..errors import ConfigError
from . import PER_SUBJECT, _MODULES
from .subject_view import safe_file_name, subject_views
from .safeopen import Folder, check_no_links


def check_per_subject(name: str) -> None:
    """Only the markdown and html reports are made per subject."""
    if name not in PER_SUBJECT:
        raise ConfigError(f"--output-dir makes one file per subject: use --format markdown or html, not {name}")


def write_per_subject(report, name: str, directory: str, force: bool, sealer=None) -> list[str]:
    """Write each subject's report as DIR/<safe name>.<ext> (sealed by `sealer`); return the paths written."""
    check_per_subject(name)
    check_no_links(directory)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"cannot create the output folder: {e.strerror or e}", directory) from None
    render = import_module(f".{_MODULES[name]}", __package__).render
    written, taken = [], set()
    folder = Folder(directory)  # held open: every file is created in this very folder
    try:
        for view in subject_views(report):
            file_name = safe_file_name(view.user, taken) + PER_SUBJECT[name]
            with folder.create(file_name, force, sealer) as out:
                out.write(render(view))
            written.append(os.path.join(directory, file_name))
    finally:
        folder.close()
    return written
