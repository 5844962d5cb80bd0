"""Automatic chat backups in SillyTavern's manner: whole-file copies in the data dir's backups/ folder, named
`chat_<character>_<chat>_<YYYYMMDD-HHMMSS>.jsonl`, the oldest removed past a bound per chat."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tavo_tui.store.chats import ChatRef, parse_chat, safe_name
from tavo_tui.store.errors import StoreError

PREFIX = "chat_"
_STAMP = re.compile(r"(\d{8}-\d{6})(?:-(\d+))?\.jsonl")


@dataclass(frozen=True)
class BackupRef:
    """One backup file. `name` (the file name) is what the CLI and the chat list show and take back."""

    path: Path
    stamp: str  # YYYYMMDD-HHMMSS[-n]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def when(self) -> datetime:
        return datetime.strptime(self.stamp[:15], "%Y%m%d-%H%M%S")

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


def _write_quick(path: Path, data: bytes) -> None:
    """Temp file then rename (a reader never sees half a backup), without the fsyncs a chat save pays: a
    backup lost to a power cut is replaced by the next one, and saving must not wait on the disk twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _order(backup: BackupRef) -> tuple[str, int]:
    parts = backup.stamp.split("-")
    return backup.stamp[:15], int(parts[2]) if len(parts) > 2 else 0


class BackupStore:
    """Backups under `root` (the data dir's backups/ folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def prefix(ref: ChatRef) -> str:
        return f"{PREFIX}{safe_name(ref.card_key)}_{safe_name(ref.title)}_"

    def list(self, ref: ChatRef) -> list[BackupRef]:
        """The chat's backups, newest first. A chat whose name extends another's is not mixed in: after the
        prefix only a timestamp may follow."""
        prefix = self.prefix(ref)
        if not self.root.is_dir():
            return []
        out: list[BackupRef] = []
        for path in self.root.glob("*.jsonl"):
            if not path.name.startswith(prefix):
                continue
            match = _STAMP.fullmatch(path.name[len(prefix):])
            if match:
                out.append(BackupRef(path, path.name[len(prefix):-len(".jsonl")]))
        return sorted(out, key=_order, reverse=True)

    def write(self, ref: ChatRef, data: bytes, limit: int, when: datetime | None = None) -> BackupRef:
        """Save `data` as a new backup of `ref`, then keep only the newest `limit` of its backups."""
        stamp = f"{when or datetime.now():%Y%m%d-%H%M%S}"
        base = self.root / f"{self.prefix(ref)}{stamp}.jsonl"
        path, n = base, 1
        while path.exists():  # two backups in one second: a counter keeps both
            path = base.with_name(f"{self.prefix(ref)}{stamp}-{n}.jsonl")
            n += 1
        try:
            _write_quick(path, data)
        except OSError as exc:
            raise StoreError(f"cannot write the backup {path}: {exc.strerror}") from None
        backup = BackupRef(path, path.name[len(self.prefix(ref)):-len(".jsonl")])
        self.prune(ref, limit)
        return backup

    def prune(self, ref: ChatRef, limit: int) -> None:
        for old in self.list(ref)[max(limit, 1):]:
            try:
                old.path.unlink()
            except OSError:
                pass

    def find(self, ref: ChatRef, name: str) -> BackupRef:
        """A backup of `ref` by its file name or just its timestamp."""
        for backup in self.list(ref):
            if name in (backup.name, backup.stamp):
                return backup
        raise StoreError(f"no backup {name!r} of chat {ref.id!r}; `tavo-tui chat backups {ref.id}` lists them")

    def read_valid(self, backup: BackupRef) -> bytes:
        """The backup's bytes, after checking they parse as a chat (a damaged backup is refused)."""
        try:
            data = backup.path.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read the backup {backup.path}: {exc.strerror}") from None
        parse_chat(data.decode("utf-8", "replace"), str(backup.path))
        return data
