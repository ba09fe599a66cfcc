"""A report's document against the document of the same scan made again: every field, named where it differs.

Everything a report states is compared unless this module names it as
free to differ: when the run was made (`generated_at`), file modification
times (`modified`), and, for a source whose year came from a file time or
the time of the run, what follows from that year (times, events,
retention). Classification is compared only when the rules in force are
the same (the caller decides). A field the tool does not write, added to a
report, is a difference too.
"""

from __future__ import annotations

from collections import Counter

FREE = {"generated_at", "modified"}
SOURCE_TIMED = {"first_timestamp", "last_timestamp", "year_from", "outside_window", "rotation_order", "gap_before",
                "overlaps_previous", "past_retention"}
FINDING_TIMED = {"timestamp", "event", "duplicate_of", "past_retention", "timestamp_note"}
FINDING_RULED = {"category", "kind", "role", "rule", "call_status", "field", "details"}
COUNT_TIMED = {"events", "first_seen", "last_seen", "outside_window", "past_retention", "deletion"}
COUNT_RULED = {"by_category", "by_kind", "by_role"}
SUMMARY_TIMED = {"events"}
_FILE_TIME = ("the file's modification time", "the time of this run")


def _diffs(then: dict, now: dict, skip: set) -> list[str]:
    keys = [k for k in then if k not in skip] + [k for k in now if k not in skip and k not in then]
    return [f"{k} in the report {then.get(k)!r}, now {now.get(k)!r}" for k in keys if then.get(k) != now.get(k)]


def _relocate(path, moved: dict):
    if not isinstance(path, str):
        return path
    for old, new in moved.items():
        for sep in ("/", "\\", "!"):
            if path == old or path.startswith(old + sep):
                return new + path[len(old):]
    return path


def _moved_text(text, moved: dict):
    """A text that may hold paths (gap_before), with moved roots replaced."""
    if not isinstance(text, str):
        return text
    for old, new in moved.items():
        text = text.replace(old, new)
    return text


class Comparison:
    """One comparison's findings: `changed` lines, `holds` lines, and how many sources and findings were checked."""

    def __init__(self, then: dict, now: dict, moved: dict, same_rules: bool, attached_at: dict | None = None):
        self.then, self.now, self.moved, self.same_rules = then, now, moved, same_rules
        self.attached_at = attached_at or {}  # an attachment's path as recorded -> where it was read again
        self.changed: list[str] = []
        self.holds: list[str] = []
        self.sources = self.findings = 0
        self.file_timed: set[str] = set()

    def run(self) -> "Comparison":
        self._sources()
        self._people()
        self._summary()
        return self

    def _ruled(self, keys: set) -> set:
        return set() if self.same_rules else keys

    def _sources(self) -> None:
        moved = self.moved
        then_sources = [
            dict(s, path=_relocate(s["path"], moved), container=_relocate(s.get("container"), moved),
                 copy_of=_relocate(s.get("copy_of"), moved), gap_before=_moved_text(s.get("gap_before"), moved))
            for s in self.then.get("sources", [])
        ]
        for path, n in Counter(s["path"] for s in then_sources).items():
            if n > 1:
                self.changed.append(f"listed twice: source {path}")
        now_sources = {s["path"]: s for s in self.now["sources"]}
        for then in then_sources:
            self.sources += 1
            now = now_sources.get(then["path"])
            if now is None:
                self.changed.append(f"missing: {then['path']} (in the report, not found now)")
                continue
            if str(then.get("year_from") or "").startswith(_FILE_TIME):
                self.file_timed.add(then["path"])
            diffs = _diffs(then, now, FREE | (SOURCE_TIMED if then["path"] in self.file_timed else set()))
            self.changed.extend(f"changed: {then['path']}: {d}" for d in diffs)
            if not diffs:
                self.holds.append(f"ok: {then['path']}")
        for path in sorted(set(now_sources) - {s["path"] for s in then_sources}):
            self.changed.append(f"new: {path} (found now, not in the report)")

    def _people(self) -> None:
        now_users = {u["user"]: u for u in self.now["users"]}
        now_findings = {(f["source"], f["line"], f["offset"], f["user"]): f for u in self.now["users"] for f in u["findings"]}
        seen: Counter = Counter()
        for user in self.then.get("users", []):
            name = user["user"]
            for then in user.get("findings", []):
                then = dict(then, source=_relocate(then["source"], self.moved),
                            duplicate_of=_relocate(then.get("duplicate_of"), self.moved))
                key = (then["source"], then["line"], then["offset"], then["user"])
                seen[key] += 1
                self.findings += 1
                where = f"{key[0]}:{key[1]} ({key[3]})"
                if then["user"] != name:
                    self.changed.append(f"finding misattributed: {where} is listed under {name}")
                now = now_findings.get(key)
                if now is None:
                    self.changed.append(f"finding gone: {where}: the report says {then.get('text')!r}, "
                                        "the source no longer has it there")
                    continue
                skip = (FINDING_TIMED if key[0] in self.file_timed else set()) | self._ruled(FINDING_RULED)
                self.changed.extend(f"finding differs: {where}: {d}" for d in _diffs(then, now, skip))
            if name in now_users:
                self._counts(user, now_users[name])
            else:
                self.changed.append(f"person not searched now: {name}")
        for key, n in seen.items():
            if n > 1:
                self.changed.append(f"listed twice: finding {key[0]}:{key[1]} ({key[3]})")
        for key, n in now_findings.items():
            if key not in seen:
                self.changed.append(f"finding not in the report: {key[0]}:{key[1]} ({key[3]}): {n['text']!r}")
        if seen and not any(line.startswith(("finding", "listed twice: finding")) for line in self.changed):
            self.holds.append(f"ok: all {len(seen)} finding(s) still read as reported")

    def _counts(self, then: dict, now: dict) -> None:
        name = then["user"]
        skip = (COUNT_TIMED if self.file_timed else set()) | self._ruled(COUNT_RULED) | {"attachments"}
        whole = {k: v for k, v in then.items() if k not in ("findings", "counts", "user")}
        self._stores(name, whole.pop("stores", None), now.get("stores"))
        self._attachments(name, whole.get("attachments"), now.get("attachments"))
        if isinstance(whole.get("deletion"), dict):
            d = whole["deletion"]
            whole["deletion"] = dict(d, **{k: [dict(r, source=_relocate(r.get("source"), self.moved))
                                              for r in d.get(k) or [] if isinstance(r, dict)]
                                           for k in ("follow_up", "undated_records")})
        diffs = _diffs(dict(then.get("counts") or {}, **whole),
                       dict(now["counts"], **{k: v for k, v in now.items() if k not in ("findings", "counts", "user",
                                                                                         "stores")}),
                       skip)
        self.changed.extend(f"counts differ for {name}: {d}" for d in diffs)

    def _attachments(self, name: str, then, now) -> None:
        """Each attachment as the report holds it against the file read again: every field but its time (verify
        has said already whether the file itself changed); an edited row in the report is a difference."""
        if not then and not now:
            return
        if not isinstance(then, list) or not all(isinstance(a, dict) for a in then):
            self.changed.append(f"attachments differ for {name}: the report's are malformed")
            return
        now_by_path = {a["path"]: a for a in now or []}
        for a in then:
            path = self.attached_at.get(a.get("path"), a.get("path"))
            other = now_by_path.get(path)
            if other is None:
                continue  # missing or no export now: said by verify
            diffs = _diffs(dict(a, path=path), other, {"modified"})
            self.changed.extend(f"attachments differ for {name}: {a.get('path')}: {d[:300]}" for d in diffs)

    def _stores(self, name: str, then, now) -> None:
        """The stores checklist, store by store (the sources that cover one relocated where they are now)."""
        if then is None and now is None:
            return
        if not isinstance(then, list) or not all(isinstance(s, dict) and "id" in s for s in then):
            self.changed.append(f"stores differ for {name}: the report's checklist is malformed")
            return
        now_by_id = {s["id"]: s for s in now or []}
        for store in then:
            store = dict(store, sources=[_relocate(p, self.moved) for p in store.get("sources") or []],
                         attachments=[self.attached_at.get(p, p) for p in store.get("attachments") or []])
            other = now_by_id.pop(store["id"], None)
            if other is None:
                self.changed.append(f"stores differ for {name}: {store['id']} is in the report, not in the checklist now")
                continue
            self.changed.extend(f"stores differ for {name}: {store['id']}: {d}" for d in _diffs(store, other, set()))
        self.changed.extend(f"stores differ for {name}: {sid} is in the checklist now, not in the report"
                            for sid in now_by_id)

    def _summary(self) -> None:
        then, now = self.then.get("summary"), self.now.get("summary")
        if not isinstance(then, dict):
            self.changed.append("summary missing from the report")
            return
        diffs = _diffs(then, now, {"users"} | (SUMMARY_TIMED if self.file_timed else set()))
        now_users = {u["user"]: u for u in now.get("users", [])}
        listed = then.get("users", [])
        skip = (COUNT_TIMED if self.file_timed else set()) | self._ruled(COUNT_RULED)
        for user in listed:
            other = now_users.get(user.get("user"))
            if other is None:
                diffs.append(f"person {user.get('user')!r} is in the report's summary, not in the scan now")
                continue
            diffs.extend(f"{user['user']}: {d}" for d in _diffs(user, other, skip))
        if [u.get("user") for u in listed] != [u["user"] for u in now.get("users", [])]:
            diffs.append("the people it lists are not those the scan lists now")
        self.changed.extend(f"summary differs: {d}" for d in diffs)
        if not diffs:
            self.holds.append("ok: the summary")
