"""The state every chat action shares: the chat, its file, its lock, the persona, and saving.

Saving never raises: a failure keeps the chat in memory, records `save_error`, and the next change (or
`retry_save()`) rewrites the whole file atomically. A reply being generated is kept on disk as it streams
(`_save_draft`, marked `extra.incomplete`), so a crash keeps what arrived.

A chat another process holds is read-only: the actions that would ask the model refuse before sending
(`ensure_writable`), and `try_take_lock()` makes the session writable once that process has let go.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tavo_tui.backends.base import Backend
from tavo_tui.backends.registry import make_backend
from tavo_tui.model import Card, Chat, ChatHeader, ConnectionProfile, Message
from tavo_tui.model.chat import now_send_date
from tavo_tui.model.swipes import sync_swipe
from tavo_tui.prompt.settings import PromptSettings
from tavo_tui.session.events import ActionError, Notice
from tavo_tui.session.sampler_presets import effective_profile
from tavo_tui.store import ChatLock, ChatRef, MessageList, Persona, StoreError
from tavo_tui.store.chats import OpenedChat, remove_stale_temps
from tavo_tui.store.interchange import export_jsonl, export_markdown, export_text

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext

READ_ONLY_NOTE = "this chat is open in another tavo-tui process, so it is read-only here; changes are not saved"
DRAFT_INTERVAL = 1.0  # seconds between saves of a reply in progress: what a crash can lose, and the write rate


class ReadOnlyChat(ActionError):
    """The chat is open for writing in another process: nothing that would be lost (a model reply) is asked for."""


def read_only_note(pid: int | None) -> str:
    holder = f"another tavo-tui process (pid {pid})" if pid else "another tavo-tui process"
    return f"this chat is open in {holder}; it is read-only here"


def make_message(name: str, text: str, *, is_user: bool, extra: dict[str, Any] | None = None,
                 **more: Any) -> Message:
    """A new message with every SillyTavern core key set explicitly."""
    return Message(name=name, is_user=is_user, is_system=False, send_date=now_send_date(), mes=text,
                   extra=dict(extra or {}), **more)


def read_world_file(path: Path) -> list[Mapping[str, Any]]:
    """A SillyTavern world file as a one-book list; unreadable or malformed gives no book."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [data] if isinstance(data, dict) else []


class SessionCore:
    """State and storage; `ChatSession` adds generation and editing on top."""

    def __init__(
        self,
        ctx: AppContext,
        card: Card,
        card_path: Path,
        chat: Chat | OpenedChat,
        profile: ConnectionProfile,
        *,
        ref: ChatRef | None = None,
        persist: bool = True,
    ) -> None:
        self.ctx = ctx
        self.card = card
        self.card_path = card_path
        self.header: ChatHeader = chat.header
        self.messages: MessageList = (
            chat.messages if isinstance(chat.messages, MessageList) else MessageList(chat.messages)
        )
        # The profile as used: with its named sampler preset applied (session/sampler_presets.py).
        self.profile = effective_profile(ctx, profile)
        self.ref = ref
        self.persist = persist
        self.read_only = False
        self.save_error: str | None = None
        self.settings: PromptSettings | None = None  # prompt settings (None: the engine's defaults)
        # Per-run prompt inputs that are not stored with the chat (the CLI's --persona, --lorebook, ...):
        # keyword arguments for prompt.assemble() that win over the chat's own.
        self.prompt_overrides: dict[str, Any] = {}
        self._lock: ChatLock | None = None
        self._backend: Backend | None = None
        self._retired: list[Backend] = []
        self._generating = False
        self._dirty = False  # a save failed: the next save rewrites the whole file
        self._draft_on_disk = False  # the file ends with a draft of the reply being generated (not in messages)
        self.draft_interval = DRAFT_INTERVAL
        self._lorebook_cache: tuple[tuple[Path, int, int, int], list[Mapping[str, Any]]] | None = None
        if ref is not None and persist:
            self._take_lock(ref)

    # ---- state -------------------------------------------------------------------------------------------
    @property
    def chat(self) -> Chat:
        """The chat as one model (shares the message list, so changes through it are seen here)."""
        return Chat.model_construct(header=self.header, messages=self.messages)

    @property
    def metadata(self) -> dict[str, Any]:
        return self.header.chat_metadata

    @property
    def persona(self) -> Persona | None:
        """The chat's persona: the one locked to this chat, else the default persona."""
        locked = self.metadata.get("persona")
        store = self.ctx.personas
        try:
            if isinstance(locked, str) and locked:
                found = store.get(locked)
                if found is not None:
                    return found
            if self.ctx.user_override is not None:
                return None
            return store.default()
        except StoreError:
            return None

    @property
    def user_name(self) -> str:
        """`{{user}}`: the persona's name, else the name given with --user or in settings."""
        persona = self.persona
        if persona is not None:
            return persona.name
        stored = self.header.user_name if self.header.user_name != "unused" else ""  # modern SillyTavern headers
        return self.ctx.user_override or stored or self.ctx.user_name

    @property
    def is_demo(self) -> bool:
        return self.profile.kind == "demo"

    @property
    def generating(self) -> bool:
        return self._generating

    @property
    def title(self) -> str:
        return self.ref.title if self.ref else "(new chat)"

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = make_backend(self.profile, self.ctx.profiles.api_key(self.profile))
            # The demo backend builds its canned replies from the character.
            if hasattr(self._backend, "char_name"):
                self._backend.char_name = self.card.name
        return self._backend

    def prompt_settings(self) -> PromptSettings:
        """Prompt settings with the persona's description position applied."""
        # The world-info settings kept with `tavo-tui worldinfo settings` apply to every chat.
        world_info = self.ctx.world_info
        settings = world_info.apply(self.settings or world_info.default_settings)
        persona = self.persona
        if persona is None:
            return settings
        return settings.model_copy(
            update={"persona_position": persona.position, "persona_depth": persona.depth,
                    "persona_role": persona.role}
        )

    def lorebooks(self) -> list[Mapping[str, Any]]:
        """The chat's own lorebook (`chat_metadata.world_info`, read from the data dir's worlds/ folder), the
        world file the card links as its own when it embeds no book, then the globally selected books (`tavo-tui
        worldinfo global`). As in SillyTavern a book is loaded once: a book that is global counts as global
        (a chat's, or a card's linked one), a chat book the card links counts as the card's, and a global book
        the card links and embeds is the card's embedded copy."""
        name = self.metadata.get("world_info")
        linked = self.card.extensions.get("world")
        linked = linked if isinstance(linked, str) and linked else None
        world_info = self.ctx.world_info
        embedded = self.card.character_book is not None
        books = world_info.global_books({linked} if linked and embedded else set())
        selected = set(world_info.global_names())
        use_card = self.settings.use_card_lorebook if self.settings is not None else True
        character = (world_info.character_world(linked)
                     if use_card and linked and not embedded and linked not in selected else None)
        own = [character] if character is not None else []
        if not isinstance(name, str) or not name or name in selected or (character is not None and name == linked):
            return [*own, *books]
        return [*self._chat_lorebook(name), *own, *books]

    def _chat_lorebook(self, name: str) -> list[Mapping[str, Any]]:
        path = self.ctx.worlds_dir / f"{name}.json"
        try:
            stat = path.stat()
        except OSError:
            return []
        # Every preview asks for it: parse once per version of the file. Returning the same dict also lets the
        # engine's identity-keyed caches keep the parsed entries.
        key = (path, stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if self._lorebook_cache is None or self._lorebook_cache[0] != key:
            self._lorebook_cache = (key, read_world_file(path))
        return list(self._lorebook_cache[1])

    # ---- lock --------------------------------------------------------------------------------------------
    def _take_lock(self, ref: ChatRef) -> None:
        lock = ChatLock(ref.path)
        if lock.acquire():
            self._lock = lock
            self.read_only = False
            remove_stale_temps(ref.path)
        else:
            self.read_only = True

    @property
    def read_only_reason(self) -> str | None:
        if not self.read_only:
            return None
        return read_only_note(ChatLock(self.ref.path).holder_pid() if self.ref is not None else None)

    def ensure_writable(self) -> None:
        """The one rule for actions whose result would be lost (a reply, a swipe, a continuation): refuse a
        read-only chat with the reason, before anything is sent. The CLI refuses the same chats at open."""
        if self.persist and self.read_only:
            raise ReadOnlyChat(self.read_only_reason or READ_ONLY_NOTE)

    def try_take_lock(self) -> bool:
        """A read-only session takes the chat's lock once the other process has let it go, and reads the chat
        again from its file (that process may have changed it; nothing was saved here). True when the session
        has just become writable: the front end shows the messages again."""
        if not self.read_only or self.ref is None or self._generating:
            return False
        lock = ChatLock(self.ref.path)
        if not lock.acquire():
            return False
        try:
            opened = self.ctx.chats.open(self.ref)
        except StoreError:  # gone or unreadable meanwhile: stay read-only rather than write over it
            lock.release()
            return False
        self._lock = lock
        self.read_only = False
        remove_stale_temps(self.ref.path)
        self.header = opened.header
        self.messages = opened.messages
        self._lorebook_cache = None
        self._saved()  # the saves refused while read-only are not owed: the file is the truth now
        if opened.torn_tail:
            self.rewrite_file()  # drop the half-written line a crash left, before anything is appended
        return True

    # ---- saving ------------------------------------------------------------------------------------------
    def _refuse(self) -> Notice | None:
        if not self.persist:
            return None
        if self.read_only:
            return Notice(f"not saved: {self.read_only_reason}; changes are not saved")
        return None

    def _ensure_file(self) -> bool:
        """Create the chat's file on the first save. True when it was just created (nothing else to write)."""
        if self.ref is not None:
            return False
        self.ref = self.ctx.chats.create(self.ctx.card_key(self.card_path), self.chat)
        self._take_lock(self.ref)
        return True

    def _save_new(self, message: Message, *, replaces_draft: bool = False) -> Notice | None:
        """Persist a message just appended at the end. A failure keeps the chat in memory and says so.

        `replaces_draft`: `message` is the reply whose draft ends the file; its line is replaced, not added."""
        if not self.persist or self.read_only:
            return self._refuse()
        try:
            if self._ensure_file():
                pass
            elif self._dirty or (self._draft_on_disk and not replaces_draft):
                self.ctx.chats.write(self.ref, self.header, self.messages)  # type: ignore[arg-type]
            elif self._draft_on_disk:
                self.ctx.chats.replace_last(self.ref, message)  # type: ignore[arg-type]
            else:
                self.ctx.chats.append(self.ref, message)  # type: ignore[arg-type]
        except StoreError as exc:
            return self._failed(exc)
        self._saved()
        self.ctx.backups.changed(self.ref)  # type: ignore[arg-type]  # a committed change: backed up, throttled
        return None

    def _save_all(self) -> Notice | None:
        """Persist after an edit/delete/swipe: an atomic rewrite of the whole file."""
        if not self.persist or self.read_only:
            return self._refuse()
        try:
            if not self._ensure_file():
                self.ctx.chats.write(self.ref, self.header, self.messages)  # type: ignore[arg-type]
        except StoreError as exc:
            return self._failed(exc)
        self._saved()
        self.ctx.backups.changed(self.ref)  # type: ignore[arg-type]  # a committed change: backed up, throttled
        return None

    def _save_draft(self, draft: Message, *, new_line: bool) -> bool:
        """Keep a reply in progress on disk, at the cost of one line: `new_line` for a new reply (its line is
        appended once, then replaced), else `draft` replaces the last message's line (a new swipe or a
        continuation of it). Best effort and silent: skipped while the file is behind the chat in memory; a
        failure only makes the final save rewrite the whole file (which reports any problem). True if written."""
        if not self.persist or self.read_only or self._dirty:
            return False
        try:
            self._ensure_file()
            if new_line and not self._draft_on_disk:
                self.ctx.chats.append(self.ref, draft)  # type: ignore[arg-type]
                self._draft_on_disk = True
            else:
                self.ctx.chats.replace_last(self.ref, draft)  # type: ignore[arg-type]
        except StoreError:
            self._dirty = self.ref is not None
            return False
        return True

    def _failed(self, exc: StoreError) -> Notice:
        self._dirty = self.ref is not None
        self.save_error = str(exc)
        return Notice(f"not saved: {exc}")

    def _saved(self) -> None:
        self._dirty = False
        self.save_error = None
        self._draft_on_disk = False  # every save but a draft's leaves the file equal to the chat in memory

    @property
    def unsaved(self) -> bool:
        """A save failed and the file on disk is behind the chat in memory."""
        return self._dirty or (self.save_error is not None)

    def retry_save(self) -> Notice | None:
        """Try again to write the whole chat (after a full disk or a read-only folder was fixed)."""
        if not self.unsaved:
            return None
        return self._save_all()

    def export(self, fmt: str) -> bytes:
        """This chat as SillyTavern JSONL ("jsonl"), Markdown ("md") or plain text ("txt"), as it is in memory."""
        if fmt == "jsonl":
            return export_jsonl(self.header, self.messages)
        if fmt == "md":
            return export_markdown(self.title, self.messages).encode("utf-8")
        if fmt == "txt":
            return export_text(self.title, self.messages).encode("utf-8")
        raise StoreError(f"unknown export format {fmt!r}; use jsonl, md or txt")

    def rewrite_file(self) -> Notice | None:
        """Write the whole chat again (atomic)."""
        return self._save_all()

    def _close_storage(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _copy_messages(self, upto: int) -> list[Message]:
        return [m.model_copy(deep=True) for m in self.messages[: upto + 1]]

    def _indices(self, indices: Sequence[int] | int) -> list[int]:
        items = [indices] if isinstance(indices, int) else list(indices)
        size = len(self.messages)
        out = sorted({i + size if i < 0 else i for i in items})
        for i in out:
            if not 0 <= i < size:
                raise IndexError(f"no message {i} (the chat has {size})")
        return out

    @staticmethod
    def _sync_swipe(message: Message) -> None:
        """Before switching swipes, the visible text/extra go back into the current swipe (as SillyTavern does)."""
        sync_swipe(message)
