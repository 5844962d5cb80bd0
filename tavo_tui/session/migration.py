"""Import a SillyTavern data folder: characters with their chats (and the chat each was on), world info,
personas, presets, tags, favourites and the settings tavo-tui understands.

The source folder is only read. Files are copied byte for byte into the same-named folders of ours (cards go to
cards/), so SillyTavern can open them too. Running it again adds only what is new: a file already here with the
same bytes (or, for a chat, one that continues it) is "present". Chats are copied file by file, never parsed,
so 20,000 of them cost disk time, not memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tavo_tui.cards import CardError, read_card
from tavo_tui.cards.library import CARD_SUFFIXES
from tavo_tui.model.migration import ImportItem, ImportSummary, ItemKind, ItemStatus
from tavo_tui.model.world_info import WorldInfoConfig
from tavo_tui.store import st_import as st
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write
from tavo_tui.store.personas import POSITIONS, Persona
from tavo_tui.store.tags import TAGS_FILE, merge, read_tags, sillytavern_tags, write_tags

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext

__all__ = ["ImportItem", "ImportSummary", "import_sillytavern", "summary_text"]

Progress = Callable[[int, int], None]  # (characters done, characters in all)
KIND_ORDER = ("character", "chat", "world", "persona", "preset", "tags", "favourites", "settings", "other")
HANDLED = frozenset({st.CHARACTERS, st.CHATS, st.WORLDS, st.AVATARS, st.SETTINGS, "secrets.json",
                     *st.PRESET_FOLDERS})


class _Run:
    """One import: the source, where things go, and the summary being built."""

    def __init__(self, ctx: AppContext, folder: st.SourceFolder, dry_run: bool) -> None:
        self.ctx = ctx
        self.folder = folder
        self.dry_run = dry_run
        self.data = ctx.paths.data_dir
        self.summary = ImportSummary(source=str(folder.root), layout=folder.layout, dry_run=dry_run)
        self.card_names: dict[str, str] = {}  # SillyTavern avatar file name -> our card file name
        self.favourites: list[str] = []  # our card file names
        self.chat_folders: set[str] = set()  # chats/<name> folders that belong to a character looked at
        self.folders_made: set[Path] = set()

    def src(self, path: Path) -> str:
        return path.relative_to(self.folder.root).as_posix()

    def dst(self, path: Path) -> str:
        try:
            return path.relative_to(self.data).as_posix()
        except ValueError:
            return str(path)

    def add(self, kind: ItemKind, source: str, status: ItemStatus, target: str = "", reason: str = "") -> None:
        self.summary.add(ImportItem(kind=kind, source=source, status=status, target=target, reason=reason))

    def copy(self, src: Path, dst: Path) -> str:
        """Copy unless this is a dry run; "" when done, else the reason it failed."""
        if self.dry_run:
            return ""
        try:
            if dst.parent not in self.folders_made:  # once per folder, not once per chat
                dst.parent.mkdir(parents=True, exist_ok=True)
                self.folders_made.add(dst.parent)
            st.copy_file(src, dst)
        except OSError as exc:
            return f"cannot copy: {exc.strerror or exc}"
        return ""


# ---- characters and their chats ----------------------------------------------------------------------------
def _card_flags(path: Path) -> tuple[str | None, bool | None, str]:
    """The card's last chat (`chat`), favourite flag (`fav`) and "" — or a reason it is not a card."""
    try:
        loaded = read_card(path)
    except CardError as exc:
        return None, None, exc.problem
    except OSError as exc:
        return None, None, exc.strerror or str(exc)
    ext = loaded.card.extensions if isinstance(loaded.card.extensions, dict) else {}
    chat = loaded.envelope.get("chat")
    fav = ext.get("fav", loaded.envelope.get("fav"))
    return (chat if isinstance(chat, str) and chat else None), fav in (True, "true"), ""


def _characters(run: _Run, progress: Progress | None) -> None:
    folder = run.folder.sub(st.CHARACTERS)
    cards = [p for p in st.files(folder) if p.suffix.lower() in CARD_SUFFIXES]
    sprite_folders = 0
    for entry in st.entries(folder):
        path = Path(entry.path)
        if entry.is_dir():
            sprite_folders += 1
        elif path.suffix.lower() not in CARD_SUFFIXES:
            run.add("other", run.src(path), "skipped", reason="not a character card file")
    if sprite_folders:
        run.add("other", f"{st.CHARACTERS}/*/", "skipped",
                reason=f"{sprite_folders} folder(s) of expression sprites: not used by tavo-tui")
    for done, card in enumerate(cards, 1):
        _character(run, card)
        if progress is not None:
            progress(done, len(cards))


def _character(run: _Run, src: Path) -> None:
    chats = run.folder.sub(st.CHATS) / src.stem
    run.chat_folders.add(src.stem)
    last_chat, fav, problem = _card_flags(src)
    if problem:
        run.add("character", run.src(src), "skipped", reason=problem)
        for chat in st.files(chats):
            run.add("chat", run.src(chat), "skipped", reason=f"its character card {src.name} could not be read")
        return
    placed = st.place(src, run.ctx.paths.cards_dir / src.name)
    target = placed.target
    reason = f"renamed: a different {src.name} is already in cards/" if placed.renamed else ""
    if placed.status == "imported" and (failed := run.copy(src, target)):
        run.add("character", run.src(src), "skipped", reason=failed)
        return
    run.add("character", run.src(src), placed.status, run.dst(target), reason)
    run.card_names[src.name] = target.name
    if fav:
        run.favourites.append(target.name)
    _chats(run, chats, run.ctx.paths.chats_dir / run.ctx.card_key(target), last_chat)


def _chats(run: _Run, source: Path, dest: Path, last_chat: str | None) -> None:
    imported = 0
    where: dict[str, Path] = {}
    for entry in st.entries(source):
        path = Path(entry.path)
        if not path.name.endswith(".jsonl") or not entry.is_file():
            run.add("chat", run.src(path), "skipped", reason="not a chat file (.jsonl)")
            continue
        placed = st.place(path, dest / path.name, allow_prefix=True)
        if placed.status == "imported" and (failed := run.copy(path, placed.target)):
            run.add("chat", run.src(path), "skipped", reason=failed)
            continue
        imported += placed.status == "imported"
        where[path.stem] = placed.target
        reason = "renamed: a different chat of that name is already here" if placed.renamed else (
            "continued in tavo-tui since" if placed.continued else "")
        run.add("chat", run.src(path), placed.status, run.dst(placed.target), reason)
    # SillyTavern reopens the chat named in the card; tavo-tui opens the newest: make that one the newest.
    if imported and last_chat in where and not run.dry_run:
        st.newest_first(where[last_chat])


def _orphan_chats(run: _Run) -> None:
    for entry in st.entries(run.folder.sub(st.CHATS)):
        if entry.name in run.chat_folders:
            continue
        path = Path(entry.path)
        if entry.is_dir():
            count = sum(1 for _ in st.files(path, ".jsonl"))
            run.add("chat", run.src(path) + "/", "skipped",
                    reason=f"{count} chat(s) of a character that is not in {st.CHARACTERS}/")
        else:
            run.add("chat", run.src(path), "skipped", reason="not in a character's chat folder")


# ---- world info and presets --------------------------------------------------------------------------------
def _json_object(path: Path) -> tuple[dict[str, Any] | None, str]:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    return data, ""


def _same_named(run: _Run, kind: ItemKind, src: Path, dest_folder: Path, what: str) -> None:
    """Copy to the same name or not at all: these are chosen by name, so a copy under another name would not
    be the one a card or a setting points to. A different file of that name here is kept."""
    target = dest_folder / src.name
    if target.exists():
        if st.same_bytes(src, target):
            run.add(kind, run.src(src), "present", run.dst(target))
        else:
            run.add(kind, run.src(src), "skipped", run.dst(target),
                    f"a different {what} named {src.stem!r} is already here; kept it")
        return
    if failed := run.copy(src, target):
        run.add(kind, run.src(src), "skipped", reason=failed)
    else:
        run.add(kind, run.src(src), "imported", run.dst(target))


def _worlds(run: _Run) -> None:
    for entry in st.entries(run.folder.sub(st.WORLDS)):
        path = Path(entry.path)
        if not path.name.lower().endswith(".json") or not entry.is_file():
            run.add("world", run.src(path), "skipped", reason="not a world-info file (.json)")
            continue
        data, problem = _json_object(path)
        if data is not None and not isinstance(data.get("entries"), (dict, list)):
            problem = "not a world-info file (no entries)"
        if problem:
            run.add("world", run.src(path), "skipped", reason=problem)
            continue
        _same_named(run, "world", path, run.data / st.WORLDS, "world-info file")


def _presets(run: _Run) -> None:
    for name in st.PRESET_FOLDERS:
        for entry in st.entries(run.folder.sub(name)):
            path = Path(entry.path)
            if not path.name.lower().endswith(".json") or not entry.is_file():
                run.add("preset", run.src(path), "skipped", reason="not a preset file (.json)")
                continue
            _data, problem = _json_object(path)
            if problem:
                run.add("preset", run.src(path), "skipped", reason=problem)
                continue
            _same_named(run, "preset", path, run.data / name, "preset")


# ---- personas, tags, settings ------------------------------------------------------------------------------
def _int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return default


def _personas(run: _Run, settings: dict[str, Any]) -> None:
    power = settings.get("power_user")
    power = power if isinstance(power, dict) else {}
    names = power.get("personas")
    if not isinstance(names, dict) or not names:
        return
    descriptions = power.get("persona_descriptions")
    descriptions = descriptions if isinstance(descriptions, dict) else {}
    try:
        existing = run.ctx.personas.list()
    except StoreError as exc:
        run.add("persona", "settings.json: power_user.personas", "skipped", reason=str(exc))
        return
    had_personas = bool(existing)
    default_id: str | None = None
    for avatar, raw_name in names.items():
        name = str(raw_name or "").strip() or Path(avatar).stem
        info = descriptions.get(avatar)
        info = info if isinstance(info, dict) else {}
        description = str(info.get("description") or "")
        source = f"settings.json: persona {name}"
        match = next((p for p in existing if (p.model_extra or {}).get("st_avatar") == avatar), None) or next(
            (p for p in existing if p.name.casefold() == name.casefold() and p.description == description), None)
        if match is not None:
            run.add("persona", source, "present", "config/personas.json")
            default_id = match.id if avatar == power.get("default_persona") else default_id
            continue
        avatar_path, note = _persona_avatar(run, str(avatar))
        position = _int(info.get("position"), 0)
        fields: dict[str, Any] = {
            "position": 0 if position == 1 or position not in POSITIONS else position,
            "depth": _int(info.get("depth"), 2), "role": _int(info.get("role"), 0),
            "avatar": avatar_path, "st_avatar": str(avatar),
        }
        if run.dry_run:
            run.add("persona", source, "imported", "config/personas.json", note)
            continue
        try:
            persona: Persona = run.ctx.personas.create(name, description, **fields)
        except StoreError as exc:
            run.add("persona", source, "skipped", reason=str(exc))
            continue
        existing.append(persona)
        run.add("persona", source, "imported", "config/personas.json", note)
        if avatar == power.get("default_persona"):
            default_id = persona.id
    if default_id and not had_personas and not run.dry_run:
        run.ctx.personas.set_default(default_id)  # only when there were no personas of ours to prefer


def _persona_avatar(run: _Run, avatar: str) -> tuple[str | None, str]:
    if not avatar or Path(avatar).name != avatar:
        return None, "its avatar file name is not a plain file name; not copied"
    src = run.folder.sub(st.AVATARS) / avatar
    if not src.is_file():
        return None, f"its avatar {st.AVATARS}/{avatar} is missing"
    placed = st.place(src, run.data / st.AVATARS / avatar)
    if placed.status == "imported" and (failed := run.copy(src, placed.target)):
        return None, f"avatar not copied ({failed})"
    return str(placed.target), ""


def _tags(run: _Run, settings: dict[str, Any]) -> None:
    tags = sillytavern_tags(settings)
    raw_map = settings.get("tag_map")
    tag_map: dict[str, list[str]] = {}
    if isinstance(raw_map, dict):
        for avatar, ids in raw_map.items():
            ours = run.card_names.get(str(avatar))  # groups and cards not brought over have no card here
            if ours is not None and isinstance(ids, list) and ids:
                tag_map[ours] = [str(i) for i in ids]
    if not tags and not tag_map and not run.favourites:
        return
    path = run.data / TAGS_FILE
    try:
        data = read_tags(path)
    except StoreError as exc:
        run.add("tags", "settings.json: tags", "skipped", reason=str(exc))
        return
    before = (len(data.tags), sum(len(v) for v in data.tag_map.values()), len(data.favorites))
    added = merge(data, tags, tag_map, run.favourites)
    if tags or tag_map:
        new_tags = len(data.tags) - before[0]
        new_links = sum(len(v) for v in data.tag_map.values()) - before[1]
        run.add("tags", "settings.json: tags, tag_map", "imported" if new_tags or new_links else "present",
                TAGS_FILE, f"{len(tags)} tag(s), {sum(len(v) for v in tag_map.values())} assignment(s) to cards")
    if run.favourites:
        new_favs = len(data.favorites) - before[2]
        run.add("favourites", f"{st.CHARACTERS}/ (fav)", "imported" if new_favs else "present", TAGS_FILE,
                f"{len(run.favourites)} favourite card(s)")
    if added and not run.dry_run:
        try:
            write_tags(path, data)
        except StoreError as exc:
            run.add("tags", "settings.json: tags", "skipped", reason=str(exc))


def _settings(run: _Run, settings: dict[str, Any]) -> None:
    """The one setting tavo-tui shares with SillyTavern's settings.json: the user's name (`username`)."""
    name = settings.get("username")
    if not isinstance(name, str) or not name.strip():
        return
    path = run.ctx.paths.settings_file
    try:
        ours = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        run.add("settings", "settings.json: username", "skipped", reason=f"{path} is unreadable; left alone")
        return
    if not isinstance(ours, dict):
        ours = {}
    if ours.get("user_name"):
        status: ItemStatus = "present"
        reason = "" if ours["user_name"] == name else f"kept your user name {ours['user_name']!r}"
        run.add("settings", "settings.json: username", status, "config/settings.json", reason)
        return
    if not run.dry_run:
        try:
            payload = json.dumps({**ours, "user_name": name.strip()}, indent=2, ensure_ascii=False) + "\n"
            atomic_write(path, payload.encode("utf-8"))
        except OSError as exc:
            run.add("settings", "settings.json: username", "skipped", reason=f"cannot write: {exc.strerror}")
            return
    run.add("settings", "settings.json: username", "imported", "config/settings.json")


def _world_info(run: _Run, settings: dict[str, Any]) -> None:
    """`world_info_settings` (the global lorebooks and the scan settings) to worldinfo.json, as SillyTavern keeps
    it; settings already made here are kept."""
    raw = settings.get("world_info_settings")
    if not isinstance(raw, dict):
        return
    source = "settings.json: world_info_settings"
    try:
        config = WorldInfoConfig.model_validate(raw)
    except ValueError as exc:
        run.add("settings", source, "skipped", reason=f"not valid: {str(exc).splitlines()[0]}")
        return
    target = run.ctx.world_info.store.settings_file
    if target.exists():
        run.add("settings", source, "present", "data/worldinfo.json", "kept your world-info settings")
        return
    if not run.dry_run:
        try:
            run.ctx.world_info.store.save_config(config)
        except StoreError as exc:
            run.add("settings", source, "skipped", reason=str(exc))
            return
    run.add("settings", source, "imported", "data/worldinfo.json")


def _others(run: _Run) -> None:
    """Everything else at the top of the folder, each with the reason it stays behind."""
    for entry in st.entries(run.folder.root):
        if entry.name in HANDLED or entry.name in st.SILENT:
            continue
        path = Path(entry.path)
        is_dir = entry.is_dir()
        if is_dir and not any(True for _ in st.entries(path)):
            continue  # an empty folder SillyTavern made on first start
        reason = st.NOT_IMPORTED.get(entry.name) or "not used by tavo-tui"
        run.add("other", run.src(path) + ("/" if is_dir else ""), "skipped", reason=reason)
    if (run.folder.root / "secrets.json").exists():
        run.add("other", "secrets.json", "skipped",
                reason="API keys are not imported: add them to a connection (tavo-tui connection add)")


# ---- the entry point ---------------------------------------------------------------------------------------
def import_sillytavern(ctx: AppContext, path: Path, *, dry_run: bool = False,
                       progress: Progress | None = None) -> ImportSummary:
    """Bring a SillyTavern data folder over (see the module doc). `dry_run` reports what would happen and
    writes nothing. A folder that is not SillyTavern's raises StoreError with the reason."""
    folder = st.locate(Path(path))
    run = _Run(ctx, folder, dry_run)
    settings, problem = st.read_settings(folder)
    if problem:
        run.add("settings", st.SETTINGS, "skipped", reason=f"{problem}: personas, tags and settings not imported")
    _characters(run, progress)
    _orphan_chats(run)
    _worlds(run)
    _presets(run)
    _personas(run, settings)
    _tags(run, settings)
    _settings(run, settings)
    _world_info(run, settings)
    _others(run)
    if not dry_run and run.summary.counts.get("character") and run.summary.counts["character"].imported:
        ctx.cards.entries()  # list the new cards now, so the next start draws them from the cache at once
    return run.summary


def summary_text(summary: ImportSummary) -> str:
    """The summary as a person reads it: counts per kind, then every skipped item with its reason."""
    verb = "Would import" if summary.dry_run else "Imported"
    lines = [f"{verb} from {summary.source} (SillyTavern {summary.layout}/ layout):"]
    order = [k for k in KIND_ORDER if k in summary.counts] + [k for k in summary.counts if k not in KIND_ORDER]
    for kind in order:
        counts = summary.counts[kind]
        parts = [f"{counts.imported} {'new' if summary.dry_run else 'imported'}"] if counts.imported else []
        if counts.present:
            parts.append(f"{counts.present} already present")
        if counts.skipped:
            parts.append(f"{counts.skipped} skipped")
        lines.append(f"  {kind + ':':<12}{', '.join(parts)}")
    notes = [i for i in summary.items if i.status == "skipped" or i.reason]
    if notes:
        lines.append("Notes:" if not any(i.status == "skipped" for i in notes) else "Skipped and notes:")
        for item in notes:
            mark = "skipped" if item.status == "skipped" else item.status
            lines.append(f"  {item.source}: {mark}: {item.reason}" if item.reason else f"  {item.source}: {mark}")
    if not summary.counts:
        lines.append("  nothing to import")
    return "\n".join(lines)
