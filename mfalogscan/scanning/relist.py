"""Folders that change while they are scanned: listed again at the end, so a file renamed or added meanwhile is
never silently missed.

MFA Server rotates its log while an admin scans the Logs folder: a backup
listed as `.log.1` may be `.log.2` by the time it is opened (then it is
"cannot open" under its old name and was never read under the new one), and
a new backup may appear. After every source has been scanned, the same
paths are listed again. A file under a name not seen before is scanned then,
with a warning that it appeared during the scan, unless it is a file already
scanned under another name (same device and inode), which is listed as
skipped with that name. Removed files were already reported when they could
not be opened.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Iterable, Iterator

from ..errors import WARNING, SourceIssue
from ..model import STATUS_SKIPPED, STATUS_UNREADABLE, Finding, SourceStatus
from ..sources.discover import Found, discover
from .source import scan_found

APPEARED = ("appeared while the scan ran (added, or renamed after its folder was listed); scanned at the end, "
            "after the other sources")


class Seen:
    """The paths listed and the files (device, inode) met in the first listing and then opened."""

    def __init__(self):
        self.paths: set[str] = set()
        self.files: dict[tuple[int, int], str] = {}
        self._key_of: dict[str, tuple[int, int]] = {}

    def scanned(self, events: Iterable) -> Iterator:
        """Pass the scan's events through; a listed file that could not be opened is no file scanned."""
        for event in events:
            if isinstance(event, SourceStatus) and event.status == STATUS_UNREADABLE and event.path in self._key_of:
                key = self._key_of.pop(event.path)
                if self.files.get(key) == event.path:
                    del self.files[key]
            yield event

    def note(self, items: Iterable) -> Iterator:
        """Pass the first listing through, noting what it holds."""
        for item in items:
            path = item.path
            self.paths.add(path)
            if isinstance(item, Found) and item.key is not None:  # the listing's own stat of the file
                self.files.setdefault(item.key, path)
                self._key_of[path] = item.key
            yield item


def changed_meanwhile(config, ctx, seen: Seen) -> Iterator[Finding | SourceStatus]:
    """What a second listing of the same paths holds that the first did not."""
    if not any(os.path.isdir(p) for p in config.paths if p != "-"):
        return  # files named one by one do not change names under the scan
    for item in discover(config.paths, config.exclude, config.follow_links):
        if item.path in seen.paths or not isinstance(item, Found):
            continue
        if item.key is not None and item.key in seen.files:
            yield SourceStatus(item.path, STATUS_SKIPPED, f"the same file as {seen.files[item.key]}, which was scanned: "
                               "it was renamed while the scan ran")
            continue
        for event in scan_found(item, ctx):
            if isinstance(event, SourceStatus) and (event.path == item.path or event.path.startswith(item.path + "!")):
                event = replace(event, issues=tuple(event.issues) + (SourceIssue(APPEARED, None, WARNING),))
            yield event
