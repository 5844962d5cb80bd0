"""The process-wide context: where data lives, profiles, chats and the card library."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tavo_tui.cards import CardError, read_card
from tavo_tui.model import Card, Chat, ChatHeader, Message
from tavo_tui.model.chat import now_send_date
from tavo_tui.session.chat_session import ChatSession
from tavo_tui.store import AppPaths, ChatStore, ProfileStore, SecretStore
from tavo_tui.store.chats import safe_name

CARD_SUFFIXES = {".png", ".json", ".charx", ".webp", ".byaf", ".apng"}
DEFAULT_USER = "User"


@dataclass(frozen=True)
class CardEntry:
    """A card as the library lists it (cheap to build; the full card loads on demand)."""

    path: Path
    name: str
    tags: list[str] = field(default_factory=list)
    creator: str = ""


def replace_names(text: str, char: str, user: str) -> str:
    """The two macros a stored greeting needs; the prompt engine handles the full macro set."""
    return text.replace("{{char}}", char).replace("{{user}}", user).replace("<BOT>", char).replace("<USER>", user)


class AppContext:
    """Built once per process by the TUI or the CLI; holds no UI state."""

    def __init__(self, paths: AppPaths, library: Iterable[Path] = (), user_name: str | None = None) -> None:
        self.paths = paths
        self.library = [Path(p) for p in library]
        self.profiles = ProfileStore(paths.connections_file, SecretStore(paths.secrets_file))
        self.chats = ChatStore(paths.chats_dir)
        self.user_name = user_name or self._settings().get("user_name") or DEFAULT_USER

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
        found: list[Path] = []
        for folder in self.card_folders():
            if folder.is_file():
                found.append(folder)
            elif folder.is_dir():
                found.extend(p for p in sorted(folder.iterdir()) if p.suffix.lower() in CARD_SUFFIXES and p.is_file())
        return found

    def card_entries(self) -> list[CardEntry]:
        """Every readable card in the library folders, sorted by name; unreadable files are skipped."""
        entries: list[CardEntry] = []
        for path in self.card_paths():
            try:
                card = read_card(path).card
            except CardError:
                continue
            name = card.name or path.stem
            entries.append(CardEntry(path=path, name=name, tags=list(card.tags), creator=card.creator))
        return sorted(entries, key=lambda e: e.name.casefold())

    def load_card(self, path: Path) -> Card:
        return read_card(path).card

    @staticmethod
    def card_key(card_path: Path) -> str:
        """Chats are grouped by the card's file name, as SillyTavern groups them by avatar file."""
        return safe_name(card_path.stem)

    # ---- chats -------------------------------------------------------------------------------------------
    def new_chat(self, card: Card, greeting_index: int = 0) -> Chat:
        """A fresh chat that starts with the chosen greeting (0 = first message)."""
        chat = Chat(header=ChatHeader(user_name=self.user_name, character_name=card.name))
        greetings = card.greetings()
        if greetings:
            text = greetings[min(max(greeting_index, 0), len(greetings) - 1)]
            chat.messages.append(
                Message(
                    name=card.name,
                    is_user=False,
                    mes=replace_names(text, card.name, self.user_name),
                    send_date=now_send_date(),
                    swipes=[replace_names(g, card.name, self.user_name) for g in greetings],
                    swipe_id=min(max(greeting_index, 0), len(greetings) - 1),
                    swipe_info=[],
                )
            )
        return chat

    def open_chat(
        self,
        card_path: Path,
        connection: str | None = None,
        *,
        chat_id: str | None = None,
        new: bool = False,
        persist: bool = True,
    ) -> ChatSession:
        """Open the card's chat: `chat_id` when given, else its latest chat, else a new one."""
        card = self.load_card(card_path)
        profile = self.profiles.get(connection or self.profiles.default_name)
        ref = None
        if chat_id:
            ref = self.chats.find(chat_id)
        elif persist and not new:
            ref = self.chats.latest(self.card_key(card_path))
        chat = self.chats.load(ref) if ref else self.new_chat(card)
        return ChatSession(self, card, card_path, chat, profile, ref=ref, persist=persist)


