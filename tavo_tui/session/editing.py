"""Actions that change the chat without the model: swipe, edit, delete, hide, narrator, branch, metadata.

Every method saves at once (an atomic rewrite, or an append for a message added at the end) and returns a
`Notice` when the save failed (the change is kept in memory), else None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tavo_tui.model import Chat, ChatHeader, Message
from tavo_tui.model.chat import now_send_date
from tavo_tui.model.swipes import drop_shown_swipe, select_swipe
from tavo_tui.session.chat_tree import branch_title, checkpoint_title
from tavo_tui.session.core import SessionCore, make_message
from tavo_tui.session.events import ActionError, Notice
from tavo_tui.session.regex import AI_OUTPUT, USER_INPUT, stored_text
from tavo_tui.store import StoreError
from tavo_tui.store.chats import retarget_links, search_messages
from tavo_tui.store.jsonl import header_to_json

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession

NARRATOR_NAME = "System"


class EditingMixin(SessionCore):
    # ---- swipes ------------------------------------------------------------------------------------------
    def swipe_count(self, index: int = -1) -> int:
        if not self.messages:
            return 0
        message = self.messages[index]
        return len(message.swipes) if message.swipes else 1

    def _pristine(self) -> bool:
        """Only the greeting, and nothing generated yet: its swipes are the alternate greetings."""
        return len(self.messages) == 1 and not self.metadata.get("tainted")

    def swipe(self, direction: int) -> bool:
        """Show the previous (-1) or next (+1) version of the last reply.

        Left from the first version wraps to the last. Returns False when moving right from the last version:
        the caller then generates a new one with `new_swipe()` (the greeting of an untouched chat wraps instead).
        """
        if not self.messages or not self._swipeable_last():
            return False
        if self.read_only:  # the change could not be saved, and reopening the chat would undo it unseen
            raise ActionError(f"{self.read_only_reason or 'read-only'}: the shown version stays as it is")
        index = len(self.messages) - 1
        message = self.messages[index]
        swipes = message.swipes or [message.mes]
        current = message.swipe_id if message.swipe_id is not None else 0
        if direction >= 0 and current >= len(swipes) - 1:
            if not self._pristine():
                return False
            target = 0
        else:
            target = (current + (1 if direction >= 0 else -1)) % len(swipes)
        if target == current:
            return True
        self._select_swipe(message, target)
        self._save_all()
        return True

    def _swipeable_last(self) -> bool:
        message = self.messages[-1]
        extra = message.extra or {}
        return not message.is_user and not extra.get("isSmallSys") and extra.get("swipeable") is not False

    def _select_swipe(self, message: Message, target: int) -> None:
        select_swipe(message, target)

    def choose_greeting(self, greeting_index: int) -> Notice | None:
        """Start the chat with another greeting (first message = 0, then the alternates). Only before the reply."""
        if not self.messages or self.messages[0].is_user:
            raise ValueError("this chat has no greeting")
        if len(self.messages) > 1:
            raise ValueError("the greeting can only be changed before the conversation starts")
        message = self.messages[0]
        count = len(message.swipes or [message.mes])
        if not 0 <= greeting_index < count:
            raise IndexError(f"no greeting {greeting_index} (the card has {count})")
        self._select_swipe(message, greeting_index)
        return self._save_all()

    def delete_swipe(self) -> Notice | None:
        """Remove the shown version of the last reply (the only version cannot be removed)."""
        if not drop_shown_swipe(self.messages[-1]):
            raise ValueError("the last message has only one version; delete the message instead")
        return self._save_all()

    def remove_swipe(self, index: int = -1) -> tuple[bool, Notice | None]:
        """Delete the shown version of message `index`; when it is the only version the message itself goes.

        Returns (message deleted, save notice) so the front can say which of the two happened."""
        i = self._indices(index)[0]
        if self.read_only:
            raise ActionError(f"{self.read_only_reason or 'read-only'}: nothing was deleted")
        if drop_shown_swipe(self.messages[i]):
            return False, self._save_all()
        del self.messages[i]
        return True, self._save_all()

    # ---- edit / delete / hide ----------------------------------------------------------------------------
    def edit(self, index: int, text: str) -> Notice | None:
        """Replace a message's text (and its shown swipe)."""
        i = self._indices(index)[0]
        message = self.messages[i]
        # An edit runs only the scripts marked "run on edit" (SillyTavern's isEdit).
        text = stored_text(self, text, USER_INPUT if message.is_user else AI_OUTPUT, edit=True)
        message.mes = text
        if message.swipes is not None and message.swipe_id is not None and 0 <= message.swipe_id < len(
            message.swipes
        ):
            swipes = list(message.swipes)
            swipes[message.swipe_id] = text
            message.swipes = swipes
        return self._save_all()

    def delete(self, indices: Sequence[int] | int) -> Notice | None:
        """Delete one or several messages."""
        for i in reversed(self._indices(indices)):
            del self.messages[i]
        return self._save_all()

    def set_hidden(self, indices: Sequence[int] | int, hidden: bool = True) -> Notice | None:
        """Hide messages from the prompt (SillyTavern's `is_system`), keeping them in the chat; or show them again."""
        for i in self._indices(indices):
            self.messages[i].is_system = hidden
        return self._save_all()

    def insert_narrator(self, text: str, index: int | None = None,
                        name: str = NARRATOR_NAME) -> tuple[int, Notice | None]:
        """A narrator/system message (in the prompt as a system turn), at the end or before message `index`.

        Returns where it went and the save notice, if any."""
        message = make_message(name, text, is_user=False, extra={"type": "narrator"})
        if index is None or index >= len(self.messages):
            self.messages.append(message)
            return len(self.messages) - 1, self._save_new(message)
        at = self._indices(index)[0]
        self.messages.insert(at, message)
        return at, self._save_all()

    # ---- chat metadata -----------------------------------------------------------------------------------
    def _set_meta(self, updates: dict[str, Any]) -> Notice | None:
        meta = dict(self.header.chat_metadata)
        for key, value in updates.items():
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
        self.header.chat_metadata = meta
        return self._save_all()

    def set_authors_note(self, text: str, *, depth: int | None = None, position: int | None = None,
                         interval: int | None = None, role: int | None = None) -> Notice | None:
        """The chat's author's note (SillyTavern's note_* keys in chat_metadata)."""
        return self._set_meta({"note_prompt": text, "note_depth": depth, "note_position": position,
                               "note_interval": interval, "note_role": role})

    def set_scenario(self, text: str | None) -> Notice | None:
        """A scenario for this chat only (overrides the card's); None or "" removes it."""
        return self._set_meta({"scenario": text or None})

    def set_lorebook(self, name: str | None) -> Notice | None:
        """Bind a world-info file (by name, from the data dir's worlds/ folder) to this chat."""
        return self._set_meta({"world_info": name or None})

    def set_persona(self, persona_id: str | None) -> Notice | None:
        """Lock a persona to this chat (None: follow the default persona)."""
        if persona_id is not None:
            self.ctx.personas.find(persona_id)
        return self._set_meta({"persona": persona_id})

    # ---- whole-chat operations ---------------------------------------------------------------------------
    def search(self, query: str) -> list[int]:
        """Indices of messages containing `query` (case-insensitive, swipes included)."""
        return search_messages(self.messages, query)

    def window(self, size: int, end: int | None = None) -> tuple[int, list[Message]]:
        """Up to `size` messages ending before `end` (default: the newest), and the index of the first."""
        end = len(self.messages) if end is None else max(0, min(end, len(self.messages)))
        start = max(0, end - size)
        return start, self.messages[start:end]

    def rename(self, title: str) -> None:
        """Rename the chat's file (its id changes; the lock moves with it)."""
        if self.ref is None:
            raise StoreError("the chat has not been saved yet")
        if self.read_only:
            raise StoreError(self.read_only_reason or "read-only")
        old_lock = self._lock
        old_title = self.ref.title
        self.ref = self.ctx.chats.rename(self.ref, title)
        self._lock = None
        self._take_lock(self.ref)
        if old_lock is not None:
            old_lock.release()
        self.ctx.relink_chats(self.ref, old_title)

    def restore_backup(self, backup_name: str) -> str:
        """Replace this chat with one of its backups (`ctx.chat_backups`) and show it; the state replaced is
        backed up first. Returns that backup's name."""
        if self.ref is None:
            raise StoreError("the chat has not been saved yet")
        if self.read_only:
            raise StoreError(self.read_only_reason or "read-only")
        before = self.ctx.restore_locked(self.ref, backup_name)
        opened = self.ctx.chats.open(self.ref)
        self.header = opened.header
        self.messages = opened.messages
        self._lorebook_cache = None
        self._saved()
        return before.name

    def delete_chat(self) -> None:
        """Delete this chat's file (the UI asks for confirmation first). The session keeps the messages."""
        if self.ref is None:
            return
        if self.read_only:
            raise StoreError(self.read_only_reason or "read-only")
        self.ctx.chats.delete(self.ref)
        self._close_storage()
        self.ref = None
        self.persist = False

    def _copy_chat(self, index: int, title: str) -> Chat:
        """Messages 0..index in a new chat whose header links back here (SillyTavern's `main_chat`)."""
        i = self._indices(index)[0]
        meta = dict(header_to_json(self.header).get("chat_metadata") or {})
        meta.pop("integrity", None)
        meta["main_chat"] = self.title if self.ref else self.card.name
        header = ChatHeader(user_name=self.header.user_name, character_name=self.header.character_name,
                            create_date=now_send_date(), chat_metadata=meta)
        return Chat.model_construct(header=header, messages=self._copy_messages(i))

    def _sibling_titles(self) -> set[str]:
        return {r.title for r in self.ctx.chats.list(self.ctx.card_key(self.card_path))}

    def branch(self, index: int) -> ChatSession:
        """A new chat holding messages 0..index, saved and opened (the current session stays as it was).

        Named as SillyTavern names it ("Branch #<index> - <time>"); the message lists it in `extra.branches`."""
        i = self._indices(index)[0]
        chat = self._copy_chat(i, "")
        from tavo_tui.session.chat_session import ChatSession

        ref = None
        if self.persist:
            ref = self.ctx.chats.create(self.ctx.card_key(self.card_path), chat, title=branch_title(i))
        if ref is not None and not self.read_only:  # a read-only chat could not keep the link
            message = self.messages[i]
            extra = dict(message.extra or {})
            branches = extra.get("branches")
            extra["branches"] = [*(branches if isinstance(branches, list) else []), ref.title]
            message.extra = extra
            self._save_all()
        session = ChatSession(self.ctx, self.card, self.card_path, chat, self.profile, ref=ref,
                              persist=self.persist)
        session.settings = self.settings
        return session

    def checkpoint(self, index: int, name: str = "") -> str:
        """Save messages 0..index as a separate chat without opening it (SillyTavern's checkpoint); its id.

        Named "<name> - <time>" ("Checkpoint #N - <time>" without a name); the message links it in
        `extra.bookmark_link` (a new checkpoint of the same message replaces the link, as in SillyTavern)."""
        i = self._indices(index)[0]
        if self.ref is None:
            raise StoreError("the chat has not been saved yet")
        title = checkpoint_title(self._sibling_titles(), name)
        ref = self.ctx.chats.create(self.ctx.card_key(self.card_path), self._copy_chat(i, title), title=title)
        message = self.messages[i]
        message.extra = {**(message.extra or {}), "bookmark_link": ref.title}
        self._save_all()
        return ref.id

    # ---- the chat tree -----------------------------------------------------------------------------------
    @property
    def parent_title(self) -> str:
        """The chat this one is a checkpoint or branch of ("" for a main chat)."""
        parent = self.header.chat_metadata.get("main_chat")
        return parent if isinstance(parent, str) else ""

    def parent_id(self) -> str:
        """The id of the parent chat, to open it; a clear error when there is none or it is gone."""
        parent = self.parent_title
        if not parent:
            raise ActionError("this chat is not a checkpoint or a branch")
        card_key = self.ref.card_key if self.ref else self.ctx.card_key(self.card_path)
        try:
            return self.ctx.chats.find(f"{card_key}/{parent}").id
        except StoreError:
            raise ActionError(f"the parent chat {parent!r} no longer exists") from None

    def follow_rename(self, old_title: str, new_title: str) -> Notice | None:
        """Another chat was renamed: links to it in this open chat (its parent, checkpoint links) follow."""
        changed = False
        if self.parent_title == old_title:
            self.header.chat_metadata = {**self.header.chat_metadata, "main_chat": new_title}
            changed = True
        for index in range(len(self.messages)):
            if retarget_links(self.messages[index], old_title, new_title):
                changed = True
        return self._save_all() if changed else None
