"""The user's own instruct, context and system-prompt presets: SillyTavern's JSON files, one per preset, in
<data dir>/presets/<kind>/<name>.json (the same shape SillyTavern keeps in its instruct/, context/, sysprompt/)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write

KINDS = ("instruct", "context", "sysprompt")
# Characters no file name may hold on some system (SillyTavern's sanitize-filename drops the same set).
_UNSAFE = re.compile(r'[/\\?<>:*|"\x00-\x1f\x7f]')


def file_stem(name: str) -> str:
    """The file name a preset called `name` is stored under (without .json)."""
    stem = _UNSAFE.sub("", name).strip().lstrip(".").rstrip(". ")
    if not stem:
        raise StoreError(f"{name!r} cannot be a preset name: give it some letters or digits")
    return stem[:120]


class PresetStore:
    """Reads and writes the user's presets; a damaged file is reported, never fatal."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}

    def folder(self, kind: str) -> Path:
        if kind not in KINDS:
            raise StoreError(f"unknown preset kind {kind!r} (one of {', '.join(KINDS)})")
        return self.root / kind

    def names(self, kind: str) -> list[str]:
        """The stored presets of `kind`, by name (the file name, as SillyTavern does)."""
        folder = self.folder(kind)
        if not folder.is_dir():
            return []
        return sorted((p.stem for p in folder.glob("*.json") if not p.name.startswith(".")), key=str.casefold)

    def path(self, kind: str, name: str) -> Path | None:
        """The file of the stored preset `name` (exact, else the only case-insensitive match)."""
        folder = self.folder(kind)
        exact = folder / f"{file_stem(name)}.json"
        if exact.is_file():
            return exact
        wanted = name.casefold()
        matches = [folder / f"{n}.json" for n in self.names(kind) if n.casefold() == wanted]
        return matches[0] if len(matches) == 1 else None

    def read(self, kind: str, name: str) -> dict[str, Any] | None:
        """The stored preset as SillyTavern JSON, or None when there is none by that name."""
        try:
            path = self.path(kind, name)
        except StoreError:
            return None
        if path is None:
            return None
        return {**self.read_file(path), "name": path.stem}  # the file name is the name, as in SillyTavern

    def read_file(self, path: Path) -> dict[str, Any]:
        """Any preset file, parsed (its own "name", else the file name); callers must not change the result."""
        try:
            stat = path.stat()
            key = (stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(path)
            if cached is not None and cached[0] == key:
                return cached[1]  # assembly asks for the same presets on every prompt: read each file once
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise StoreError(f"cannot read preset {path}: {exc.strerror}") from None
        except ValueError:
            raise StoreError(f"preset {path} is not valid JSON") from None
        if not isinstance(data, dict):
            raise StoreError(f"preset {path} is not a JSON object")
        if not isinstance(data.get("name"), str) or not data["name"]:
            data["name"] = path.stem
        self._cache[path] = (key, data)
        return data

    def write(self, kind: str, data: dict[str, Any]) -> Path:
        """Store `data` (a preset with a "name") as <kind>/<name>.json, replacing one of the same name."""
        name = str(data.get("name") or "")
        path = self.folder(kind) / f"{file_stem(name)}.json"
        text = json.dumps({**data, "name": path.stem}, indent=4, ensure_ascii=False) + "\n"
        try:
            atomic_write(path, text.encode("utf-8"))
        except OSError as exc:
            raise StoreError(f"cannot write preset {path}: {exc.strerror}") from None
        return path

    def delete(self, kind: str, name: str) -> bool:
        path = self.path(kind, name)
        if path is None:
            return False
        try:
            path.unlink()
        except OSError as exc:
            raise StoreError(f"cannot delete preset {path}: {exc.strerror}") from None
        return True
