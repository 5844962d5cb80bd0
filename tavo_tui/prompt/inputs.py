"""Shared inputs of both prompt paths: card fields after macros, the participating chat messages, macro values."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter, not_
from typing import Any, TypeVar, overload

from tavo_tui.model import Card, Message
from tavo_tui.prompt.cache import PromptCache
from tavo_tui.prompt.macros import CARD_FIELD_MACROS, MacroEnv, substitute
from tavo_tui.prompt.regex_scripts import PromptRegex, RegexRun

T = TypeVar("T")
V = TypeVar("V")
_IS_SYSTEM = attrgetter("is_system")


@dataclass(frozen=True)
class ChatItem:
    """One chat message taking part in the prompt (SillyTavern's coreChat entry)."""

    name: str
    text: str
    is_user: bool
    narrator: bool
    source: str  # provenance: "greeting", "history[3]", "pending"
    force_avatar: bool = False
    regex: tuple[str, ...] = ()  # notes from prompt-only regex scripts that changed (or skipped) this text

    @property
    def role(self) -> str:
        if self.is_user:
            return "user"
        return "system" if self.narrator else "assistant"


@dataclass
class CardFields:
    description: str = ""
    personality: str = ""
    scenario: str = ""
    mes_examples: str = ""
    system: str = ""
    jailbreak: str = ""
    depth_prompt: str = ""
    depth_prompt_depth: int = 4
    depth_prompt_role: str = "system"
    creator_notes: str = ""


@dataclass
class PromptInputs:
    name1: str
    name2: str
    card: CardFields
    persona: str
    chat: CoreChat
    env: MacroEnv
    chat_metadata: Mapping[str, Any] = field(default_factory=dict)


def _clean(text: str, env: MacroEnv) -> str:
    return substitute(text.strip(), env, exclude=CARD_FIELD_MACROS).replace("\r", "")


def card_fields(card: Card, env: MacroEnv, meta: Mapping[str, Any]) -> CardFields:
    """Card texts the way SillyTavern feeds them into a prompt (trimmed, macros without card-field macros)."""
    depth = card.extensions.get("depth_prompt") if isinstance(card.extensions, dict) else None
    depth = depth if isinstance(depth, dict) else {}
    scenario = meta.get("scenario") if isinstance(meta.get("scenario"), str) and meta.get("scenario") else card.scenario
    examples = meta.get("mes_example") if isinstance(meta.get("mes_example"), str) and meta.get("mes_example") else None
    system = meta.get("system_prompt") if isinstance(meta.get("system_prompt"), str) else None
    try:
        depth_value = int(depth.get("depth", 4))
    except (TypeError, ValueError):
        depth_value = 4
    role = depth.get("role", "system")
    return CardFields(
        description=_clean(card.description, env),
        personality=_clean(card.personality, env),
        scenario=_clean(str(scenario), env),
        mes_examples=_clean(examples if examples is not None else card.mes_example, env),
        system=_clean(system or card.system_prompt, env),
        jailbreak=_clean(card.post_history_instructions, env),
        depth_prompt=_clean(str(depth.get("prompt") or ""), env),
        depth_prompt_depth=depth_value,
        depth_prompt_role=role if role in ("system", "user", "assistant") else "system",
        creator_notes=_clean(card.creator_notes, env),
    )


def visible_positions(messages: Sequence[Message]) -> list[int]:
    """Positions of the messages that take part in the prompt (not hidden with `is_system`).

    A lazily parsed chat (the store's MessageList) answers this itself from its raw lines, so a long chat is not
    parsed message by message just to learn which ones are hidden.
    """
    own: Callable[[], list[int]] | None = getattr(messages, "visible_positions", None)
    if own is not None:
        return own()
    # Read at C speed: this runs over the whole chat on every assembly.
    hidden = list(map(_IS_SYSTEM, messages))
    if not any(hidden):
        return list(range(len(hidden)))
    return list(compress(range(len(hidden)), map(not_, hidden)))


class CoreChat(Sequence[ChatItem]):
    """The messages taking part in the prompt, converted lazily (a long chat is mostly never looked at).

    Hidden (`is_system`) messages are left out; the user's pending message, if any, is the last item.
    """

    def __init__(
        self,
        messages: Sequence[Message],
        env: MacroEnv,
        *,
        char_name: str,
        user_name: str,
        pending_user: str | None,
        greeting: str,
        cache: PromptCache | None = None,
        regex: PromptRegex | None = None,
    ) -> None:
        self._messages = messages
        self._env = env
        self._char = char_name
        self._user = user_name
        self._cache = cache
        self._index = visible_positions(messages)
        self._extra: list[ChatItem] = []
        self._regex = regex if regex is not None and regex.active else None
        # Depth limits make a message's prompt text depend on its distance from the end, but only up to the
        # deepest limit: the memo tells messages apart by their depth clipped there (None: depth is irrelevant).
        self._depth_cap = self._regex.cap if self._regex is not None else None
        self.regex_notes: dict[str, None] = {}  # an ordered set, filled as items are read
        self._size = len(self._index) + (1 if not messages and greeting else 0) + (pending_user is not None)
        if not messages and greeting:
            self._extra.append(self._regexed(
                ChatItem(char_name, substitute(greeting, env).replace("\r", ""), False, False, "greeting"),
                len(self._index)))
        if pending_user is not None:
            self._extra.append(self._regexed(
                ChatItem(user_name, substitute(pending_user, env).replace("\r", ""), True, False, "pending"),
                self._size - 1))
        self._user_count: int | None = None
        self._kind = f"chat-item\x00{user_name}\x00{char_name}"
        if self._regex is not None:
            self._kind += f"\x00regex{self._regex.signature}"
        # Set when a message judged visible from its raw line turns out hidden once parsed (a damaged line that
        # still looks like one JSON object); the engine then assembles again with what it now knows.
        self.misjudged = False

    def __len__(self) -> int:
        return len(self._index) + len(self._extra)

    @overload
    def __getitem__(self, index: int) -> ChatItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[ChatItem]: ...

    def __getitem__(self, index: int | slice) -> ChatItem | list[ChatItem]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError(index)
        if index >= len(self._index):
            return self._noted(self._extra[index - len(self._index)])
        position = self._index[index]
        msg = self._messages[position]
        if msg.is_system:
            self.misjudged = True
        return self._noted(self._item(msg, position))

    def _noted(self, item: ChatItem) -> ChatItem:
        if item.regex:
            self.regex_notes.update(dict.fromkeys(item.regex))
        return item

    def _depth(self, visible_index: int) -> int:
        """SillyTavern's regex depth: 0 for the newest message (-1 for the one being continued)."""
        assert self._regex is not None
        return self._size - 1 - visible_index - self._regex.depth_offset

    def _bucket(self, position: int) -> int | None:
        if self._depth_cap is None:
            return None
        assert self._regex is not None
        return self._regex.depth_class(self._depth(bisect_left(self._index, position)))

    def _regexed(self, item: ChatItem, visible_index: int) -> ChatItem:
        """The item with the prompt-only scripts of its side applied (a new item when one changed it)."""
        if self._regex is None:
            return item
        run = RegexRun()
        text = self._regex.apply(item.text, item.is_user, self._depth(visible_index), run,
                                 lambda t: substitute(t, self._env))
        notes = tuple(run.notes("chat history"))
        if text == item.text and not notes:
            return item
        return ChatItem(item.name, text, item.is_user, item.narrator, item.source, item.force_avatar, notes)

    def iter_newest(self) -> Iterator[ChatItem]:
        """Items newest first; the fast path used to fill the context from the end."""
        for extra in reversed(self._extra):
            yield self._noted(extra)
        if self._cache is None:
            messages, convert = self._messages, self._convert
            for position in reversed(self._index):
                msg = messages[position]
                if msg.is_system:
                    self.misjudged = True
                yield self._noted(convert(msg, position))
            return
        if self._regex is None:
            yield from self._memoised(self._kind, self._convert)
            return
        notes, last = self.regex_notes, None
        for item in self._memoised(self._kind, self._convert):
            # Inline _noted: most messages repeat the notes of the one before (the same scripts changed them).
            if item.regex and item.regex != last:
                notes.update(dict.fromkeys(item.regex))
                last = item.regex
            yield item

    def iter_newest_derived(self, kind: str, derive: Callable[[ChatItem], T]) -> Iterator[tuple[ChatItem, T]]:
        """Items newest first, each with a value derived from it (e.g. its formatted prompt text).

        The pairs are memoised per message exactly like the items, so an unchanged message costs one lookup.
        `derive` may depend on the item and on nothing but what `kind` names (the names are added here).
        """
        if self._cache is None:
            for item in self.iter_newest():
                yield item, derive(item)
            return
        for extra in reversed(self._extra):
            yield self._noted(extra), derive(extra)

        def pair(msg: Message, position: int) -> tuple[ChatItem, T]:
            item = self._item(msg, position)
            return item, derive(item)

        if self._regex is None:
            yield from self._memoised(f"{self._kind}\x00{kind}", pair)
            return
        for found in self._memoised(f"{self._kind}\x00{kind}", pair):
            self._noted(found[0])
            yield found

    def _memoised(self, kind: str, make: Callable[[Message, int], V]) -> Iterator[V]:
        """`make(message, position)` per message, newest first, memoised under `kind` while the message's text,
        name, side and position stay the same. Text with macros is never memoised: it depends on more."""
        assert self._cache is not None
        messages = self._messages
        table = self._cache.table(kind)
        put = self._cache.put
        cap = self._depth_cap
        classes = self._regex.classes if self._regex is not None else ()
        # The depth of the next message older than the one just read (clipped at the cap: no change beyond it).
        depth = len(self._extra) - (self._regex.depth_offset if self._regex is not None else 0)
        bucket: int | None = None
        for position in reversed(self._index):
            msg = messages[position]
            if msg.is_system:
                self.misjudged = True
            text = msg.mes
            if cap is not None:
                bucket = classes[depth + 1] if depth < cap else classes[-1]
                depth += 1
            hit = table.get(id(msg))
            if hit is not None and hit[0] is msg:
                # Compared field by field: no tuple is built for the (usual) unchanged message.
                old = hit[1]
                if (old[0] is text and old[1] == msg.name and old[2] == msg.is_user and old[3] == position
                        and old[4] == bucket):
                    yield hit[2]
                    continue
            value = make(msg, position)
            if "{{" not in text:
                put(kind, msg, (text, msg.name, msg.is_user, position, bucket), value)
            yield value

    def _item(self, msg: Message, position: int) -> ChatItem:
        if self._cache is None or "{{" in msg.mes:
            # Text with macros depends on more than the names: never memoised.
            return self._convert(msg, position)
        # Names are part of the kind, so the per-message fingerprint stays small.
        return self._cache.get(
            self._kind, msg, (msg.mes, msg.name, msg.is_user, position, self._bucket(position)),
            lambda: self._convert(msg, position),
        )

    def _convert(self, msg: Message, index: int) -> ChatItem:
        text = msg.mes
        if "{{" in text or "<" in text:
            text = substitute(text, self._env)
        extra = msg.extra if isinstance(msg.extra, dict) else {}
        narrator = (not msg.is_user) and extra.get("type") == "narrator"
        source = "greeting" if index == 0 and not msg.is_user else f"history[{index}]"
        name = msg.name or (self._user if msg.is_user else ("System" if narrator else self._char))
        force = bool((msg.__pydantic_extra__ or {}).get("force_avatar"))
        item = ChatItem(name, text.replace("\r", ""), msg.is_user, narrator, source, force)
        if self._regex is not None:
            item = self._regexed(item, bisect_left(self._index, index))
        return item

    def user_count(self) -> int:
        """How many user messages take part (the Author's Note interval counts these)."""
        if self._user_count is None:
            self._user_count = sum(1 for i in self._index if self._messages[i].is_user)
            self._user_count += sum(1 for item in self._extra if item.is_user)
        return self._user_count


def build_inputs(
    card: Card,
    messages: Sequence[Message],
    *,
    user_name: str,
    persona: str,
    pending_user: str | None,
    chat_metadata: Mapping[str, Any] | None = None,
    cache: PromptCache | None = None,
    values: Mapping[str, str] | None = None,
    idle: Callable[[], str] | None = None,
    regex: PromptRegex | None = None,
) -> PromptInputs:
    meta = chat_metadata or {}
    name2 = card.name or "Character"
    env = MacroEnv(user=user_name, char=name2, greetings=card.greetings(), char_version=card.character_version)
    env.values.update(values or {})
    env.idle = idle
    env.pick_seed = f"{meta.get('chat_id_hash', '')}-{meta.get('pick_reroll_seed', '')}"
    fields = card_fields(card, env, meta)
    persona_text = _clean(persona, env)
    env.description = fields.description
    env.personality = fields.personality
    env.scenario = fields.scenario
    env.persona = persona_text
    env.char_prompt = fields.system
    env.char_instruction = fields.jailbreak
    env.char_depth_prompt = fields.depth_prompt
    env.creator_notes = fields.creator_notes
    env.mes_examples_raw = fields.mes_examples
    chat = CoreChat(
        messages,
        env,
        char_name=name2,
        pending_user=pending_user,
        user_name=user_name,
        greeting=card.first_mes,
        cache=cache,
        regex=regex,
    )
    if chat:
        env.last_message = chat[-1].text
        env.last_message_id = len(messages) - (0 if pending_user is not None else 1)
    # Only the newest few messages are usually inspected here.
    for index in range(len(chat) - 1, -1, -1):
        item = chat[index]
        if item.is_user and not env.last_user_message:
            env.last_user_message = item.text
        elif not item.is_user and not item.narrator and not env.last_char_message:
            env.last_char_message = item.text
        if env.last_user_message and env.last_char_message:
            break
    return PromptInputs(user_name, name2, fields, persona_text, chat, env, meta)
