"""The stores of Microsoft's data-subject procedure, and which of them a scan covers (issue 17).

The stores, the facts Microsoft states about retention and deletion, and
every word of the checklist are data (`stores.toml`; a translation is
given with `--checklist FILE`). `checklist()` marks each store for one
person from what the scan read, never from what it was asked: a store is
*covered* when a source of its kind was read (by format, file name and,
for event logs, channel: `covered_by`), *covered in part* when such a
source could not be read in full, *attached* when the person's export is
attached (`--gdpr-export`), else *not covered*, with how to obtain it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from ..errors import ConfigError
from ..model import STATUS_PARTIAL, STATUS_SCANNED, SourceStatus

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

COVERED, IN_PART, ATTACHED, NOT_COVERED = "covered", "covered-in-part", "attached", "not-covered"
#: The words every wording file must give (the checklist's labels and sentences).
WORDS = ("heading", "intro", "covered", "covered_in_part", "attached", "not_covered", "sources", "attachments",
         "facts_heading", "this_scan", "scan_retention", "export_heading", "export_intro", "export_field",
         "export_value", "export_empty", "deletion_heading", "deletion_intro", "deletion_passed", "deletion_pending",
         "deletion_after", "deletion_undated", "deletion_none", "deletion_window", "not_read",
         "channels_missing")
_COVER_KEYS = {"formats", "names", "not_names", "channels"}
_STORE_KEYS = {"id", "name", "obtain", "attachable", "covered_by", "note"}


@dataclass(frozen=True)
class Store:
    id: str
    name: str
    obtain: str
    attachable: bool = False
    formats: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    not_names: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    #: What "covered" cannot tell, said beside the sources that cover the store (e.g. backups not given).
    note: str | None = None

    @property
    def scannable(self) -> bool:
        return bool(self.formats or self.names or self.channels)

    def named(self, source: SourceStatus) -> bool:
        """Whether a source's file name is one of this store's (the store names its files)."""
        if not self.names:
            return False
        base = re.split(r"[\\/!]", source.path)[-1].lower()
        return any(fnmatch.fnmatchcase(base, p.lower()) for p in self.names) and \
            not any(fnmatch.fnmatchcase(base, p.lower()) for p in self.not_names)

    def covers(self, source: SourceStatus) -> bool:
        """Whether a source read (in full or in part) is one of this store's."""
        if source.status not in (STATUS_SCANNED, STATUS_PARTIAL) or not self.scannable:
            return False
        if self.formats and source.format not in self.formats:
            return False
        if self.names and not self.named(source):
            return False
        if self.channels:
            wanted = {c.lower() for c in self.channels}
            return any(c.lower() in wanted for c in source.channels)
        return True

    def not_read(self, source: SourceStatus) -> bool:
        """A file of this store by its name that was not read (skipped, unreadable): the store is covered in part."""
        return source.status not in (STATUS_SCANNED, STATUS_PARTIAL) and self.named(source)

    def missing_channels(self, sources: list[SourceStatus]) -> list[str]:
        """The store's event-log channels that none of `sources` holds (a store of three logs, one read)."""
        read = {c.lower() for s in sources for c in s.channels}
        return [c for c in self.channels if c.lower() not in read]


@dataclass(frozen=True)
class Wording:
    """One wording file: the procedure it follows, the checklist's words, the facts, the stores, and where from."""

    origin: str
    language: str
    procedure: dict
    words: dict
    facts: tuple[dict, ...]
    stores: tuple[Store, ...]
    sha256: str | None = None  # of a translation's text (the shipped wording is the package's own)

    def word(self, key: str, **values) -> str:
        return fill(self.words[key], **values)


@dataclass(frozen=True)
class StoreState:
    """One store for one person: its state, the sources that cover it, the attachments, how to obtain it."""

    id: str
    name: str
    state: str
    sources: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    obtain: str | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "store": self.name, "state": self.state, "sources": list(self.sources),
                "attachments": list(self.attachments), "obtain": self.obtain, "note": self.note}


def fill(text: str, **values) -> str:
    """`{key}` in a wording replaced by its value; any other brace is text (a translation may hold some)."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def _line_of(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def parse_wording(text: str, origin: str) -> Wording:
    """A wording file's content, checked: a missing word, a store without a name, an unknown key named with its line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}", origin) from None

    def fail(message: str, near: str | None = None):
        raise ConfigError(message, origin, _line_of(text, near) if near else None)

    if raw.get("version") != 1:
        fail("version must be 1", "version")
    words = raw.get("words")
    if not isinstance(words, dict):
        fail("no [words] table")
    for key in WORDS:
        if not isinstance(words.get(key), str) or not words[key].strip():
            fail(f"[words] must give {key} as text", "[words]")
    procedure = raw.get("procedure") or {}
    if not isinstance(procedure, dict) or not all(isinstance(procedure.get(k), str) for k in ("title", "url")):
        fail("[procedure] must give title and url as text", "[procedure]")
    facts = raw.get("fact") or []
    if not isinstance(facts, list) or not all(isinstance(f, dict) for f in facts):
        fail("fact must be [[fact]] tables", "fact")
    if not isinstance(raw.get("store") or [], list) or not all(isinstance(x, dict) for x in raw.get("store") or []):
        fail("store must be [[store]] tables", "store")
    for fact in facts:
        if not all(isinstance(fact.get(k), str) and fact[k].strip() for k in ("id", "text", "source")):
            fail("each [[fact]] must give id, text and source", f'id = "{fact.get("id")}"' if fact.get("id") else "[[fact]]")
    stores, seen = [], set()
    for store in raw.get("store") or []:
        sid = store.get("id")
        near = f'id = "{sid}"' if isinstance(sid, str) else "[[store]]"
        if not isinstance(sid, str) or not sid or sid in seen:
            fail(f"a [[store]] without an id, or with one given twice ({sid!r})", near)
        seen.add(sid)
        if unknown := set(store) - _STORE_KEYS:
            fail(f"store {sid}: unknown key(s) {', '.join(sorted(unknown))}", near)
        if not all(isinstance(store.get(k), str) and store[k].strip() for k in ("name", "obtain")):
            fail(f"store {sid}: name and obtain must be text", near)
        cover = store.get("covered_by") or {}
        if not isinstance(cover, dict) or set(cover) - _COVER_KEYS or \
                not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in cover.values()):
            fail(f"store {sid}: covered_by takes lists of text under {', '.join(sorted(_COVER_KEYS))}", near)
        if "note" in store and not (isinstance(store["note"], str) and store["note"].strip()):
            fail(f"store {sid}: note must be text", near)
        stores.append(Store(sid, store["name"], store["obtain"], store.get("attachable") is True,
                            *(tuple(cover.get(k, ())) for k in ("formats", "names", "not_names", "channels")),
                            store.get("note")))
    if not stores:
        fail("no [[store]] given")
    return Wording(origin, str(raw.get("language") or ""), dict(procedure), dict(words), tuple(dict(f) for f in facts),
                   tuple(stores))


@lru_cache(maxsize=None)
def _shipped() -> Wording:
    return parse_wording(resources.files(__package__).joinpath("stores.toml").read_text("utf-8"), "(shipped checklist)")


def load_wording(path: str | None = None) -> Wording:
    """The shipped wording, or a translation of it (`--checklist FILE`). A translation gives the words only: the
    stores, their order, what covers each and which takes an attachment stay the shipped ones, so a wording file
    can never change what the report says is covered."""
    shipped = _shipped()
    if path is None:
        return shipped
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as e:
        raise ConfigError(f"cannot read the checklist file: {e.strerror or e}", path) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"the checklist file is not UTF-8 text (byte {e.start})", path) from None
    given = parse_wording(text, path)
    by_id = {s.id: s for s in given.stores}
    if missing := [s.id for s in shipped.stores if s.id not in by_id]:
        raise ConfigError(f"the checklist file leaves out store(s) {', '.join(missing)} of the procedure", path)
    if extra := sorted(set(by_id) - {s.id for s in shipped.stores}):
        raise ConfigError(f"the checklist file names store(s) {', '.join(extra)} the procedure does not have", path)
    facts = {f["id"]: f for f in given.facts}
    if missing := [f["id"] for f in shipped.facts if f["id"] not in facts]:
        raise ConfigError(f"the checklist file leaves out fact(s) {', '.join(missing)}", path)
    stores = tuple(replace(s, name=by_id[s.id].name, obtain=by_id[s.id].obtain,
                           note=by_id[s.id].note if s.note else None) for s in shipped.stores)
    return replace(given, stores=stores, facts=tuple(facts[f["id"]] for f in shipped.facts),
                   sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def checklist(wording: Wording, sources: list[SourceStatus], attached: list[str], name: str) -> list[StoreState]:
    """Each store's state for one person, from the sources read and the paths of the exports attached for them.

    Covered in part: a source of the store could not be read in full, a file named as the store's was skipped or
    unreadable, or only some of the store's event-log channels were read."""
    out = []
    for store in wording.stores:
        mine = [s for s in sources if store.covers(s)]
        unread = [s for s in sources if store.not_read(s)]
        obtain = fill(store.obtain, name=name)
        if store.attachable and attached:
            out.append(StoreState(store.id, store.name, ATTACHED, attachments=tuple(attached)))
        elif mine:
            missing = store.missing_channels(mine) if store.channels else []
            said = [fill(store.note, name=name)] if store.note else []
            if unread:
                said.append(wording.word("not_read", paths=", ".join(s.path for s in unread)))
            if missing:
                said.append(wording.word("channels_missing", channels=", ".join(missing)))
            partial = unread or missing or any(s.has_error for s in mine)
            out.append(StoreState(store.id, store.name, IN_PART if partial else COVERED,
                                  tuple(s.path for s in mine + unread), obtain=obtain if partial else None,
                                  note=" ".join(said) or None))
        elif unread:
            out.append(StoreState(store.id, store.name, IN_PART, tuple(s.path for s in unread), obtain=obtain,
                                  note=wording.word("not_read", paths=", ".join(s.path for s in unread))))
        else:
            out.append(StoreState(store.id, store.name, NOT_COVERED, obtain=obtain))
    return out


def state_label(wording: Wording, state: str) -> str:
    return wording.word({COVERED: "covered", IN_PART: "covered_in_part", ATTACHED: "attached",
                         NOT_COVERED: "not_covered"}[state])
