"""The prompt engine's entry point: card + chat + profile -> AssembledPrompt, the SillyTavern way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from tavo_tui.model import AssembledPrompt, Card, ConnectionProfile, Message
from tavo_tui.model.regex_script import RegexScript
from tavo_tui.prompt.chat_completion import MESSAGE_OVERHEAD, assemble_chat
from tavo_tui.prompt.common import LorebookLike, build_extensions, lorebook_entries
from tavo_tui.prompt.idle import idle_duration
from tavo_tui.prompt.inputs import build_inputs
from tavo_tui.prompt.macros import substitute
from tavo_tui.prompt.regex_scripts import prompt_regex
from tavo_tui.prompt.settings import AuthorsNote, PromptSettings
from tavo_tui.prompt.templates import (
    ContextTemplate,
    InstructTemplate,
    PresetError,
    SystemPromptPreset,
    context_for_instruct,
    load_context,
    load_instruct,
    load_sysprompt,
)
from tavo_tui.prompt.text_completion import assemble_text
from tavo_tui.prompt.timed import TimedEffects
from tavo_tui.prompt.tokens import TokenCounter
from tavo_tui.prompt.wi_index import entry_index
from tavo_tui.prompt.worldinfo import REGEX_TIMEOUT

FALLBACK_INSTRUCT = "ChatML"


def assemble(
    card: Card,
    messages: list[Message],
    *,
    user_name: str,
    profile: ConnectionProfile,
    counter: TokenCounter,
    pending_user: str | None = None,
    persona: str = "",
    settings: PromptSettings | None = None,
    lorebooks: Sequence[LorebookLike] = (),
    authors_note: AuthorsNote | None = None,
    chat_metadata: Mapping[str, Any] | None = None,
    converter: str | None = None,
    instruct: InstructTemplate | str | None = None,
    context: ContextTemplate | None = None,
    sysprompt: SystemPromptPreset | None = None,
    generation_type: str = "normal",
    regex_scripts: Sequence[RegexScript] = (),
) -> AssembledPrompt:
    """Build the prompt for the next character reply.

    `messages` is the chat so far (greeting first; hidden `is_system` messages are skipped); `pending_user` is the
    user's new message, not yet in `messages`. Chat mode yields `messages` for a chat-completion body (after the
    profile's post-processing `converter`); text mode yields `text` and `stop` using the instruct template named by
    `profile.instruct`. `generation_type` is "normal", "continue" (extend the newest message) or "impersonate"
    (write the user's next message); other values only matter to lore entries with triggers.
    Token figures use `counter` (keep one per chat: it also memoises converted messages for fast re-assembly);
    `dropped` lists what the context budget left out and `notes` says which lore fired. An unknown instruct
    template name falls back to ChatML and says so in `notes`. Lore with sticky/cooldown effects reads
    `chat_metadata["timedWorldInfo"]`; `chat_metadata_updates` holds the new value, to be stored when (and only
    when) this prompt is actually sent. `regex_scripts` are the regex-extension scripts in force (global, then
    the character's allowed ones): their prompt-only scripts rewrite history messages and world info here.
    """
    requested_sysprompt = sysprompt  # kept for a second pass (see `misjudged` below)
    settings = settings or PromptSettings()
    meta: Mapping[str, Any] = chat_metadata or {}
    if authors_note is None and meta:
        authors_note = AuthorsNote.from_chat_metadata(dict(meta))
    regex = prompt_regex(regex_scripts, generation_type)
    inputs = build_inputs(
        card,
        messages,
        user_name=user_name,
        persona=persona,
        pending_user=pending_user,
        chat_metadata=meta,
        cache=counter.cache,
        values=_runtime_macros(profile, messages),
        idle=cache(lambda: idle_duration(messages)),  # worked out only if a text uses {{idle_duration}}
        regex=regex,
    )
    entries = lorebook_entries(card, lorebooks, settings, counter.cache)
    max_prompt = max(1, profile.max_context - profile.max_tokens)
    fallback_notes: list[str] = []
    if sysprompt is None and settings.sysprompt_enabled:
        try:
            sysprompt = load_sysprompt(settings.sysprompt_name)
        except PresetError:
            sysprompt = SystemPromptPreset()
            fallback_notes.append(f"unknown system prompt {settings.sysprompt_name!r}: using {sysprompt.name}")
    if sysprompt is not None and sysprompt.enabled:
        inputs.env.values["defaultsystemprompt"] = substitute(sysprompt.content, inputs.env)
        inputs.env.values["systemprompt"] = (
            inputs.card.system
            if settings.prefer_character_prompt and inputs.card.system
            else inputs.env.values["defaultsystemprompt"]
        )
    chat_mode = profile.mode == "chat"

    def count_wi(text: str) -> int:
        # Chat completion counts lore as one system message; text completion counts the bare text.
        return counter.count(text) + (MESSAGE_OVERHEAD if chat_mode else 0)

    index = entry_index(entries, counter.cache)
    lookup = index.effect_entry if index is not None else None
    timed = TimedEffects.load(meta.get("timedWorldInfo"), entries, len(inputs.chat), lookup) if entries else None
    ext = build_extensions(
        inputs,
        entries,
        settings=settings,
        note=authors_note,
        max_prompt_tokens=max_prompt,
        count_tokens=count_wi,
        generation_type=generation_type,
        timed=timed,
        index=index,
        regex=regex,
    )
    notes = [f"world info: {e.label}" for e in ext.world.activated]
    notes += [f"world info over budget ({ext.world.budget} tokens): {e.label}" for e in ext.world.dropped_by_budget]
    if settings.world_info.overflow_alert and ext.world.dropped_by_budget:
        # SillyTavern's "alert on overflow": said first, where the inspector lists the notes, not only per entry.
        notes.insert(0, f"world-info budget overflow: {len(ext.world.dropped_by_budget)} entr"
                        f"{'y' if len(ext.world.dropped_by_budget) == 1 else 'ies'} left out "
                        f"(budget {ext.world.budget} tokens)")
    notes += [f"lorebook regex key skipped: its search ran past {REGEX_TIMEOUT * 1000:.0f} ms: {key}"
              for key in ext.world.timed_out_keys]
    if chat_mode:
        result = assemble_chat(
            inputs,
            ext,
            settings=settings,
            counter=counter,
            max_context=profile.max_context,
            max_tokens=profile.max_tokens,
            converter=converter if converter is not None else profile.converter,
            generation_type=generation_type,
        )
    else:
        template, context = _text_templates(settings, profile, instruct, context, fallback_notes)
        result = assemble_text(
            inputs,
            ext,
            settings=settings,
            template=template,
            context=context,
            sysprompt=sysprompt,
            counter=counter,
            max_context=profile.max_context,
            max_tokens=profile.max_tokens,
            generation_type=generation_type,
        )
    if inputs.chat.misjudged:
        # A damaged line was counted as a visible message; it is parsed now, so the next pass leaves it out.
        return assemble(
            card, messages, user_name=user_name, profile=profile, counter=counter, pending_user=pending_user,
            persona=persona, settings=settings, lorebooks=lorebooks, authors_note=authors_note,
            chat_metadata=chat_metadata, converter=converter, instruct=instruct, context=context,
            sysprompt=requested_sysprompt, generation_type=generation_type, regex_scripts=regex_scripts,
        )
    notes += list(inputs.chat.regex_notes) + ext.regex.notes("world info")
    result.notes = fallback_notes + notes + result.notes
    result.banned = list(inputs.env.banned)
    if timed is not None and timed.changed:
        result.chat_metadata_updates = {"timedWorldInfo": timed.as_metadata()}
    return result


def _text_templates(
    settings: PromptSettings,
    profile: ConnectionProfile,
    instruct: InstructTemplate | str | None,
    context: ContextTemplate | None,
    notes: list[str],
) -> tuple[InstructTemplate | None, ContextTemplate]:
    """The instruct and context templates for text completion; unknown names fall back with a note."""
    template: InstructTemplate | None
    if not settings.instruct_enabled:
        template = None
    elif isinstance(instruct, InstructTemplate):
        template = instruct
    else:
        wanted = instruct or profile.instruct
        try:
            template = load_instruct(wanted)
        except PresetError:
            # A profile naming a template we do not ship still gets a usable prompt, with a visible note.
            template = load_instruct(FALLBACK_INSTRUCT)
            notes.append(f"unknown instruct template {wanted!r}: using {FALLBACK_INSTRUCT}")
    if context is not None:
        return template, context
    if settings.context_name:
        try:
            return template, load_context(settings.context_name)
        except PresetError:
            notes.append(f"unknown context template {settings.context_name!r}: using the instruct template's")
    if template is not None:
        return template, context_for_instruct(template.name or profile.instruct)
    return template, load_context("Default")


def _runtime_macros(profile: ConnectionProfile, messages: list[Message]) -> dict[str, str]:
    """Runtime macros: budget figures, the model name and the last message's swipe numbers."""
    max_prompt = str(max(1, profile.max_context - profile.max_tokens))
    values = {
        "maxprompt": max_prompt,
        "maxprompttokens": max_prompt,
        "maxcontext": str(profile.max_context),
        "maxcontexttokens": str(profile.max_context),
        "maxresponse": str(profile.max_tokens),
        "maxresponsetokens": str(profile.max_tokens),
        "model": profile.model,
    }
    if messages:
        last = messages[-1]
        values["lastswipeid"] = str(len(last.swipes) if last.swipes else 1)
        values["currentswipeid"] = str((last.swipe_id or 0) + 1)
    return values
