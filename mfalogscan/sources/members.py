"""Names of archive members as sources: `ARCHIVE!MEMBER`, told apart by position when a name comes twice.

Zip and tar allow two members with one name (tar appends a newer copy;
zip tools warn and write both). Both are read, and a source's path must
name one of them, so a name already taken in the archive gets its position:
`logs.zip!a.log (member 3)`. The first keeps its plain name, so the usual
case reads as before and `verify` finds each member again where it was.
"""

from __future__ import annotations

from ..errors import WARNING, SourceIssue


class MemberNames:
    """The member paths handed out for one archive."""

    def __init__(self, archive_path: str):
        self._archive = archive_path
        self._taken: set[str] = set()
        self.repeated = 0

    def path(self, name: str, position: int) -> str:
        """The source path of the member `name` at `position` (1-based, counting every entry of the archive)."""
        path = f"{self._archive}!{name}"
        if path in self._taken:
            self.repeated += 1
            path = f"{path} (member {position})"
        self._taken.add(path)
        return path

    def issues(self) -> list[SourceIssue]:
        if not self.repeated:
            return []
        return [SourceIssue(f"{self.repeated} member(s) have the name of an earlier member; each is read and "
                            "listed with its position, as '(member N)'", None, WARNING)]
