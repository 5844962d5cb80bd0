"""File-level work of an import from SillyTavern: finding its user folder, and copying files into ours without
duplicating or overwriting anything.

SillyTavern keeps one folder per user, `data/<user>/` (since 1.12; `data/default-user/` on a single-user
install), and before that everything lived in `public/`. The folder names inside are the same in both
(SillyTavern's `USER_DIRECTORY_TEMPLATE`). Nothing here writes into the source folder: it is only listed, read
and copied from.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tavo_tui.store.errors import StoreError

# SillyTavern's folder names (src/constants.js USER_DIRECTORY_TEMPLATE); ours use the same where we keep the thing.
CHARACTERS = "characters"
CHATS = "chats"
WORLDS = "worlds"
AVATARS = "User Avatars"
SETTINGS = "settings.json"
PRESET_FOLDERS = ("instruct", "context", "sysprompt", "OpenAI Settings", "TextGen Settings")
# Folders we know and do not bring over, with the reason the summary gives.
NOT_IMPORTED = {
    "groups": "group chats are not supported by tavo-tui yet",
    "group chats": "group chats are not supported by tavo-tui yet",
    "KoboldAI Settings": "KoboldAI Classic presets are not used by tavo-tui",
    "NovelAI Settings": "NovelAI presets are not used by tavo-tui",
    "themes": "SillyTavern themes do not apply to a terminal",
    "backgrounds": "backgrounds do not apply to a terminal",
    "QuickReplies": "quick replies are not supported by tavo-tui",
    "extensions": "SillyTavern extensions do not run in tavo-tui",
    "vectors": "vector storage is not supported by tavo-tui",
    "backups": "SillyTavern's backups are not imported (the chats themselves are)",
    "assets": "extension assets are not used by tavo-tui",
    "movingUI": "UI layouts do not apply to a terminal",
    "reasoning": "reasoning templates are not imported yet",
}
SILENT = frozenset({"thumbnails", "user", "_storage", "_cache", "_uploads", "_webpack", "card-apps"})

Layout = Literal["data", "public"]


@dataclass(frozen=True)
class SourceFolder:
    """A SillyTavern user folder (`data/<user>/` or `public/`)."""

    root: Path
    layout: Layout

    def sub(self, name: str) -> Path:
        return self.root / name


def _looks_like_user_folder(path: Path) -> bool:
    return (path / CHARACTERS).is_dir() or (path / SETTINGS).is_file()


def locate(path: Path) -> SourceFolder:
    """The user folder that `path` names: the folder itself, `data/` (one user, or `default-user`), the
    SillyTavern install (its `data/default-user/`, else its old `public/`)."""
    path = path.expanduser()
    if not path.is_dir():
        raise StoreError(f"{path} is not a folder; give SillyTavern's data/<user>/ (or public/) folder")
    candidates = [path, path / "default-user", path / "data" / "default-user"]
    users = path / "data" if (path / "data").is_dir() else path
    try:
        others = sorted(p for p in users.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    except OSError:
        others = []
    for candidate in candidates:
        if _looks_like_user_folder(candidate):
            return SourceFolder(candidate, "public" if candidate.name == "public" else "data")
    if _looks_like_user_folder(path / "public"):
        return SourceFolder(path / "public", "public")
    found = [p for p in others if _looks_like_user_folder(p)]
    if len(found) == 1:
        return SourceFolder(found[0], "data")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise StoreError(f"{users} holds several SillyTavern users ({names}); give one of their folders")
    raise StoreError(f"no SillyTavern data in {path}: expected characters/ or settings.json "
                     "(in data/<user>/ or, for old versions, public/)")


def read_settings(folder: SourceFolder) -> tuple[dict[str, Any], str]:
    """SillyTavern's settings.json as a dict, and a problem ("" when fine or absent)."""
    path = folder.sub(SETTINGS)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, ""
    except OSError as exc:
        return {}, f"cannot read: {exc.strerror or exc}"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        return {}, f"not valid JSON ({exc})"
    if not isinstance(data, dict):
        return {}, "not a JSON object"
    return data, ""


def entries(folder: Path) -> Iterator[os.DirEntry[str]]:
    """The folder's visible entries, sorted by name, one at a time (a missing folder has none)."""
    try:
        with os.scandir(folder) as it:
            names = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError:
        return
    yield from names


def files(folder: Path, suffix: str | None = None) -> Iterator[Path]:
    for entry in entries(folder):
        try:
            is_file = entry.is_file()
        except OSError:
            continue
        if is_file and (suffix is None or entry.name.lower().endswith(suffix)):
            yield Path(entry.path)


# ---- comparing and copying ---------------------------------------------------------------------------------
_BLOCK = 1 << 20


def same_bytes(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes: sizes first; the same size and modification time (our copies keep
    the source's) counts as the same, as rsync judges; else block by block."""
    try:
        sa, sb = a.stat(), b.stat()
        if sa.st_size != sb.st_size:
            return False
        if sa.st_mtime_ns == sb.st_mtime_ns:
            return True
        return starts_with(b, a)
    except OSError:
        return False


def starts_with(longer: Path, prefix: Path) -> bool:
    """Whether `longer` begins with every byte of `prefix` (a chat continued here since it was imported)."""
    try:
        with open(prefix, "rb") as p, open(longer, "rb") as f:
            while block := p.read(_BLOCK):
                if f.read(len(block)) != block:
                    return False
    except OSError:
        return False
    return True


def copy_file(src: Path, dst: Path) -> None:
    """Copy bytes and modification time (SillyTavern's order of chats and cards is by it), never overwriting:
    a temp name first, then a rename onto a name that was free. The caller has made the folder."""
    tmp = dst.with_name(f".{dst.name}.import.tmp")
    try:
        shutil.copy2(src, tmp)
        if dst.exists():
            raise FileExistsError(dst)
        os.replace(tmp, dst)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def numbered(path: Path, n: int) -> Path:
    return path.with_name(f"{path.stem} ({n}){path.suffix}")


@dataclass(frozen=True)
class Placement:
    """Where a source file goes: `status` "present" (an identical copy is at `target`) or "imported" (copy it to
    `target`, free now; `renamed` when its own name was taken by a different file)."""

    status: Literal["imported", "present"]
    target: Path
    renamed: bool = False
    continued: bool = False  # present, and our copy has grown since (a chat continued in tavo-tui)


def place(src: Path, wanted: Path, *, allow_prefix: bool = False) -> Placement:
    """Find `src` at `wanted` or `wanted (2)`, `(3)`... (same bytes, or for chats our copy continuing it);
    else the first free one of those names."""
    candidate, n = wanted, 2
    while True:
        if not candidate.exists():
            return Placement("imported", candidate, renamed=candidate != wanted)
        if same_bytes(src, candidate):
            return Placement("present", candidate)
        if allow_prefix and starts_with(candidate, src):
            return Placement("present", candidate, continued=True)
        candidate, n = numbered(wanted, n), n + 1


def newest_first(chat: Path) -> bool:
    """Make `chat` the newest chat of its folder by modification time, so opening the character resumes it
    (SillyTavern remembers it in the card's `chat` field; tavo-tui opens the newest). True when it moved."""
    try:
        mine = chat.stat().st_mtime
        others = [p.stat().st_mtime for p in chat.parent.glob("*.jsonl") if p != chat]
    except OSError:
        return False
    newest = max(others, default=0.0)
    if mine > newest:
        return False
    stamp = newest + 1.0
    os.utime(chat, (stamp, stamp))
    return True
