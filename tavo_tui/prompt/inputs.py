"""Shared inputs of both prompt paths: card fields after macros, the participating chat messages, macro values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tavo_tui.model import Card, Message
from tavo_tui.prompt.macros import CARD_FIELD_MACROS, MacroEnv, substitute


@dataclass(frozen=True)
class ChatItem:
    """One chat message taking part in the prompt (SillyTavern's coreChat entry)."""

    name: str
    text: str
    is_user: bool
    narrator: bool
    source: str  # provenance: "greeting", "history[3]", "pending"
    force_avatar: bool = False

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
    chat: list[ChatItem]
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


def core_chat(
    messages: Sequence[Message],
    env: MacroEnv,
    *,
    char_name: str,
    pending_user: str | None,
    user_name: str,
    greeting: str,
) -> list[ChatItem]:
    """Messages that take part: hidden (is_system) ones are left out; the first is re-substituted."""
    items: list[ChatItem] = []
    for index, msg in enumerate(messages):
        if msg.is_system:
            continue
        text = msg.mes
        if "{{" in text or "<" in text:
            text = substitute(text, env)
        extra = msg.extra if isinstance(msg.extra, dict) else {}
        narrator = (not msg.is_user) and extra.get("type") == "narrator"
        source = "greeting" if index == 0 and not msg.is_user else f"history[{index}]"
        name = msg.name or (user_name if msg.is_user else ("System" if narrator else char_name))
        force = bool(getattr(msg, "force_avatar", None))
        items.append(ChatItem(name, text.replace("\r", ""), msg.is_user, narrator, source, force))
    if not messages and greeting:
        items.append(ChatItem(char_name, substitute(greeting, env).replace("\r", ""), False, False, "greeting"))
    if pending_user is not None:
        items.append(ChatItem(user_name, substitute(pending_user, env).replace("\r", ""), True, False, "pending"))
    return items


def build_inputs(
    card: Card,
    messages: Sequence[Message],
    *,
    user_name: str,
    persona: str,
    pending_user: str | None,
    chat_metadata: Mapping[str, Any] | None = None,
) -> PromptInputs:
    meta = chat_metadata or {}
    name2 = card.name or "Character"
    env = MacroEnv(user=user_name, char=name2, greetings=card.greetings(), char_version=card.character_version)
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
    chat = core_chat(
        messages, env, char_name=name2, pending_user=pending_user, user_name=user_name, greeting=card.first_mes
    )
    if chat:
        env.last_message = chat[-1].text
        env.last_message_id = len(messages) - (0 if pending_user is not None else 1)
    for item in reversed(chat):
        if item.is_user:
            env.last_user_message = item.text
            break
    for item in reversed(chat):
        if not item.is_user and not item.narrator:
            env.last_char_message = item.text
            break
    return PromptInputs(user_name, name2, fields, persona_text, chat, env, meta)
