"""Named sampler presets on disk, in SillyTavern's layout: `<data>/TextGen Settings/NAME.json` and
`<data>/OpenAI Settings/NAME.json`, each file the preset's JSON exactly as SillyTavern writes it (so the
folders can be copied to or from a SillyTavern user folder)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tavo_tui.model.sampler_preset import FOLDERS, FORMATS, PresetFormat, PresetFormatError, SamplerPreset
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write


@dataclass(frozen=True)
class PresetEntry:
    """One stored preset, as a list shows it."""

    name: str
    format: PresetFormat
    path: Path


def check_name(name: str) -> str:
    """A preset name that is safe as a file name (SillyTavern uses the name as the file name too)."""
    clean = name.strip()
    if not clean or clean.startswith(".") or any(c in clean for c in '/\\:*?"<>|\0') or len(clean) > 120:
        raise StoreError(f"{name!r} cannot be a preset name: use letters, digits, spaces, - _ ( ) . only")
    return clean


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise StoreError(f"no such preset file: {path}") from None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise StoreError(f"{path} is not valid JSON: {exc}") from None


def read_preset_file(path: Path, name: str | None = None, fmt: PresetFormat | None = None) -> SamplerPreset:
    """A SillyTavern TextGen / OpenAI Settings file as a preset named `name` (default: the file's stem)."""
    try:
        return SamplerPreset.from_sillytavern(name or path.stem, read_json(path), fmt)
    except PresetFormatError as exc:
        raise StoreError(f"{path}: {exc}") from None


def preset_bytes(preset: SamplerPreset) -> bytes:
    """The file SillyTavern would write: its JSON with 4-space indents."""
    return (json.dumps(preset.to_sillytavern(), indent=4, ensure_ascii=False) + "\n").encode("utf-8")


class SamplerPresetStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def folder(self, fmt: PresetFormat) -> Path:
        return self.data_dir / FOLDERS[fmt]

    def path(self, name: str, fmt: PresetFormat) -> Path:
        return self.folder(fmt) / f"{check_name(name)}.json"

    def entries(self) -> list[PresetEntry]:
        """Every stored preset, TextGen first, by name."""
        out: list[PresetEntry] = []
        for fmt in FORMATS:
            with contextlib.suppress(OSError):
                files = sorted(self.folder(fmt).glob("*.json"), key=lambda p: p.stem.casefold())
                out += [PresetEntry(p.stem, fmt, p) for p in files if not p.name.startswith(".")]
        return out

    def find(self, name: str, prefer: PresetFormat | None = None) -> PresetEntry | None:
        """The stored preset `name` ("textgen/NAME" or "openai/NAME" to say which folder); with a name in
        both folders, `prefer`'s wins, else TextGen's."""
        fmt_part, sep, rest = name.partition("/")
        if sep and fmt_part in FORMATS:
            fmt: PresetFormat = "textgen" if fmt_part == "textgen" else "openai"
            path = self.path(rest, fmt)
            return PresetEntry(path.stem, fmt, path) if path.is_file() else None
        order = sorted(FORMATS, key=lambda f: f != prefer)
        for fmt in order:
            path = self.path(name, fmt)
            if path.is_file():
                return PresetEntry(path.stem, fmt, path)
        return None

    def load(self, name: str, prefer: PresetFormat | None = None) -> SamplerPreset:
        entry = self.find(name, prefer)
        if entry is None:
            known = ", ".join(sorted({e.name for e in self.entries()})) or "none yet (tavo-tui sampler import FILE)"
            raise StoreError(f"no sampler preset named {name!r} — stored presets: {known}")
        return read_preset_file(entry.path, entry.name, entry.format)

    def save(self, preset: SamplerPreset) -> Path:
        path = self.path(preset.name, preset.format)
        try:
            atomic_write(path, preset_bytes(preset))
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc.strerror}") from None
        return path

    def delete(self, name: str, prefer: PresetFormat | None = None) -> PresetEntry:
        entry = self.find(name, prefer)
        if entry is None:
            raise StoreError(f"no sampler preset named {name!r}")
        try:
            entry.path.unlink()
        except OSError as exc:
            raise StoreError(f"cannot delete {entry.path}: {exc.strerror}") from None
        return entry
