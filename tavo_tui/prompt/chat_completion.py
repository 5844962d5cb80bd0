"""Chat-completion assembly: SillyTavern's prompt manager order, budget and history fill."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tavo_tui.model import AssembledPrompt, PromptSection
from tavo_tui.prompt.common import Extensions
from tavo_tui.prompt.converters import convert
from tavo_tui.prompt.examples import parse_blocks, split_turns
from tavo_tui.prompt.injection import BEFORE_PROMPT, IN_CHAT, IN_PROMPT, ROLE_NAMES, ExtensionPrompt, inject
from tavo_tui.prompt.inputs import ChatItem, PromptInputs
from tavo_tui.prompt.macros import substitute
from tavo_tui.prompt.settings import PromptEntry, PromptSettings, Role
from tavo_tui.prompt.tokens import TokenCounter

# Overhead SillyTavern's tiktoken counter adds per message (role token plus framing) and for reply priming.
MESSAGE_OVERHEAD = 4
REPLY_PRIMING = 3
_NAME_OK = re.compile(r"^[a-zA-Z0-9_]{1,64}$")

_MARKERS = {
    "worldInfoBefore",
    "personaDescription",
    "charDescription",
    "charPersonality",
    "scenario",
    "worldInfoAfter",
    "dialogueExamples",
    "chatHistory",
}


@dataclass
class _Msg:
    role: str
    content: str
    name: str
    source: str
    tokens: int = 0
    speaker: str | None = None  # OpenAI `name` field

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.speaker:
            out["name"] = self.speaker
        return out


@dataclass
class _Collection:
    identifier: str
    messages: list[_Msg] = field(default_factory=list)


def message_tokens(counter: TokenCounter, content: str, speaker: str | None = None) -> int:
    """Tokens of one chat message the way SillyTavern counts them for OpenAI models."""
    total = counter.count(content) + MESSAGE_OVERHEAD
    if speaker:
        total += counter.count(speaker) + 1
    return total


def _safe_name(name: str) -> str:
    if _NAME_OK.match(name):
        return name
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)[:64]


def _history_message(item: ChatItem, inputs: PromptInputs, names_behavior: int) -> tuple[str, str | None]:
    content = item.text
    speaker: str | None = None
    if names_behavior == 2 and not item.narrator:
        content = f"{item.name}: {content}"
    elif names_behavior == 1 and not item.narrator and item.name:
        speaker = _safe_name(item.name)
    elif names_behavior == 0 and item.force_avatar and item.name != inputs.name1 and not item.narrator:
        content = f"{item.name}: {content}"
    return content, speaker


def assemble_chat(
    inputs: PromptInputs,
    ext: Extensions,
    *,
    settings: PromptSettings,
    counter: TokenCounter,
    max_context: int,
    max_tokens: int,
    converter: str,
) -> AssembledPrompt:
    preset = settings.chat_completion
    env = inputs.env
    card = inputs.card
    world = ext.world
    entries: list[PromptEntry] = [p for p in preset.prompts if p.enabled or p.identifier == "main"]

    def text_of(entry: PromptEntry) -> str:
        if not entry.enabled:
            return ""
        content = entry.content
        if (
            entry.identifier == "main"
            and settings.prefer_character_prompt
            and card.system
            and not entry.forbid_overrides
        ):
            return substitute(card.system, env, original=content)
        if entry.identifier == "jailbreak" and settings.prefer_character_jailbreak and card.jailbreak:
            if not entry.forbid_overrides:
                return substitute(card.jailbreak, env, original=content)
        return substitute(content, env)

    def wi(texts: list[str]) -> str:
        joined = "\n".join(texts)
        return preset.wi_format.replace("{0}", joined) if joined else ""

    marker_text: dict[str, tuple[str, str]] = {
        "worldInfoBefore": (wi(world.before), "world_info.before"),
        "worldInfoAfter": (wi(world.after), "world_info.after"),
        "personaDescription": (inputs.persona if settings.persona_position == 0 else "", "persona"),
        "charDescription": (card.description, "card.description"),
        "charPersonality": (
            substitute(preset.personality_format, env) if card.personality else "",
            "card.personality",
        ),
        "scenario": (substitute(preset.scenario_format, env) if card.scenario else "", "card.scenario"),
    }

    budget = max_context - max_tokens - REPLY_PRIMING
    used = 0
    overflow = False
    dropped: list[PromptSection] = []
    collections: dict[str, _Collection] = {e.identifier: _Collection(e.identifier) for e in entries}

    def try_add(collection: str, msg: _Msg) -> bool:
        nonlocal used
        msg.tokens = message_tokens(counter, msg.content, msg.speaker)
        if used + msg.tokens > budget:
            return False
        used += msg.tokens
        collections[collection].messages.append(msg)
        return True

    in_chat_prompts: list[ExtensionPrompt] = list(ext.prompts)
    relative: list[tuple[PromptEntry, _Msg]] = []
    for entry in entries:
        if entry.identifier in ("dialogueExamples", "chatHistory"):
            continue
        if entry.identifier in marker_text:
            content, source = marker_text[entry.identifier]
        else:
            content, source = text_of(entry), f"preset.{entry.identifier}"
        if entry.injection_position == 1 and entry.identifier not in _MARKERS:
            if content:
                in_chat_prompts.append(
                    ExtensionPrompt(
                        entry.identifier,
                        content,
                        IN_CHAT,
                        entry.injection_depth,
                        ROLE_NAMES.index(entry.role),
                        order=entry.injection_order,
                    )
                )
            continue
        relative.append((entry, _Msg(entry.role, content, entry.name or entry.identifier, source)))

    # SillyTavern adds relative prompts in this priority order; output order stays the prompt order.
    priority = [
        "worldInfoBefore",
        "main",
        "worldInfoAfter",
        "charDescription",
        "charPersonality",
        "scenario",
        "personaDescription",
        "nsfw",
        "jailbreak",
    ]
    rank = {ident: i for i, ident in enumerate(priority)}
    custom_rank = len(priority)
    for entry, msg in sorted(relative, key=lambda pair: _relative_rank(pair[0], rank, custom_rank)):
        if overflow:
            dropped.append(_section(msg))
            continue
        if not try_add(entry.identifier, msg):
            overflow = True
            dropped.append(_section(msg))

    # Extension prompts positioned before/after the main prompt become separate messages next to it.
    if "main" in collections:
        before = _ext_text(ext.prompts, BEFORE_PROMPT, env)
        after = _ext_text(ext.prompts, IN_PROMPT, env)
        main = collections["main"]
        if before:
            msg = _Msg("system", before, "Extension prompts (before)", "extensions.before")
            if not overflow and _fits(counter, msg, used, budget):
                used += msg.tokens
                main.messages.insert(0, msg)
        if after:
            msg = _Msg("system", after, "Extension prompts (after)", "extensions.after")
            if not overflow and _fits(counter, msg, used, budget):
                used += msg.tokens
                main.messages.append(msg)

    # History: in-chat injections first, then newest to oldest until one does not fit.
    history_items: list[_Msg] = []
    for item in inputs.chat:
        content, speaker = _history_message(item, inputs, preset.names_behavior)
        label = "greeting" if item.source == "greeting" else item.source
        history_items.append(_Msg(item.role, content, label, item.source, speaker=speaker))

    def make(role: int, text: str, prompt: ExtensionPrompt) -> _Msg:
        return _Msg(ROLE_NAMES[role], text, prompt.key, f"injection.{prompt.key}")

    history_items, _injected = inject(history_items, in_chat_prompts, make)
    new_chat = _Msg("system", substitute(preset.new_chat_prompt, env), "New chat marker", "preset.new_chat_prompt")
    kept: list[_Msg] = []
    if "chatHistory" in collections and not overflow:
        marker_ok = _fits(counter, new_chat, used, budget)
        if marker_ok:
            used += new_chat.tokens
            for msg in reversed(history_items):
                if not msg.content:
                    continue
                if _fits(counter, msg, used, budget):
                    used += msg.tokens
                    kept.append(msg)
                else:
                    break
            kept.reverse()
        kept_ids = {id(m) for m in kept}
        dropped.extend(_section(m) for m in history_items if m.content and id(m) not in kept_ids)
        collections["chatHistory"].messages = ([new_chat] if marker_ok else []) + kept
    elif "chatHistory" in collections:
        dropped.extend(_section(m) for m in history_items if m.content)

    # Examples: whole blocks while they fit.
    if "dialogueExamples" in collections:
        example_texts = [*world.em_top, card.mes_examples, *world.em_bottom]
        blocks = [b for text in example_texts for b in parse_blocks(text)]
        for b_index, block in enumerate(blocks):
            block_msgs = [
                _Msg(
                    "system",
                    substitute(preset.new_example_chat_prompt, env),
                    "Example chat marker",
                    "preset.new_example_chat_prompt",
                )
            ]
            for t_index, turn in enumerate(split_turns(block, inputs.name1, inputs.name2)):
                block_msgs.append(
                    _Msg(
                        "system",
                        turn.text,
                        f"example {b_index + 1}.{t_index + 1}",
                        f"card.mes_example[{b_index}]",
                        speaker="example_user" if turn.is_user else "example_assistant",
                    )
                )
            cost = sum(message_tokens(counter, m.content, m.speaker) for m in block_msgs)
            if not overflow and used + cost <= budget:
                for m in block_msgs:
                    m.tokens = message_tokens(counter, m.content, m.speaker)
                used += cost
                collections["dialogueExamples"].messages.extend(block_msgs)
            else:
                overflow = True
                dropped.extend(_section(m) for m in block_msgs)

    ordered: list[_Msg] = []
    for entry in entries:
        ordered.extend(m for m in collections[entry.identifier].messages if m.content)
    raw = [m.as_dict() for m in ordered]
    final = convert(raw, converter, char_name=inputs.name2, user_name=inputs.name1)
    sections = [_section(m) for m in ordered]
    total = sum(s.tokens for s in sections) + REPLY_PRIMING
    return AssembledPrompt(
        mode="chat",
        sections=sections,
        messages=final,
        token_total=total,
        token_method=counter.method,
        token_exact=counter.exact,
        max_context=max_context,
        max_tokens=max_tokens,
        dropped=dropped,
    )


def _relative_rank(entry: PromptEntry, rank: dict[str, int], custom_rank: int) -> int:
    if entry.identifier in rank:
        return rank[entry.identifier]
    if entry.identifier == "enhanceDefinitions":
        return custom_rank + 1
    return custom_rank


def _fits(counter: TokenCounter, msg: _Msg, used: int, budget: int) -> bool:
    msg.tokens = message_tokens(counter, msg.content, msg.speaker)
    return used + msg.tokens <= budget


def _ext_text(prompts: Sequence[ExtensionPrompt], position: int, env: Any) -> str:
    from tavo_tui.prompt.injection import combined

    return substitute(combined(prompts, position), env)


def _section(msg: _Msg) -> PromptSection:
    role: Role = "user" if msg.role == "user" else "assistant" if msg.role == "assistant" else "system"
    return PromptSection(name=msg.name, source=msg.source, role=role, content=msg.content, tokens=msg.tokens)
