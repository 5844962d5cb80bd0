"""World info every chat shares: the lorebook files, the global selection and the world-info settings.

The books are SillyTavern world-info files in the data folder's worlds/ (imported and exported byte for byte);
the global selection and the settings are worldinfo.json, SillyTavern's `world_info_settings` layout. Prompt
assembly reads both for every chat (`SessionCore.lorebooks()` and `prompt_settings()`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tavo_tui.model.world_info import STRATEGY_NAMES, WorldInfoConfig
from tavo_tui.prompt.common import CharacterWorld, GlobalBook, NamedBook
from tavo_tui.prompt.settings import PromptSettings, WorldInfoSettings
from tavo_tui.store.errors import StoreError
from tavo_tui.store.world_info import WorldInfoStore

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext

# The stored (SillyTavern) key of each engine setting: one table, so neither side repeats the other's defaults.
SETTING_KEYS: dict[str, str] = {
    "depth": "world_info_depth",
    "budget": "world_info_budget",
    "budget_cap": "world_info_budget_cap",
    "include_names": "world_info_include_names",
    "recursive": "world_info_recursive",
    "case_sensitive": "world_info_case_sensitive",
    "match_whole_words": "world_info_match_whole_words",
    "max_recursion_steps": "world_info_max_recursion_steps",
    "min_activations": "world_info_min_activations",
    "min_activations_depth_max": "world_info_min_activations_depth_max",
    "use_group_scoring": "world_info_use_group_scoring",
    "character_strategy": "world_info_character_strategy",
    "overflow_alert": "world_info_overflow_alert",
}
STRATEGIES: dict[str, int] = {name: number for number, name in STRATEGY_NAMES.items()}


class WorldInfoService:
    """One per context: the store, and what prompts reuse while the files are unchanged (the engine's caches
    key on object identity, so an unchanged book or setting must come back as the same object)."""

    def __init__(self, store: WorldInfoStore) -> None:
        self.store = store
        self._engine: tuple[WorldInfoConfig, WorldInfoSettings] | None = None
        self._wrapped: dict[tuple[type[NamedBook], str], tuple[dict[str, Any], NamedBook]] = {}
        self._applied: tuple[PromptSettings, WorldInfoSettings, PromptSettings] | None = None
        # For sessions without settings of their own: one object, so what is derived from it stays memoised.
        self.default_settings = PromptSettings()

    def settings(self) -> WorldInfoSettings:
        """The stored settings as the prompt engine takes them (SillyTavern's defaults if there are none, or if
        the file is damaged: `worldinfo settings` says what is wrong with it)."""
        try:
            config = self.store.config()
        except StoreError:
            return WorldInfoSettings()
        if self._engine is None or self._engine[0] is not config:
            self._engine = (config, engine_settings(config))
        return self._engine[1]

    def stored_settings(self) -> WorldInfoSettings | None:
        """The settings kept in worldinfo.json, or None when there is no such file (or it is damaged): then a
        session's own prompt settings, or SillyTavern's defaults, say it."""
        if not self.store.settings_file.exists():
            return None
        try:
            self.store.config()
        except StoreError:
            return None
        return self.settings()

    def apply(self, settings: PromptSettings) -> PromptSettings:
        """`settings` with the stored world-info settings in place of their own (worldinfo.json is where they
        are kept: the TUI's other settings file may hold an older copy). The same object for the same inputs."""
        stored = self.stored_settings()
        if stored is None or settings.world_info is stored:
            return settings
        hit = self._applied
        if hit is not None and hit[0] is settings and hit[1] is stored:
            return hit[2]
        result = settings.model_copy(update={"world_info": stored})
        self._applied = (settings, stored, result)
        return result

    def global_books(self, skip: Set[str] = frozenset()) -> list[Mapping[str, Any]]:
        """The globally selected books for a prompt, in selection order; a missing or unreadable one is left
        out (`worldinfo list` shows why)."""
        try:
            names = self.store.config().global_select
        except StoreError:
            return []
        return [book for name in names if name not in skip and (book := self._named(name, GlobalBook)) is not None]

    def global_names(self) -> list[str]:
        try:
            return self.store.config().global_select
        except StoreError:
            return []

    def character_world(self, name: str) -> Mapping[str, Any] | None:
        """The world file `name` as a card's own lore (None when there is no such readable file)."""
        return self._named(name, CharacterWorld)

    def _named(self, name: str, kind: type[NamedBook]) -> NamedBook | None:
        try:
            data = self.store.book(name)
        except StoreError:
            return None
        hit = self._wrapped.get((kind, name))
        if hit is None or hit[0] is not data:
            hit = (data, kind(data, name))
            self._wrapped[(kind, name)] = hit
        return hit[1]


def world_info_store(ctx: AppContext) -> WorldInfoStore:
    return ctx.world_info.store


def engine_settings(config: WorldInfoConfig) -> WorldInfoSettings:
    return WorldInfoSettings.model_validate({ours: getattr(config, theirs) for ours, theirs in SETTING_KEYS.items()})


# ---- the fronts' operations ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BookRow:
    name: str
    entries: int
    is_global: bool
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "entries": self.entries, "global": self.is_global, "error": self.error}


def _entry_count(data: Mapping[str, Any]) -> int:
    entries = data.get("entries")
    return len(entries) if isinstance(entries, Mapping | list) else 0


def list_books(ctx: AppContext) -> list[BookRow]:
    store = world_info_store(ctx)
    selected = set(_selection(store))
    rows: list[BookRow] = []
    for name in store.names():
        try:
            rows.append(BookRow(name, _entry_count(store.book(name)), name in selected))
        except StoreError as exc:
            rows.append(BookRow(name, 0, name in selected, str(exc)))
    return rows


def _selection(store: WorldInfoStore) -> list[str]:
    try:
        return store.config().global_select
    except StoreError:
        return []


def show_book(ctx: AppContext, name: str) -> dict[str, Any]:
    return world_info_store(ctx).book(name)


def import_book(ctx: AppContext, source: Path, name: str | None = None, *, replace: bool = False) -> str:
    return world_info_store(ctx).import_book(source, name, replace=replace)


def export_book(ctx: AppContext, name: str) -> bytes:
    """The book's file exactly as stored (as imported, or as an editor last saved it)."""
    return world_info_store(ctx).raw(name)


def global_selection(ctx: AppContext) -> list[str]:
    return world_info_store(ctx).config().global_select


def set_global(ctx: AppContext, names: Sequence[str] | None = None, *, add: Sequence[str] = (),
               remove: Sequence[str] = ()) -> list[str]:
    """Replace the selection with `names` (when given), then add and remove; every book added must exist."""
    store = world_info_store(ctx)
    config = store.config()
    selected = list(config.global_select) if names is None else []
    for name in [*(names or []), *add]:
        if not store.exists(name):
            raise StoreError(f"no lorebook {name!r} (see `tavo-tui worldinfo list`)")
        if name not in selected:
            selected.append(name)
    for name in remove:
        if name not in selected:
            raise StoreError(f"{name!r} is not in the global selection")
        selected.remove(name)
    store.save_config(config.with_global(selected))
    return selected


def settings_view(ctx: AppContext) -> dict[str, Any]:
    """The settings in the engine's names (strategy by name), as `worldinfo settings --json` prints them."""
    values = engine_settings(world_info_store(ctx).config()).model_dump(include=set(SETTING_KEYS))
    values["character_strategy"] = STRATEGY_NAMES.get(values["character_strategy"], values["character_strategy"])
    return values


def update_settings(ctx: AppContext, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change settings given in the engine's names (`character_strategy` may be a name); keys not named stay."""
    store = world_info_store(ctx)
    config = store.config()
    data = config.model_dump(mode="json")
    for ours, value in changes.items():
        if ours not in SETTING_KEYS:
            raise StoreError(f"unknown world-info setting {ours!r}")
        if ours == "character_strategy" and isinstance(value, str):
            if value not in STRATEGIES:
                raise StoreError(f"insertion strategy must be one of {', '.join(STRATEGIES)}")
            value = STRATEGIES[value]
        data[SETTING_KEYS[ours]] = value
    try:
        updated = WorldInfoConfig.model_validate(data)
    except ValueError as exc:
        raise StoreError(_setting_error(exc)) from None
    store.save_config(updated)
    return settings_view(ctx)


def _setting_error(exc: ValueError) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        theirs = str(first.get("loc", ("value",))[0])
        ours = next((k for k, v in SETTING_KEYS.items() if v == theirs), theirs)
        return f"{ours.replace('_', '-')}: {first.get('msg', 'invalid value')}"
    return str(exc)
