"""Chat files in SillyTavern's JSONL format: one folder per character, one file per chat."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tavo_tui.model import Chat, ChatHeader, Message
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write

# Keys SillyTavern omits on messages that never had them; we keep explicit nulls from imported files.
_OPTIONAL_KEYS = ("swipes", "swipe_id", "swipe_info")
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')


def safe_name(text: str) -> str:
    """A file-system-safe folder/file name that still reads like the original."""
    cleaned = _UNSAFE.sub("_", text).strip(" .")
    return cleaned[:100] or "unnamed"


def message_to_json(message: Message) -> dict[str, Any]:
    data = message.model_dump(mode="json")
    for key in _OPTIONAL_KEYS:
        if data.get(key) is None and key not in message.model_fields_set:
            data.pop(key, None)
    return data


def encode_line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass(frozen=True)
class ChatRef:
    """Where one chat lives. `id` is "<character folder>/<file stem>", stable across runs."""

    path: Path
    card_key: str

    @property
    def id(self) -> str:
        return f"{self.card_key}/{self.path.stem}"

    @property
    def mtime(self) -> float:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0


def parse_chat(text: str, source: str) -> Chat:
    """Parse a JSONL chat. A torn last line (a crash mid-append) is dropped; other damage is an error."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return Chat()
    records: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            if index == len(lines) - 1 and index > 0:
                break  # an append cut by a crash; everything before it is intact
            raise StoreError(f"{source}: line {index + 1} is not valid JSON") from None
        if not isinstance(value, dict):
            raise StoreError(f"{source}: line {index + 1} is not a JSON object")
        records.append(value)
    try:
        first = records[0]
        if "mes" in first and "chat_metadata" not in first:
            header, body = ChatHeader(), records  # headerless vintage: every line is a message
        else:
            header, body = ChatHeader.model_validate(first), records[1:]
        return Chat(header=header, messages=[Message.model_validate(r) for r in body])
    except ValidationError as exc:
        raise StoreError(f"{source}: {str(exc).splitlines()[0]}") from None


def serialize_chat(chat: Chat) -> bytes:
    out = [encode_line(chat.header.model_dump(mode="json"))]
    out += [encode_line(message_to_json(m)) for m in chat.messages]
    return b"".join(out)


class ChatStore:
    """All chats under `root` (the data dir's chats/ folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def list(self, card_key: str | None = None) -> list[ChatRef]:
        """Chats, most recently written first."""
        folders = [self.root / card_key] if card_key else sorted(p for p in self.root.glob("*") if p.is_dir())
        refs = [ChatRef(path, folder.name) for folder in folders for path in folder.glob("*.jsonl")]
        return sorted(refs, key=lambda r: r.mtime, reverse=True)

    def latest(self, card_key: str) -> ChatRef | None:
        refs = self.list(card_key)
        return refs[0] if refs else None

    def find(self, chat_id: str) -> ChatRef:
        card_key, _, stem = chat_id.partition("/")
        path = self.root / card_key / f"{stem}.jsonl"
        if not stem or not path.is_file():
            raise StoreError(f"no chat with id {chat_id!r}; `tavo-tui chat list` shows the ids")
        return ChatRef(path, card_key)

    def load(self, ref: ChatRef) -> Chat:
        try:
            text = ref.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"cannot read chat {ref.path}: {exc.strerror}") from None
        return parse_chat(text, str(ref.path))

    def create(self, card_key: str, chat: Chat) -> ChatRef:
        folder = self.root / card_key
        stamp = datetime.now().strftime("%Y-%m-%d@%Hh%Mm%Ss")
        base = safe_name(f"{chat.header.character_name or card_key} - {stamp}")
        path = folder / f"{base}.jsonl"
        counter = 2
        while path.exists():
            path = folder / f"{base} ({counter}).jsonl"
            counter += 1
        ref = ChatRef(path, card_key)
        self.rewrite(ref, chat)
        return ref

    def append(self, ref: ChatRef, message: Message) -> None:
        """Append one message line, flushed and fsynced before returning."""
        try:
            with open(ref.path, "ab") as fh:
                fh.write(encode_line(message_to_json(message)))
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise StoreError(f"cannot save to {ref.path}: {exc.strerror}; the chat is kept in memory") from None

    def rewrite(self, ref: ChatRef, chat: Chat) -> None:
        """Replace the whole file atomically (edits, swipes, deletes)."""
        try:
            atomic_write(ref.path, serialize_chat(chat))
        except OSError as exc:
            raise StoreError(f"cannot save to {ref.path}: {exc.strerror}; the chat is kept in memory") from None
