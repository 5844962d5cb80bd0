"""Lorebooks for the lorebook editor: which books a chat can edit, their entries as one form, lossless saving.

Two shapes hold the same entry: a SillyTavern world file (`{"entries": {"<uid>": {...}}}`, camelCase keys) and a
card's embedded `character_book` (V2 `keys`/`insertion_order`/... with SillyTavern's extras under `extensions`).
`EntryFields` is the form both are edited through, in the world-file names. Saving writes back only the fields
whose value changed, so every key the editor does not know (and every untouched default) stays as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tavo_tui.model import Card, Lorebook, LorebookEntry
from tavo_tui.store.files import atomic_write

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession

POSITIONS: dict[int, str] = {
    0: "before the character", 1: "after the character", 2: "top of author's note", 3: "bottom of author's note",
    4: "in chat at depth", 5: "before examples", 6: "after examples", 7: "outlet",
}
LOGICS: dict[int, str] = {0: "AND ANY", 1: "NOT ALL", 2: "NOT ANY", 3: "AND ALL"}
ROLES: dict[int, str] = {0: "system", 1: "user", 2: "assistant"}


class LoreError(Exception):
    """A book could not be read or written; one line for the user."""


class EntryFields(BaseModel):
    """One entry as the editor shows it (SillyTavern world-file names and defaults)."""

    model_config = ConfigDict(populate_by_name=True)

    key: list[str] = Field(default_factory=list)
    keysecondary: list[str] = Field(default_factory=list)
    selectiveLogic: int = 0
    selective: bool = True
    comment: str = ""
    content: str = ""
    constant: bool = False
    disable: bool = False
    position: int = 0
    depth: int = 4
    role: int = 0
    order: int = 100
    probability: int = 100
    useProbability: bool = True
    sticky: int = 0
    cooldown: int = 0
    delay: int = 0
    group: str = ""
    groupOverride: bool = False
    groupWeight: int = 100
    excludeRecursion: bool = False
    preventRecursion: bool = False
    delayUntilRecursion: int = 0
    scanDepth: int | None = None
    caseSensitive: bool | None = None
    matchWholeWords: bool | None = None


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _opt_int(value: Any) -> int | None:
    return None if value is None or value == "" else _int(value, 0)


def _opt_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value] if isinstance(value, list) else []


# World-file key -> (reader of the raw value). Everything the form edits.
_WORLD_READERS: dict[str, Any] = {
    "key": _strings, "keysecondary": _strings, "selectiveLogic": lambda v: _int(v, 0),
    "selective": lambda v: True if v is None else bool(v), "comment": lambda v: str(v or ""),
    "content": lambda v: str(v or ""), "constant": bool, "disable": bool, "position": lambda v: _int(v, 0),
    "depth": lambda v: _int(v, 4), "role": lambda v: _int(v, 0), "order": lambda v: _int(v, 100),
    "probability": lambda v: _int(v, 100), "useProbability": lambda v: True if v is None else bool(v),
    "sticky": lambda v: _int(v, 0), "cooldown": lambda v: _int(v, 0), "delay": lambda v: _int(v, 0),
    "group": lambda v: str(v or ""), "groupOverride": bool, "groupWeight": lambda v: _int(v, 100),
    "excludeRecursion": bool, "preventRecursion": bool, "delayUntilRecursion": lambda v: _int(v, 0),
    "scanDepth": _opt_int, "caseSensitive": _opt_bool, "matchWholeWords": _opt_bool,
}


def world_entry_fields(raw: dict[str, Any]) -> EntryFields:
    """The form's values for a world-file entry (missing keys take SillyTavern's defaults)."""
    values = {name: read(raw[name]) for name, read in _WORLD_READERS.items() if name in raw}
    return EntryFields.model_validate(values)


def apply_world_entry(raw: dict[str, Any], fields: EntryFields) -> dict[str, Any]:
    """`raw` with the fields that changed written in; its other keys are kept as they were."""
    before = world_entry_fields(raw).model_dump()
    out = dict(raw)
    for name, value in fields.model_dump().items():
        if value != before[name] or (name not in raw and name in ("key", "content")):
            out[name] = value
    return out


# Card-book extension keys (snake_case, as SillyTavern writes them) for the form's fields kept there.
_CARD_EXT: dict[str, str] = {
    "selectiveLogic": "selectiveLogic", "position": "position", "depth": "depth", "role": "role",
    "probability": "probability", "useProbability": "useProbability", "sticky": "sticky", "cooldown": "cooldown",
    "delay": "delay", "group": "group", "groupOverride": "group_override", "groupWeight": "group_weight",
    "excludeRecursion": "exclude_recursion", "preventRecursion": "prevent_recursion",
    "delayUntilRecursion": "delay_until_recursion", "scanDepth": "scan_depth", "caseSensitive": "case_sensitive",
    "matchWholeWords": "match_whole_words",
}


def card_entry_fields(entry: LorebookEntry) -> EntryFields:
    ext = entry.extensions if isinstance(entry.extensions, dict) else {}
    values: dict[str, Any] = {
        "key": list(entry.keys), "keysecondary": list(entry.secondary_keys), "content": entry.content or "",
        "comment": entry.comment or entry.name or "", "constant": bool(entry.constant),
        "disable": not entry.enabled, "order": entry.insertion_order,
        "selective": bool(entry.selective) if entry.selective is not None else False,
        "position": 0 if entry.position == "before_char" else 1,
    }
    if entry.case_sensitive is not None:
        values["caseSensitive"] = bool(entry.case_sensitive)
    for name, ext_key in _CARD_EXT.items():
        if ext_key in ext:
            values[name] = _WORLD_READERS[name](ext[ext_key])
    return EntryFields.model_validate(values)


def apply_card_entry(entry: LorebookEntry, fields: EntryFields) -> LorebookEntry:
    """`entry` with the changed fields written in (top-level V2 keys, or SillyTavern's extensions)."""
    before = card_entry_fields(entry).model_dump()
    new = fields.model_dump()
    top: dict[str, Any] = {}
    ext = dict(entry.extensions) if isinstance(entry.extensions, dict) else {}
    simple = {"key": "keys", "keysecondary": "secondary_keys", "content": "content", "constant": "constant",
              "order": "insertion_order", "selective": "selective"}
    for name, attr in simple.items():
        if new[name] != before[name]:
            top[attr] = new[name]
    if new["comment"] != before["comment"]:
        top["comment"] = new["comment"]
    if new["disable"] != before["disable"]:
        top["enabled"] = not new["disable"]
    if new["position"] != before["position"]:
        top["position"] = "before_char" if new["position"] == 0 else "after_char"
    for name, ext_key in _CARD_EXT.items():
        if new[name] != before[name]:
            ext[ext_key] = new[name]
    if new["caseSensitive"] != before["caseSensitive"]:
        top["case_sensitive"] = new["caseSensitive"]
    if ext != entry.extensions:
        top["extensions"] = ext
    return entry.model_copy(update=top, deep=True)


# ---- books ---------------------------------------------------------------------------------------------------
@dataclass
class BookRef:
    """A book the chat can edit: a world file (worlds/<name>.json) or the card's embedded book."""

    kind: Literal["world", "card"]
    name: str
    label: str
    path: Path | None = None


@dataclass
class BookDoc:
    """An open book: the raw world-file dict, or the card whose `character_book` is edited."""

    ref: BookRef
    world: dict[str, Any] = field(default_factory=dict)
    card: Card | None = None

    def entries(self) -> list[tuple[str, EntryFields]]:
        """(entry id, form values), in the book's order (world files: by `displayIndex`, then uid)."""
        if self.card is not None:
            book = self.card.character_book or Lorebook()
            return [(str(i), card_entry_fields(e)) for i, e in enumerate(book.entries)]
        raw = self._world_entries()
        return [(uid, world_entry_fields(raw[uid])) for uid in self._order(raw)]

    def _world_entries(self) -> dict[str, dict[str, Any]]:
        entries = self.world.get("entries")
        if isinstance(entries, list):  # some exporters write a list: keep it keyed by uid from now on
            entries = {str(e.get("uid", i)): e for i, e in enumerate(entries) if isinstance(e, dict)}
        if not isinstance(entries, dict):
            entries = {}
        self.world["entries"] = entries
        return entries

    @staticmethod
    def _order(raw: dict[str, dict[str, Any]]) -> list[str]:
        def key(uid: str) -> tuple[int, int, str]:
            entry = raw[uid]
            return (_int(entry.get("displayIndex"), 1 << 30), _int(uid, 1 << 30), uid)

        return sorted((uid for uid in raw if isinstance(raw[uid], dict)), key=key)

    def find(self, uid: str) -> str | None:
        """The entry id of the entry the prompt engine calls `uid` (a card book's entries may carry ids)."""
        if self.card is not None:
            book = self.card.character_book or Lorebook()
            for i, entry in enumerate(book.entries):
                if str(entry.id if entry.id is not None else i) == uid:
                    return str(i)
            return None
        return uid if uid in self._world_entries() else None

    def get(self, entry_id: str) -> EntryFields:
        for eid, fields in self.entries():
            if eid == entry_id:
                return fields
        raise LoreError(f"no entry {entry_id!r} in {self.ref.label}")

    def set(self, entry_id: str, fields: EntryFields) -> None:
        if self.card is not None:
            book = self.card.character_book or Lorebook()
            entries = list(book.entries)
            entries[int(entry_id)] = apply_card_entry(entries[int(entry_id)], fields)
            self.card = self.card.model_copy(update={"character_book": book.model_copy(update={"entries": entries})})
            return
        raw = self._world_entries()
        raw[entry_id] = apply_world_entry(raw[entry_id], fields)

    def add(self, fields: EntryFields | None = None) -> str:
        """A new entry at the end; its id."""
        fields = fields or EntryFields(comment="new entry")
        if self.card is not None:
            book = self.card.character_book or Lorebook(name=self.card.name)
            new = apply_card_entry(LorebookEntry(), fields)
            entries = [*book.entries, new.model_copy(update={"id": len(book.entries)})]
            self.card = self.card.model_copy(update={"character_book": book.model_copy(update={"entries": entries})})
            return str(len(entries) - 1)
        raw = self._world_entries()
        uid = max((_int(u, -1) for u in raw), default=-1) + 1
        raw[str(uid)] = {"uid": uid, **fields.model_dump(), "displayIndex": uid}
        return str(uid)

    def delete(self, entry_id: str) -> None:
        if self.card is not None:
            book = self.card.character_book or Lorebook()
            entries = [e for i, e in enumerate(book.entries) if str(i) != entry_id]
            self.card = self.card.model_copy(update={"character_book": book.model_copy(update={"entries": entries})})
            return
        self._world_entries().pop(entry_id, None)

    def as_world_json(self) -> dict[str, Any]:
        """The book as a SillyTavern world file (a card's book converted; a world file as it is)."""
        if self.card is None:
            self._world_entries()
            return self.world
        entries = {str(i): {"uid": i, **fields.model_dump(), "displayIndex": i}
                   for i, (_, fields) in enumerate(self.entries())}
        book = self.card.character_book
        return {"name": (book.name if book else None) or self.card.name, "entries": entries}


def books_for(session: ChatSession) -> list[BookRef]:
    """The chat's book, the character's (linked world file, embedded book), then every other world file."""
    worlds = session.ctx.worlds_dir
    refs: list[BookRef] = []
    seen: set[str] = set()

    def world(name: str, why: str) -> None:
        if name and name not in seen and (worlds / f"{name}.json").is_file():
            seen.add(name)
            refs.append(BookRef("world", name, f"{name} ({why})", worlds / f"{name}.json"))

    chat_book = session.metadata.get("world_info")
    if isinstance(chat_book, str):
        world(chat_book, "chat's lorebook")
    linked = session.card.extensions.get("world")
    if isinstance(linked, str):
        world(linked, "character's world")
    book = session.card.character_book
    name = (book.name if book else None) or session.card.name or "character"
    refs.append(BookRef("card", name, f"{name} (embedded in the card)"))
    for other in session.ctx.lorebook_names():
        world(other, "world file")
    return refs


def open_book(session: ChatSession, ref: BookRef) -> BookDoc:
    if ref.kind == "card":
        return BookDoc(ref, card=session.card.model_copy(deep=True))
    assert ref.path is not None
    return BookDoc(ref, world=read_world(ref.path))


def read_world(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LoreError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise LoreError(f"{path.name} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries", {}), dict | list):
        raise LoreError(f"{path.name} is not a SillyTavern world-info file (no entries)")
    return data


def write_world(path: Path, data: dict[str, Any]) -> None:
    try:
        atomic_write(path, (json.dumps(data, ensure_ascii=False, indent=4) + "\n").encode("utf-8"))
    except OSError as exc:
        raise LoreError(f"cannot write {path}: {exc.strerror or exc}") from None


def save_book(session: ChatSession, doc: BookDoc) -> Path:
    """Write the book back (a world file in place; the card to its file) and use it from the next prompt on."""
    if doc.card is not None:
        from tavo_tui.session.library import LibraryError
        from tavo_tui.session.workshop import save_card

        try:
            return save_card(session, doc.card)
        except LibraryError as exc:
            raise LoreError(str(exc)) from None
    assert doc.ref.path is not None
    write_world(doc.ref.path, doc.as_world_json())
    return doc.ref.path


def import_world(session: ChatSession, source: Path) -> BookRef:
    """Copy a SillyTavern world-info JSON file into the worlds folder (a free name); its ref."""
    data = read_world(source)
    folder = session.ctx.worlds_dir
    stem = source.stem or "lorebook"
    target, n = folder / f"{stem}.json", 1
    while target.exists():
        n += 1
        target = folder / f"{stem} ({n}).json"
    write_world(target, data)
    return BookRef("world", target.stem, f"{target.stem} (world file)", target)


def export_world(doc: BookDoc, target: Path) -> None:
    write_world(target, doc.as_world_json())
