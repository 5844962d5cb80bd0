"""Chat files in SillyTavern's JSONL format: one folder per character, one file per chat.

Appends are flushed and fsynced; so is replacing the last line in place (a reply kept on disk while it streams,
at a cost of that line, not of the chat). Every other change rewrites the file atomically (temp file, fsync,
rename). A line a crash tore at the end is cut before anything is written after it.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tavo_tui.model import Chat, ChatHeader, Message
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write
from tavo_tui.store.jsonl import (
    OPTIONAL_KEYS,
    decode_header,
    decode_message,
    encode_message,
    encode_obj,
    header_to_json,
    is_header,
    message_to_json,
)
from tavo_tui.store.locks import lock_path
from tavo_tui.store.messages import MessageList

__all__ = [
    "OPTIONAL_KEYS",
    "ChatRef",
    "ChatStore",
    "ChatSummary",
    "OpenedChat",
    "SearchHit",
    "encode_line",
    "message_to_json",
    "parse_chat",
    "safe_name",
    "serialize_chat",
]

_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')
_TAIL_BYTES = 65536


def safe_name(text: str) -> str:
    """A file-system-safe folder/file name that still reads like the original."""
    cleaned = _UNSAFE.sub("_", text).strip(" .")
    return cleaned[:100] or "unnamed"


def encode_line(obj: dict[str, Any]) -> bytes:
    return encode_obj(obj) + b"\n"


def chat_title(character_name: str, when: datetime | None = None) -> str:
    """SillyTavern's name for a new chat: `Name - YYYY-MM-DD@HHhMMmSSsMMMms` (local time)."""
    when = when or datetime.now()
    return f"{character_name} - {when:%Y-%m-%d@%Hh%Mm%Ss}{when.microsecond // 1000:03d}ms"


@dataclass(frozen=True)
class ChatRef:
    """Where one chat lives. `id` is "<character folder>/<file stem>", stable across runs."""

    path: Path
    card_key: str

    @property
    def id(self) -> str:
        return f"{self.card_key}/{self.path.stem}"

    @property
    def title(self) -> str:
        return self.path.stem

    @property
    def mtime(self) -> float:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0


@dataclass(frozen=True)
class ChatSummary:
    """A chat as the chat list shows it: no message is parsed except the last one."""

    ref: ChatRef
    mtime: float
    size: int
    message_count: int
    last_name: str
    last_preview: str
    main_chat: str = ""  # the parent chat's title (SillyTavern's chat_metadata.main_chat), "" for a root chat

    @property
    def id(self) -> str:
        return self.ref.id

    @property
    def title(self) -> str:
        return self.ref.title


@dataclass(frozen=True)
class SearchHit:
    ref: ChatRef
    index: int  # message index in the chat (0 = first message after the header)
    name: str
    snippet: str


@dataclass
class OpenedChat:
    """A chat read lazily: the header parsed, the messages split into lines and decoded on access."""

    header: ChatHeader
    messages: MessageList
    torn_tail: bool = False  # the file ended in a half-written line (a crash mid-append); it was left out


def split_chat_bytes(data: bytes, source: str) -> OpenedChat:
    lines = [line for line in data.split(b"\n") if line.strip()]
    if not lines:
        return OpenedChat(ChatHeader(), MessageList())
    torn = False
    if len(lines) > 1:
        try:
            json.loads(lines[-1])
        except ValueError:
            lines.pop()  # an append cut by a crash; everything before it is intact
            torn = True
    try:
        first = json.loads(lines[0])
    except ValueError:
        raise StoreError(f"{source}: line 1 is not valid JSON") from None
    if not isinstance(first, dict):
        raise StoreError(f"{source}: line 1 is not a JSON object")
    if is_header(first):
        return OpenedChat(decode_header(first), MessageList.from_lines(lines[1:]), torn)
    return OpenedChat(ChatHeader(), MessageList.from_lines(lines), torn)  # headerless vintage


def parse_chat(text: str, source: str) -> Chat:
    """Parse a whole JSONL chat eagerly. A torn last line is dropped; other damage is an error."""
    # JSONL lines end at "\n" only: str.splitlines() also splits at U+0085, U+2028 and U+2029, which
    # SillyTavern (JSON.stringify) and json.dumps(ensure_ascii=False) leave raw inside a message.
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return Chat()
    records: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            if index == len(lines) - 1 and index > 0:
                break
            raise StoreError(f"{source}: line {index + 1} is not valid JSON") from None
        if not isinstance(value, dict):
            raise StoreError(f"{source}: line {index + 1} is not a JSON object")
        records.append(value)
    first = records[0]
    header: ChatHeader
    if is_header(first):
        header, body = decode_header(first), records[1:]
    else:
        header, body = ChatHeader(), records
    return Chat(header=header, messages=[decode_message(r) for r in body])


def chat_lines(header: ChatHeader, messages: Sequence[Message]) -> Iterable[bytes]:
    """Every line of the file, newline-terminated (so an append never has to repair the last line)."""
    yield encode_line(header_to_json(header))
    if isinstance(messages, MessageList):
        for line in messages.encoded_lines():
            yield line + b"\n"
    else:
        for message in messages:
            yield encode_message(message) + b"\n"


def serialize_chat(chat: Chat) -> bytes:
    return b"".join(chat_lines(chat.header, chat.messages))


def remove_stale_temps(chat_path: Path) -> None:
    """Temp files a crash left mid-rewrite (only call while holding the chat's lock: they are ours)."""
    try:
        for temp in chat_path.parent.glob(f".{glob.escape(chat_path.name)}.*.tmp"):
            temp.unlink()
    except OSError:
        pass


def _save_error(path: Path, exc: OSError) -> StoreError:
    reason = exc.strerror or str(exc)
    return StoreError(f"cannot save to {path}: {reason}; the chat is kept in memory")


def _count_lines(path: Path) -> tuple[int, bytes]:
    """Newline count and the file's last bytes, reading in blocks (no parsing)."""
    count = 0
    tail = b""
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
            tail = (tail + block)[-_TAIL_BYTES:]
    if tail and not tail.endswith(b"\n"):
        count += 1
    return count, tail


def _last_line_start(fd: int, size: int) -> int:
    """Where the file's last line begins: just after the newline before it (a final newline ends that line),
    0 when the file is one line. Reads back from the end in blocks, so it costs that line, not the file."""
    if not size:
        return 0
    pos = size - 1 if os.pread(fd, 1, size - 1) == b"\n" else size
    while pos > 0:
        start = max(0, pos - _TAIL_BYTES)
        at = os.pread(fd, pos - start, start).rfind(b"\n")
        if at >= 0:
            return start + at + 1
        pos = start
    return 0


def _whole_line(data: bytes) -> bool:
    """A line as written, not cut short: one JSON object (a strict prefix of an object never parses)."""
    try:
        return isinstance(json.loads(data), dict)
    except ValueError:
        return False


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


SummaryList = list[ChatSummary]
HitList = list[SearchHit]


class ChatStore:
    """All chats under `root` (the data dir's chats/ folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # ---- finding -------------------------------------------------------------------------------------------
    def list(self, card_key: str | None = None) -> list[ChatRef]:
        """Chats, most recently written first."""
        if card_key:
            folders = [self.root / card_key]
        else:
            folders = sorted(p for p in self.root.glob("*") if p.is_dir()) if self.root.is_dir() else []
        refs = [ChatRef(path, folder.name) for folder in folders for path in folder.glob("*.jsonl")]
        return sorted(refs, key=lambda r: r.mtime, reverse=True)

    def summaries(self, card_key: str | None = None) -> SummaryList:
        """The chat list: most recent first, with message count and the last message's first line."""
        out: list[ChatSummary] = []
        for ref in self.list(card_key):
            try:
                stat = ref.path.stat()
                count, tail = _count_lines(ref.path)
            except OSError:
                continue
            name, preview = _last_message(tail)
            out.append(ChatSummary(ref, stat.st_mtime, stat.st_size, max(count - 1, 0), name, preview,
                                   _main_chat(ref.path)))
        return out

    def latest(self, card_key: str) -> ChatRef | None:
        refs = self.list(card_key)
        return refs[0] if refs else None

    def find(self, chat_id: str) -> ChatRef:
        card_key, _, stem = chat_id.partition("/")
        path = self.root / card_key / f"{stem}.jsonl"
        if not stem or not card_key or ".." in (card_key, stem) or not path.is_file():
            raise StoreError(f"no chat with id {chat_id!r}; `tavo-tui chat list` shows the ids")
        return ChatRef(path, card_key)

    # ---- reading -------------------------------------------------------------------------------------------
    def read_bytes(self, ref: ChatRef) -> bytes:
        try:
            return ref.path.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read chat {ref.path}: {exc.strerror}") from None

    def load(self, ref: ChatRef) -> Chat:
        """The whole chat parsed eagerly (small chats, tests, export)."""
        return parse_chat(self.read_bytes(ref).decode("utf-8", "replace"), str(ref.path))

    def open(self, ref: ChatRef) -> OpenedChat:
        """The chat with messages decoded on demand: fast for very long chats."""
        return split_chat_bytes(self.read_bytes(ref), str(ref.path))

    # ---- writing -------------------------------------------------------------------------------------------
    def new_ref(self, card_key: str, title: str) -> ChatRef:
        """A free file name for `title` in the card's folder."""
        folder = self.root / card_key
        base = safe_name(title)
        path = folder / f"{base}.jsonl"
        counter = 2
        while path.exists():
            path = folder / f"{base} ({counter}).jsonl"
            counter += 1
        return ChatRef(path, card_key)

    def create(self, card_key: str, chat: Chat, title: str | None = None) -> ChatRef:
        ref = self.new_ref(card_key, title or chat_title(chat.header.character_name or card_key))
        self.write(ref, chat.header, chat.messages)
        return ref

    def append(self, ref: ChatRef, message: Message) -> int:
        """Append one message line, flushed and fsynced before returning; a failed write is rolled back.

        A last line torn by a crash is cut first (left there, it would end up in the middle of the file, where
        readers cannot drop it). Returns the offset where the new line begins."""
        line = encode_message(message) + b"\n"
        try:
            fd = os.open(ref.path, os.O_RDWR | os.O_APPEND)
        except OSError as exc:
            raise _save_error(ref.path, exc) from None
        try:
            try:
                size = os.fstat(fd).st_size
                begin = size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    last = _last_line_start(fd, size)
                    if _whole_line(os.pread(fd, size - last, last)):
                        line = b"\n" + line  # a file SillyTavern wrote has no final newline
                        begin = size + 1
                    elif last == 0:
                        raise StoreError(f"cannot save to {ref.path}: line 1 is not valid JSON")
                    else:
                        os.ftruncate(fd, last)
                        size = begin = last
            except OSError as exc:
                raise _save_error(ref.path, exc) from None
            try:
                view = memoryview(line)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            except OSError as exc:
                try:
                    os.ftruncate(fd, size)  # never leave half a line behind
                    os.fsync(fd)
                except OSError:
                    pass
                raise _save_error(ref.path, exc) from None
        finally:
            os.close(fd)
        return begin

    def replace_last(self, ref: ChatRef, message: Message) -> None:
        """Replace the file's last message line with `message`, in place: truncate where that line begins, write,
        fsync. Costs the length of that line whatever the chat's length. A failed write puts the old line back."""
        line = encode_message(message) + b"\n"
        try:
            fd = os.open(ref.path, os.O_RDWR)
        except OSError as exc:
            raise _save_error(ref.path, exc) from None
        try:
            try:
                size = os.fstat(fd).st_size
                begin = _last_line_start(fd, size)
                old = os.pread(fd, size - begin, begin)
            except OSError as exc:
                raise _save_error(ref.path, exc) from None
            if begin == 0:
                raise StoreError(f"cannot save to {ref.path}: the chat has no message line to replace")
            try:
                os.ftruncate(fd, begin)
                _pwrite_all(fd, line, begin)
                os.fsync(fd)
            except OSError as exc:
                try:
                    os.ftruncate(fd, begin)
                    _pwrite_all(fd, old, begin)
                    os.fsync(fd)
                except OSError:
                    pass
                raise _save_error(ref.path, exc) from None
        finally:
            os.close(fd)

    def write(self, ref: ChatRef, header: ChatHeader, messages: Sequence[Message]) -> None:
        """Replace the whole file atomically (edits, swipes, deletes)."""
        try:
            atomic_write(ref.path, b"".join(chat_lines(header, messages)))
        except OSError as exc:
            raise _save_error(ref.path, exc) from None

    def rewrite(self, ref: ChatRef, chat: Chat) -> None:
        self.write(ref, chat.header, chat.messages)

    def rename(self, ref: ChatRef, title: str) -> ChatRef:
        new = self.new_ref(ref.card_key, title)
        if new.path.name == ref.path.name:
            return ref
        try:
            os.rename(ref.path, new.path)
        except OSError as exc:
            raise StoreError(f"cannot rename {ref.path}: {exc.strerror}") from None
        try:
            lock_path(ref.path).unlink()
        except OSError:
            pass
        return new

    def relink(self, ref: ChatRef, old_title: str, new_title: str) -> bool:
        """After chat `old_title` was renamed: a child's `main_chat` and a parent's checkpoint links
        (`extra.bookmark_link`, `extra.branches`) that name it now name `new_title`. Rewrites `ref` only when
        something changed (the caller holds its lock); True when it did."""
        data = self.read_bytes(ref)
        needles = {old_title.encode(), json.dumps(old_title)[1:-1].encode()}
        if not any(needle in data for needle in needles):
            return False  # the usual case: no link to it, and the file is not parsed
        chat = parse_chat(data.decode("utf-8", "replace"), str(ref.path))
        changed = False
        meta = chat.header.chat_metadata
        if meta.get("main_chat") == old_title:
            chat.header.chat_metadata = {**meta, "main_chat": new_title}
            changed = True
        for message in chat.messages:
            if retarget_links(message, old_title, new_title):
                changed = True
        if changed:
            self.rewrite(ref, chat)
        return changed

    def delete(self, ref: ChatRef) -> None:
        try:
            ref.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(f"cannot delete {ref.path}: {exc.strerror}") from None
        try:
            lock_path(ref.path).unlink()
        except OSError:
            pass

    # ---- search --------------------------------------------------------------------------------------------
    def search(self, query: str, card_key: str | None = None, limit: int = 200) -> HitList:
        """Messages whose text contains `query` (case-insensitive) in every chat, newest chats first."""
        needle = query.casefold()
        if not needle:
            return []
        hits: list[SearchHit] = []
        for ref in self.list(card_key):
            try:
                opened = self.open(ref)
            except StoreError:
                continue
            for index in search_messages(opened.messages, query):
                message = opened.messages[index]
                hits.append(SearchHit(ref, index, message.name, snippet(message.mes, query)))
                if len(hits) >= limit:
                    return hits
        return hits


def retarget_links(message: Message, old_title: str, new_title: str) -> bool:
    """Point a message's checkpoint/branch links at a renamed chat; True when one changed."""
    extra = message.extra or {}
    changed = False
    if extra.get("bookmark_link") == old_title:
        extra = {**extra, "bookmark_link": new_title}
        changed = True
    branches = extra.get("branches")
    if isinstance(branches, list) and old_title in branches:
        extra = {**extra, "branches": [new_title if b == old_title else b for b in branches]}
        changed = True
    if changed:
        message.extra = extra
    return changed


def search_messages(messages: MessageList | Sequence[Message], query: str) -> list[int]:
    """Indices of messages whose text (or a swipe) contains `query`, case-insensitive.

    Unparsed lines are pre-filtered on their raw text so a long chat is not decoded to be searched.
    """
    needle = query.casefold()
    if not needle:
        return []
    found: list[int] = []
    ascii_needle = needle.isascii() and needle.isprintable() and '"' not in needle and "\\" not in needle
    for index in range(len(messages)):
        if ascii_needle and isinstance(messages, MessageList) and not messages.is_loaded(index):
            if needle not in messages.raw_text(index).casefold():
                continue
        message = messages[index]
        texts = [message.mes, *(message.swipes or [])]
        if any(needle in t.casefold() for t in texts):
            found.append(index)
    return found


def snippet(text: str, query: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    at = flat.casefold().find(query.casefold())
    if at < 0:
        return flat[:width]
    start = max(0, at - width // 3)
    piece = flat[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


def _main_chat(path: Path) -> str:
    """The parent named in the header line (only that line is read): "" when none, or unreadable."""
    try:
        with open(path, "rb") as fh:
            first = fh.readline()
        value = json.loads(first)
    except (OSError, ValueError):
        return ""
    meta = value.get("chat_metadata") if isinstance(value, dict) else None
    parent = meta.get("main_chat") if isinstance(meta, dict) else None
    return parent if isinstance(parent, str) else ""


def _last_message(tail: bytes) -> tuple[str, str]:
    for line in reversed(tail.split(b"\n")):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue  # torn tail or a cut first line of the window
        if isinstance(value, dict) and "mes" in value:
            mes = value.get("mes")
            text = mes if isinstance(mes, str) else json.dumps(mes, ensure_ascii=False)
            return str(value.get("name", "")), " ".join(text.split())[:120]
        return "", ""
    return "", ""
