"""Chat-completion assembly: SillyTavern's prompt manager order, budget and history fill."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tavo_tui.model import AssembledPrompt, PromptSection
from tavo_tui.prompt.common import Extensions
from tavo_tui.prompt.converters import convert
from tavo_tui.prompt.examples import parse_blocks, split_turns
from tavo_tui.prompt.injection import (
    BEFORE_PROMPT,
    IN_CHAT,
    IN_PROMPT,
    ROLE_NAMES,
    ExtensionPrompt,
    combined,
    injection_blocks,
    stream_newest_first,
)
from tavo_tui.prompt.inputs import ChatItem, PromptInputs
from tavo_tui.prompt.macros import MacroEnv, substitute
from tavo_tui.prompt.settings import PromptEntry, PromptSettings, Role
from tavo_tui.prompt.tokens import TokenCounter

# Overhead SillyTavern's tiktoken counter adds per message (role token plus framing) and for reply priming.
MESSAGE_OVERHEAD = 4
REPLY_PRIMING = 3
MANDATORY_OVERFLOW = "Mandatory prompts exceed the context size: some were left out."
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
    frozen: bool = False  # memoised history message: tokens and section never change
    cached_section: PromptSection | None = None
    origin: str = ""  # PromptSection.origin

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
    generation_type: str = "normal",
) -> AssembledPrompt:
    preset = settings.chat_completion
    env = inputs.env
    card = inputs.card
    world = ext.world
    # Disabled prompts and prompts not triggered by this generation type are left out; `main` stays (empty)
    # as the anchor for relative extension prompts.
    entries: list[PromptEntry] = [p for p in preset.prompts if _active(p, generation_type) or p.identifier == "main"]

    def text_of(entry: PromptEntry) -> str:
        if not _active(entry, generation_type):
            return ""
        content = entry.content
        if (
            entry.identifier == "main"
            and settings.prefer_character_prompt
            and card.system
            and not entry.forbid_overrides
        ):
            origins["main"] = "card.system_prompt"
            return substitute(card.system, env, original=substitute(content, env))
        if entry.identifier == "jailbreak" and settings.prefer_character_jailbreak and card.jailbreak:
            if not entry.forbid_overrides:
                origins["jailbreak"] = "card.post_history_instructions"
                return substitute(card.jailbreak, env, original=substitute(content, env))
        return substitute(content, env)

    # The card's prompts that replaced a preset prompt: the section keeps the preset's source (its slot) and
    # names the card field as where its text is edited.
    origins: dict[str, str] = {}

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
        relative.append((entry, _Msg(entry.role, content, entry.name or entry.identifier, source,
                                     origin=origins.get(entry.identifier, ""))))

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
            if msg.content:
                dropped.append(_section(msg))
            continue
        if not try_add(entry.identifier, msg):
            overflow = True
            if msg.content:
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

    # History: newest to oldest (with in-chat injections) until one does not fit. Older messages are never
    # converted, which keeps re-assembly of a long chat cheap.
    chat = inputs.chat

    def build_msg(item: ChatItem) -> _Msg:
        content, speaker = _history_message(item, inputs, preset.names_behavior)
        msg = _Msg(item.role, content, item.source, item.source, speaker=speaker)
        msg.tokens = message_tokens(counter, msg.content, msg.speaker)
        msg.frozen = True
        return msg

    msg_key = (preset.names_behavior, inputs.name1)

    lookup = counter.cache.lookup
    put = counter.cache.put

    def to_msg(item: ChatItem) -> _Msg:
        hit: _Msg | None = lookup("cc-msg", item, msg_key)
        return hit if hit is not None else put("cc-msg", item, msg_key, build_msg(item))

    # Continue: the newest message goes to the very end with a nudge; impersonate: a closing instruction.
    tail: list[_Msg] = []
    skip_newest = False
    if generation_type == "continue" and len(chat):
        last = chat[len(chat) - 1]
        text = last.text
        postfix = preset.continue_postfix
        if postfix and not text.endswith(postfix):
            text += postfix
        nudge = substitute(preset.continue_nudge_prompt, env, extra={"lastchatmessage": last.text})
        tail = [
            _Msg(last.role, text, "Continued message", last.source),
            _Msg("system", nudge, "Continue nudge", "preset.continue_nudge_prompt"),
        ]
        skip_newest = True
    elif generation_type == "impersonate":
        impersonation = substitute(preset.impersonation_prompt, env)
        tail = [_Msg("system", impersonation, "Impersonation prompt", "preset.impersonation_prompt")]
    bias = "" if generation_type in ("continue", "impersonate") else substitute(settings.start_reply_with, env)
    bias_msgs: list[_Msg] = []
    if bias:
        bias_msg = _Msg("assistant", bias, "Start reply with", "settings.start_reply_with")
        if not overflow and _fits(counter, bias_msg, used, budget):
            used += bias_msg.tokens
            bias_msgs.append(bias_msg)
    for msg in tail:
        msg.tokens = message_tokens(counter, msg.content, msg.speaker)
        used += msg.tokens

    # "Send if empty": a reply requested right after the character spoke gets this text as the user's turn.
    filler: _Msg | None = None
    if preset.send_if_empty and generation_type == "normal" and len(chat) and chat[len(chat) - 1].role == "assistant":
        filler = _Msg("user", substitute(preset.send_if_empty, env), "Send if empty", "preset.send_if_empty")

    def originals() -> Iterator[_Msg]:
        if filler is not None:
            yield filler
        items = chat.iter_newest()
        if skip_newest:
            next(items, None)
        for item in items:
            yield to_msg(item)

    def make(role: int, text: str, prompt: ExtensionPrompt) -> _Msg:
        return _Msg(ROLE_NAMES[role], text, prompt.key, f"injection.{prompt.key}")

    new_chat = _Msg("system", substitute(preset.new_chat_prompt, env), "New chat marker", "preset.new_chat_prompt")

    def fill_history() -> None:
        nonlocal used
        kept: list[_Msg] = []
        if "chatHistory" in collections:
            blocks = injection_blocks(in_chat_prompts, make)
            stream = stream_newest_first(originals(), blocks)
            marker_ok = not overflow and _fits(counter, new_chat, used, budget)
            if marker_ok:
                used += new_chat.tokens
            kept_originals = 0
            cut: _Msg | None = None
            emitted: set[int] = set()
            for injected, msg in stream:
                if injected:
                    emitted.add(id(msg))
                if not msg.content:
                    kept_originals += 0 if injected or msg is filler else 1
                    continue
                if marker_ok and _fits(counter, msg, used, budget):
                    used += msg.tokens
                    kept.append(msg)
                    kept_originals += 0 if injected or msg is filler else 1
                else:
                    cut = msg
                    break
            kept.reverse()
            if cut is not None:
                later = [m for block in blocks.values() for m in block if id(m) not in emitted and m.content]
                dropped.extend(_dropped_history(chat, len(chat) - kept_originals, cut, later))
            collections["chatHistory"].messages = ([new_chat] if marker_ok else []) + kept

    examples_full = False

    def fill_examples() -> None:
        nonlocal used, examples_full
        # Examples: whole blocks while they fit; the first block that does not fit ends them.
        if "dialogueExamples" in collections:
            example_texts = [*world.em_top, card.mes_examples, *world.em_bottom]
            example_blocks = [b for text in example_texts for b in parse_blocks(text)]
            for b_index, block in enumerate(example_blocks):
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
                if not overflow and not examples_full and used + cost <= budget:
                    for m in block_msgs:
                        m.tokens = message_tokens(counter, m.content, m.speaker)
                    used += cost
                    collections["dialogueExamples"].messages.extend(block_msgs)
                else:
                    examples_full = True
                    dropped.extend(_section(m) for m in block_msgs)

    # History has priority over examples unless examples are pinned.
    if settings.pin_examples or preset.pin_examples:
        fill_examples()
        fill_history()
    else:
        fill_history()
        fill_examples()

    ordered: list[_Msg] = []
    for entry in entries:
        ordered.extend(m for m in collections[entry.identifier].messages if m.content)
    ordered.extend(bias_msgs)
    ordered.extend(m for m in tail if m.content)
    if preset.squash_system_messages:
        ordered = _squash_system(ordered)
    raw = [m.as_dict() for m in ordered]
    if converter in ("", "none"):
        final = raw
    else:
        final = convert(raw, converter, char_name=inputs.name2, user_name=inputs.name1)
    sections = [_section(m) for m in ordered]
    total = sum(s.tokens for s in sections) + REPLY_PRIMING
    return AssembledPrompt.model_construct(
        mode="chat",
        sections=sections,
        messages=final,
        # Chat completion sends only the user's custom stopping strings.
        stop=[substitute(x, env) for x in settings.custom_stopping_strings if isinstance(x, str) and x],
        token_total=total,
        token_method=counter.method,
        token_exact=counter.exact,
        max_context=max_context,
        max_tokens=max_tokens,
        dropped=dropped,
        notes=[MANDATORY_OVERFLOW] if overflow and any(not s.source.startswith("history") for s in dropped) else [],
    )


def _active(entry: PromptEntry, generation_type: str) -> bool:
    return entry.enabled and (not entry.injection_trigger or generation_type in entry.injection_trigger)


_UNSQUASHED = ("preset.new_chat_prompt", "preset.new_example_chat_prompt")


def _squash_system(messages: list[_Msg]) -> list[_Msg]:
    """The deprecated "squash system messages" option: consecutive unnamed system messages joined by newlines."""
    out: list[_Msg] = []
    for msg in messages:
        prev = out[-1] if out else None
        mergeable = msg.role == "system" and not msg.speaker and msg.source not in _UNSQUASHED
        if prev is not None and mergeable and prev.role == "system" and not prev.speaker:
            if prev.source not in _UNSQUASHED:
                merged = _Msg("system", f"{prev.content}\n{msg.content}", prev.name, prev.source)
                merged.tokens = prev.tokens + msg.tokens
                out[-1] = merged
                continue
        out.append(msg)
    return out


def _relative_rank(entry: PromptEntry, rank: dict[str, int], custom_rank: int) -> int:
    if entry.identifier in rank:
        return rank[entry.identifier]
    if entry.identifier == "enhanceDefinitions":
        return custom_rank + 1
    return custom_rank


def _fits(counter: TokenCounter, msg: _Msg, used: int, budget: int) -> bool:
    if not msg.frozen:
        msg.tokens = message_tokens(counter, msg.content, msg.speaker)
    return used + msg.tokens <= budget


def _ext_text(prompts: Sequence[ExtensionPrompt], position: int, env: MacroEnv) -> str:
    return substitute(combined(prompts, position), env)


def _section(msg: _Msg) -> PromptSection:
    if msg.cached_section is not None:
        return msg.cached_section
    role: Role = "user" if msg.role == "user" else "assistant" if msg.role == "assistant" else "system"
    section = PromptSection.model_construct(
        name=msg.name, source=msg.source, role=role, content=msg.content, tokens=msg.tokens, origin=msg.origin
    )
    if msg.frozen:
        msg.cached_section = section
    return section


def _dropped_history(chat: Sequence[ChatItem], count: int, cut: _Msg, later: list[_Msg]) -> list[PromptSection]:
    """What the budget left out of the history: injected prompts one by one, older messages as one summary."""
    out = [_section(m) for m in later]
    if cut.source.startswith("injection."):
        out.insert(0, _section(cut))
    if count > 0:
        first = chat[0].source
        span = first if count == 1 else f"{first}..{chat[count - 1].source}"
        out.insert(
            0,
            PromptSection.model_construct(
                name=f"{count} older message{'s' if count != 1 else ''}",
                source=span,
                role="system",
                content="",
                tokens=0,
            ),
        )
    return out
