"""Lorebook files (the data folder's worlds/<name>.json, SillyTavern world-info JSON) and the world-info settings
(worldinfo.json: SillyTavern's `world_info_settings`, global selection included).

A book is stored byte for byte as it was imported and exported the same way, so every field SillyTavern (or
another tool) wrote survives, and a book read for a prompt is parsed once per version of its file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tavo_tui.model.world_info import WorldInfoConfig
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write

_Stamp = tuple[int, int, int]  # mtime_ns, size, inode: a new version of a file


def _stamp(path: Path) -> _Stamp | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def parse_world(data: bytes, source: str) -> dict[str, Any]:
    """A SillyTavern world-info file's JSON, checked enough to say clearly when it is something else."""
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise StoreError(f"{source} is not valid JSON") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("entries"), dict | list):
        raise StoreError(f"{source} has no \"entries\": is it a SillyTavern world-info file?")
    return parsed


def check_book_name(name: str) -> str:
    """A book's name is its file name: refuse what cannot be one (rather than silently renaming it)."""
    cleaned = name.strip()
    if not cleaned or cleaned in (".", "..") or any(c in cleaned for c in '/\\:*?"<>|\0') or cleaned.startswith("."):
        raise StoreError(f"{name!r} cannot be a lorebook name (no slashes, colons or other file-name characters)")
    return cleaned


class WorldInfoStore:
    def __init__(self, worlds_dir: Path, settings_file: Path) -> None:
        self.worlds_dir = worlds_dir
        self.settings_file = settings_file
        self._books: dict[str, tuple[_Stamp, dict[str, Any]]] = {}
        self._config: tuple[_Stamp, WorldInfoConfig] | None = None

    # ---- books -------------------------------------------------------------------------------------------
    def path(self, name: str) -> Path:
        return self.worlds_dir / f"{check_book_name(name)}.json"

    def names(self) -> list[str]:
        return sorted(path.stem for path in self.worlds_dir.glob("*.json"))

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def raw(self, name: str) -> bytes:
        path = self.path(name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"no lorebook {name!r} (see `tavo-tui worldinfo list`)") from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror}") from None

    def book(self, name: str) -> dict[str, Any]:
        """The book's JSON; the same object while its file is unchanged (the prompt engine's caches key on it).
        Callers must not modify it."""
        path = self.path(name)
        stamp = _stamp(path)
        cached = self._books.get(name)
        if cached is not None and stamp is not None and cached[0] == stamp:
            return cached[1]
        data = parse_world(self.raw(name), f"lorebook {name!r}")
        if stamp is not None:
            self._books[name] = (stamp, data)
        return data

    def import_book(self, source: Path, name: str | None = None, *, replace: bool = False) -> str:
        """Store a SillyTavern world-info file as it is, under `name` (default: the file's name)."""
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read {source}: {exc.strerror}") from None
        parse_world(data, str(source))
        target_name = check_book_name(name if name is not None else source.stem)
        target = self.path(target_name)
        if target.exists() and not replace:
            raise StoreError(f"a lorebook named {target_name!r} exists; pass --replace or --name NEW")
        try:
            atomic_write(target, data)
        except OSError as exc:
            raise StoreError(f"cannot write {target}: {exc.strerror}") from None
        return target_name

    # ---- settings and global selection ---------------------------------------------------------------------
    def config(self) -> WorldInfoConfig:
        """The stored settings (SillyTavern's defaults when there is no file yet)."""
        stamp = _stamp(self.settings_file)
        if stamp is None:
            return WorldInfoConfig()
        if self._config is not None and self._config[0] == stamp:
            return self._config[1]
        try:
            data = json.loads(self.settings_file.read_text(encoding="utf-8"))
            config = WorldInfoConfig.model_validate(data)
        except OSError as exc:
            raise StoreError(f"cannot read {self.settings_file}: {exc.strerror}") from None
        except ValueError as exc:  # JSON or validation
            raise StoreError(f"{self.settings_file} is damaged: {_first_error(exc)}") from None
        self._config = (stamp, config)
        return config

    def save_config(self, config: WorldInfoConfig) -> None:
        data = json.dumps(config.model_dump(mode="json"), ensure_ascii=False, indent=4) + "\n"
        try:
            atomic_write(self.settings_file, data.encode("utf-8"))
        except OSError as exc:
            raise StoreError(f"cannot write {self.settings_file}: {exc.strerror}") from None
        self._config = None


def _first_error(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "value"
        return f"{where}: {first.get('msg', 'invalid')}"
    return str(exc).split("\n", 1)[0]
