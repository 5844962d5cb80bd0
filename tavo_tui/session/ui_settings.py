"""The terminal UI's own small files in the config dir: ui.json (theme, layout, send key, the last chat and the
library's sort and filter) and keymap.json.

The UI never touches files itself; it calls these functions. Damaged files never stop the app: they load
as defaults plus a list of readable problems for the UI to show.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tavo_tui.store import AppPaths
from tavo_tui.store.files import atomic_write

UI_FILE = "ui.json"
KEYMAP_FILE = "keymap.json"

# A key list as Textual writes it: "ctrl+j", "f5", "alt+1,ctrl+o", "question_mark".
_KEYS = re.compile(r"[A-Za-z0-9_+\-]+(?:\s*,\s*[A-Za-z0-9_+\-]+)*")
_BINDING_ID = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,63}")


class PaneLayout(BaseModel):
    """Which side panes are shown and how wide they are (columns); None means "pick by terminal width"."""

    model_config = ConfigDict(extra="ignore")

    cards_width: int = Field(default=28, ge=14, le=80)
    side_width: int = Field(default=56, ge=24, le=120)
    cards_visible: bool | None = None
    connections_visible: bool | None = None
    inspector_visible: bool | None = None


class LastChat(BaseModel):
    """Where the user was when the app last ran: the next start without --card/--connection goes back there."""

    model_config = ConfigDict(extra="ignore")

    card: str = ""  # the card file's path
    chat: str = ""  # the chat's id ("<character folder>/<file stem>"); empty: the card's latest chat
    connection: str = ""  # the connection profile's name


class LibraryView(BaseModel):
    """The library pane's sort order, filter text and tag folder, as left."""

    model_config = ConfigDict(extra="ignore")

    sort: str = "name"  # an unknown order lists by name (the pane checks it)
    filter: str = ""
    folders: bool = False  # tags shown as folders
    folder: str = ""  # the tag folder open ("" the top)


class UiSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    theme: str = ""
    # "ctrl+j": ctrl+j (or ctrl+enter) sends and enter adds a line; "enter": the reverse.
    send_key: Literal["ctrl+j", "enter"] = "ctrl+j"
    layout: PaneLayout = Field(default_factory=PaneLayout)
    # Added later: files written before them load with the defaults.
    last: LastChat = Field(default_factory=LastChat)
    library: LibraryView = Field(default_factory=LibraryView)
    # The first-run welcome was finished or skipped: it is not offered again (the palette still opens it).
    welcome_done: bool = False
    # Character avatars: "auto" (the terminal's graphics if known, else half blocks), "halfblock" or "off".
    avatars: Literal["auto", "halfblock", "off"] = "auto"


T = TypeVar("T")


@dataclass
class Loaded(Generic[T]):
    value: T
    errors: list[str] = field(default_factory=list)


def ui_file(paths: AppPaths) -> Path:
    return Path(paths.config_dir) / UI_FILE


def keymap_file(paths: AppPaths) -> Path:
    return Path(paths.config_dir) / KEYMAP_FILE


def load_ui_settings(paths: AppPaths) -> Loaded[UiSettings]:
    path = ui_file(paths)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Loaded(UiSettings())
    except OSError as exc:
        return Loaded(UiSettings(), [f"{path}: cannot read ({exc.strerror})"])
    try:
        return Loaded(UiSettings.model_validate_json(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        return Loaded(UiSettings(), [f"{path}: {where}: {first['msg']} (defaults used)"])


def save_ui_settings(paths: AppPaths, settings: UiSettings) -> None:
    atomic_write(ui_file(paths), (settings.model_dump_json(indent=2) + "\n").encode("utf-8"))


def parse_keymap(data: object, source: str) -> Loaded[dict[str, str]]:
    """`{binding_id: "key[,key]"}`; bad entries are skipped with a reason, good ones kept."""
    if not isinstance(data, dict):
        return Loaded({}, [f"{source}: the keymap must be a JSON object of binding id to keys"])
    keymap: dict[str, str] = {}
    errors: list[str] = []
    for binding_id, keys in data.items():
        if not isinstance(binding_id, str) or not _BINDING_ID.fullmatch(binding_id):
            errors.append(f"{source}: {binding_id!r} is not a binding id")
        elif not isinstance(keys, str) or not _KEYS.fullmatch(keys.strip()):
            errors.append(f"{source}: {binding_id}: {keys!r} is not a key such as \"ctrl+j\" or \"f5,alt+s\"")
        else:
            keymap[binding_id] = ",".join(k.strip() for k in keys.split(","))
    return Loaded(keymap, errors)


def load_keymap(paths: AppPaths) -> Loaded[dict[str, str]]:
    path = keymap_file(paths)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Loaded({})
    except OSError as exc:
        return Loaded({}, [f"{path}: cannot read ({exc.strerror})"])
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return Loaded({}, [f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})"])
    return parse_keymap(data, str(path))
