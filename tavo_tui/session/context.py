"""The process-wide context: where data lives, profiles, chats and the card library."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tavo_tui.cards import read_card
from tavo_tui.cards.library import CardLibrary, CardSummary, SortKey
from tavo_tui.model import Card, Chat, Message
from tavo_tui.model.chat import now_send_date
from tavo_tui.session.backups import Backups
from tavo_tui.store import (
    AppPaths,
    ChatLock,
    ChatRef,
    ChatStore,
    PersonaStore,
    ProfileStore,
    SecretStore,
    StoreError,
)
from tavo_tui.store.backups import BackupRef, BackupStore
from tavo_tui.store.chats import ChatSummary, OpenedChat, safe_name
from tavo_tui.store.files import atomic_write
from tavo_tui.store.interchange import export_chat, import_chat
from tavo_tui.store.jsonl import new_header
from tavo_tui.store.tags import TAGS_FILE, read_tags, tag_names_by_card

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession
    from tavo_tui.session.world_info import WorldInfoService

CardEntry = CardSummary  # what the library lists: path, name, tags, creator, mtime, format
DEFAULT_USER = "User"


def replace_names(text: str, char: str, user: str) -> str:
    """The two macros a stored greeting needs; the prompt engine handles the full macro set."""
    return text.replace("{{char}}", char).replace("{{user}}", user).replace("<BOT>", char).replace("<USER>", user)


def with_user_tags(entries: list[CardEntry], tags: dict[str, list[str]], cards_dir: Path) -> list[CardEntry]:
    """`entries` with each card's tags.json tags added after its own (cards in `cards_dir` only: tag_map is
    keyed by file name there)."""
    if not tags:
        return entries
    out: list[CardEntry] = []
    for entry in entries:
        extra = tags.get(entry.path.name) if entry.path.parent == cards_dir else None
        if extra:
            own = {t.casefold() for t in entry.tags}
            entry = dataclasses.replace(entry, tags=[*entry.tags, *(t for t in extra if t.casefold() not in own)])
        out.append(entry)
    return out


class AppContext:
    """Built once per process by the TUI or the CLI; holds no UI state."""

    def __init__(self, paths: AppPaths, library: Iterable[Path] = (), user_name: str | None = None) -> None:
        self.paths = paths
        self.library = [Path(p) for p in library]
        self.profiles = ProfileStore(paths.connections_file, SecretStore(paths.secrets_file))
        self.chats = ChatStore(paths.chats_dir)
        self.backups = Backups(BackupStore(paths.data_dir / "backups"))
        self.cards = CardLibrary(self.card_folders(), paths.cache_dir / "cards.json")
        self.personas = PersonaStore(paths.config_dir / "personas.json")
        self._user_tags: tuple[tuple[int, int] | None, dict[str, list[str]]] = (None, {})
        self.user_override = user_name  # --user: wins over the default persona
        self.user_name = user_name or self._settings().get("user_name") or DEFAULT_USER
        self._world_info: WorldInfoService | None = None

    @classmethod
    def open(cls, home: Path | None = None, library: Iterable[Path] = (), user_name: str | None = None) -> AppContext:
        return cls(AppPaths.resolve(home), library, user_name)

    def _settings(self) -> dict[str, str]:
        try:
            data = json.loads(self.paths.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}

    # ---- cards -------------------------------------------------------------------------------------------
    def card_folders(self) -> list[Path]:
        return [self.paths.cards_dir, *self.library]

    def card_paths(self) -> list[Path]:
        return [entry.path for entry in self.cards.entries()]

    def card_entries(self, query: str = "", *, sort: str = "name") -> list[CardEntry]:
        """Readable cards in the library folders (cheap: cached by path+mtime, parsed lazily), with the tags
        the user gave them in tags.json (SillyTavern's tag_map, brought over by the import) beside their own."""
        order: SortKey = "added" if sort == "added" else "name"
        tags = self.user_tags()
        if query.strip():  # the last listing, no disk access: search-as-you-type
            return [e for e in with_user_tags(self.cards.search("", sort=order), tags, self.paths.cards_dir)
                    if e.matches(query)]
        return with_user_tags(self.cards.entries(sort=order), tags, self.paths.cards_dir)

    def user_tags(self) -> dict[str, list[str]]:
        """tags.json's tags per card file name in cards/, read again only when the file changed."""
        path = self.paths.data_dir / TAGS_FILE
        try:
            stat = path.stat()
        except OSError:
            return {}
        key = (stat.st_mtime_ns, stat.st_size)
        if self._user_tags[0] != key:
            try:
                names = tag_names_by_card(read_tags(path))
            except StoreError:
                names = {}  # a damaged tags.json hides its folders; the cards themselves still list
            self._user_tags = (key, names)
        return self._user_tags[1]

    def card_failures(self) -> list[tuple[Path, str]]:
        """Files in the library folders that could not be read as cards, and why (as last listed)."""
        return [(s.path, s.error or "unreadable") for s in self.cards.failures()]

    def cached_card_head(self, limit: int, *, sort: str = "name") -> tuple[list[CardEntry], int] | None:
        """The first `limit` cards of the library as last listed (no file is read or checked) and how many
        cards it had in all; None when it was never listed."""
        return self.cards.cached_head(limit, sort="added" if sort == "added" else "name")

    def load_card(self, path: Path) -> Card:
        return read_card(path).card

    @staticmethod
    def card_key(card_path: Path) -> str:
        """Chats are grouped by the card's file name, as SillyTavern groups them by avatar file."""
        return safe_name(card_path.stem)

    @property
    def worlds_dir(self) -> Path:
        """World-info (lorebook) files a chat can bind by name."""
        return self.paths.data_dir / "worlds"

    @property
    def world_info(self) -> WorldInfoService:
        """The lorebook files, the global selection and the world-info settings (session/world_info.py)."""
        if self._world_info is None:
            from tavo_tui.session.world_info import WorldInfoService  # the prompt engine loads with it
            from tavo_tui.store.world_info import WorldInfoStore

            self._world_info = WorldInfoService(WorldInfoStore(self.worlds_dir, self.paths.data_dir / "worldinfo.json"))
        return self._world_info

    def lorebook_names(self) -> list[str]:
        """The names a chat can bind (`ChatSession.set_lorebook`): the worlds/ folder's JSON files, sorted."""
        return sorted(path.stem for path in self.worlds_dir.glob("*.json"))

    def persona_name(self) -> str:
        if self.user_override:
            return self.user_override
        try:
            persona = self.personas.default()
        except Exception:
            persona = None
        return persona.name if persona else self.user_name

    # ---- chats -------------------------------------------------------------------------------------------
    def new_chat(self, card: Card, greeting_index: int = 0) -> Chat:
        """A fresh chat that starts with the chosen greeting (0 = first message; the others stay as swipes)."""
        user = self.persona_name()
        chat = Chat(header=new_header(user, card.name, {"integrity": str(uuid.uuid4())}))
        greetings = card.greetings()
        if greetings:
            chosen = min(max(greeting_index, 0), len(greetings) - 1)
            date = now_send_date()
            swipes = [replace_names(g, card.name, user) for g in greetings]
            chat.messages.append(
                Message(
                    name=card.name,
                    is_user=False,
                    is_system=False,
                    send_date=date,
                    mes=swipes[chosen],
                    extra={},
                    swipes=swipes,
                    swipe_id=chosen,
                    swipe_info=[{"send_date": date, "gen_started": None, "gen_finished": None, "extra": {}}
                                for _ in swipes],
                )
            )
        return chat

    def chat_summaries(self, card_path: Path | None = None) -> list[ChatSummary]:
        """The chat list (all characters, or one card's), most recent first, with last-message previews."""
        return self.chats.summaries(self.card_key(card_path) if card_path else None)

    def find_chat(self, chat_id: str) -> ChatRef:
        return self.chats.find(chat_id)

    def import_chat(self, source: Path, card_path: Path) -> ChatRef:
        """Import a SillyTavern (or oobabooga/Agnai/CAI-Tools) chat file as one of the card's chats."""
        return import_chat(self.chats, source, self.card_key(card_path))

    def export_chat(self, chat_id: str, fmt: str) -> bytes:
        """The chat as SillyTavern JSONL ("jsonl"), Markdown ("md") or plain text ("txt")."""
        return export_chat(self.chats, self.chats.find(chat_id), fmt)

    def rename_chat(self, chat_id: str, title: str) -> ChatRef:
        """Rename a chat that is not open elsewhere (an open session renames with `session.rename`)."""
        ref = self.chats.find(chat_id)
        with self._exclusive(ref):
            new = self.chats.rename(ref, title)
        self.relink_chats(new, ref.title)
        return new

    def relink_chats(self, renamed: ChatRef, old_title: str) -> list[str]:
        """After a rename, the card's other chats that link to the old name (children's `main_chat`, a parent's
        checkpoint links) are updated. A chat open elsewhere is skipped (its session follows with
        `follow_rename`); the ids skipped are returned."""
        skipped: list[str] = []
        if renamed.title == old_title:
            return skipped
        for ref in self.chats.list(renamed.card_key):
            if ref.path == renamed.path:
                continue
            lock = ChatLock(ref.path)
            if not lock.acquire():
                skipped.append(ref.id)
                continue
            try:
                self.chats.relink(ref, old_title, renamed.title)
            except StoreError:
                skipped.append(ref.id)
            finally:
                lock.release()
        return skipped

    def chat_backups(self, chat_id: str) -> list[BackupRef]:
        """The chat's automatic backups, newest first."""
        return self.backups.list(self.chats.find(chat_id))

    def restore_backup(self, chat_id: str, backup_name: str) -> BackupRef:
        """Replace a chat that is not open elsewhere with one of its backups. The current file is backed up
        first, so a restore can itself be undone; that new backup is returned. (An open session restores
        with `session.restore_backup`.)"""
        ref = self.chats.find(chat_id)
        with self._exclusive(ref):
            return self.restore_locked(ref, backup_name)

    def restore_locked(self, ref: ChatRef, backup_name: str) -> BackupRef:
        """`restore_backup` for a caller that holds the chat's lock."""
        backup = self.backups.store.find(ref, backup_name)
        data = self.backups.store.read_valid(backup)
        self.backups.flush()
        before = self.backups.backup_now(ref)
        try:
            atomic_write(ref.path, data)
        except OSError as exc:
            raise StoreError(f"cannot restore {ref.path}: {exc.strerror}") from None
        return before

    def delete_chat(self, chat_id: str) -> None:
        """Delete a chat that is not open elsewhere (the caller asks the user first)."""
        ref = self.chats.find(chat_id)
        with self._exclusive(ref):
            self.chats.delete(ref)

    @contextlib.contextmanager
    def _exclusive(self, ref: ChatRef) -> Iterator[None]:
        lock = ChatLock(ref.path)
        if not lock.acquire():
            raise StoreError(f"chat {ref.id!r} is open in another tavo-tui process; close it there first")
        try:
            yield
        finally:
            lock.release()

    def card_for_chat(self, ref: ChatRef) -> Path | None:
        """The library card whose chats folder holds `ref` (chats are grouped by card file name)."""
        for path in self.card_paths():
            if self.card_key(path) == ref.card_key:
                return path
        return None

    def open_chat(
        self,
        card_path: Path,
        connection: str | None = None,
        *,
        chat_id: str | None = None,
        new: bool = False,
        persist: bool = True,
        greeting_index: int = 0,
    ) -> ChatSession:
        """Open the card's chat: `chat_id` when given, else its latest chat, else a new one."""
        card = self.load_card(card_path)
        profile = self.profiles.get(connection or self.profiles.default_name)
        ref = None
        if chat_id:
            ref = self.chats.find(chat_id)
        elif persist and not new:
            ref = self.chats.latest(self.card_key(card_path))
        chat: Chat | OpenedChat = self.chats.open(ref) if ref else self.new_chat(card, greeting_index)
        from tavo_tui.session.chat_session import ChatSession  # the prompt engine and backends load here

        session = ChatSession(self, card, card_path, chat, profile, ref=ref, persist=persist)
        if ref is not None and not session.read_only and isinstance(chat, OpenedChat) and chat.torn_tail:
            session.rewrite_file()  # drop the half-written line a crash left, before anything is appended
        return session

    def open_chat_id(self, chat_id: str, card_path: Path | None = None, connection: str | None = None,
                     *, persist: bool = True) -> ChatSession:
        """Open a stored chat by id; its card is `card_path` or the library card the chat belongs to."""
        ref = self.chats.find(chat_id)
        path = card_path or self.card_for_chat(ref)
        if path is None:
            raise StoreError(
                f"no card for chat {chat_id!r} in the library (folder {ref.card_key!r}); pass --card PATH"
            )
        return self.open_chat(path, connection, chat_id=chat_id, persist=persist)


