"""Tags and favourites of cards, in `tags.json` in the data folder, shaped like SillyTavern's settings.json keys.

    {"tags": [{"id": "...", "name": "...", "color": "..."}, ...],
     "tag_map": {"<card file name>": ["<tag id>", ...]},
     "favorites": ["<card file name>", ...]}

`tags` and `tag_map` are SillyTavern's own shapes (its `tag_map` is keyed by the card's avatar file name, as ours
is by the file name in cards/), so the file reads the same to either program. A card's own tags (in the card) are
separate: these are the user's folders of cards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write

TAGS_FILE = "tags.json"


class Tag(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)  # SillyTavern's color2, folder_type... kept

    id: str
    name: str
    color: str = ""


class TagFile(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)

    tags: list[Tag] = Field(default_factory=list)
    tag_map: dict[str, list[str]] = Field(default_factory=dict)
    favorites: list[str] = Field(default_factory=list)


def read_tags(path: Path) -> TagFile:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return TagFile()
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return TagFile.model_validate(json.loads(raw) if raw.strip() else {})
    except (ValueError, ValidationError) as exc:
        raise StoreError(f"{path} is damaged ({str(exc).splitlines()[0]}); fix it or move it away") from None


def write_tags(path: Path, data: TagFile) -> None:
    payload = json.dumps(data.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    try:
        atomic_write(path, payload.encode("utf-8"))
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror}") from None


def sillytavern_tags(settings: dict[str, Any]) -> list[Tag]:
    """The tag definitions in a SillyTavern settings.json (`tags`); malformed ones are left out."""
    out: list[Tag] = []
    for raw in settings.get("tags") or []:
        if isinstance(raw, dict) and raw.get("id") is not None and isinstance(raw.get("name"), str):
            try:
                out.append(Tag.model_validate({**raw, "id": str(raw["id"]), "color": str(raw.get("color") or "")}))
            except ValidationError:
                continue
    return out


def merge(data: TagFile, tags: list[Tag], tag_map: dict[str, list[str]], favorites: list[str]) -> int:
    """Add what is not there yet (tags by id, assignments, favourites); returns how many things were added."""
    added = 0
    known = {t.id for t in data.tags}
    for tag in tags:
        if tag.id not in known:
            data.tags.append(tag)
            known.add(tag.id)
            added += 1
    for key, ids in tag_map.items():
        have = data.tag_map.setdefault(key, [])
        for tag_id in ids:
            if tag_id not in have:
                have.append(tag_id)
                added += 1
    for key in favorites:
        if key not in data.favorites:
            data.favorites.append(key)
            added += 1
    return added


def tag_names_by_card(data: TagFile) -> dict[str, list[str]]:
    """Card file name -> the names of its tags in `tag_map`, in order (ids with no tag defined are left out)."""
    names = {t.id: t.name for t in data.tags}
    out: dict[str, list[str]] = {}
    for card, ids in data.tag_map.items():
        found = [names[i] for i in ids if i in names]
        if found:
            out[card] = found
    return out
