"""Sessions for scripted, one-shot runs (`tavo-tui prompt` / `send`): a history given on the command line or in a
SillyTavern file, and prompt inputs that win over the chat's and the connection's for this run only.

The command line only parses words into `RunInputs`; reading lorebooks, presets and chat files and turning them
into prompt inputs is the session's work, so the front never reaches into `prompt` or `store`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tavo_tui.store import StoreError

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession
    from tavo_tui.session.context import AppContext


@dataclass(frozen=True)
class RunInputs:
    """This run's prompt inputs; None (or empty) leaves the chat's or the connection's own value."""

    persona: str | None = None
    author_note: str | None = None
    author_note_depth: int = 4
    lorebooks: Sequence[Path] = field(default_factory=tuple)
    instruct: str | None = None  # a shipped name or a SillyTavern instruct preset .json
    context: str | None = None  # a shipped name or a SillyTavern context preset .json
    sysprompt: str | None = None  # a system-prompt preset name (yours or shipped) or a SillyTavern .json
    preset: Path | None = None  # a SillyTavern chat-completion preset .json
    converter: str | None = None
    max_context: int | None = None
    max_tokens: int | None = None
    mode: str | None = None
    sampler_preset: str | None = None  # a stored sampler preset's name, or a SillyTavern preset .json
    regex: Sequence[Path] = field(default_factory=tuple)  # SillyTavern regex-script files, run after the global ones


def add_history(session: ChatSession, texts: Sequence[str]) -> None:
    """Append `texts` as alternating turns: you, the character, you, ... (kept in memory, not saved)."""
    from tavo_tui.session.core import make_message

    for index, text in enumerate(texts):
        if index % 2 == 0:
            session.add_user_message(text)
        else:
            session.messages.append(make_message(session.card.name, text, is_user=False))


def open_chat_file(ctx: AppContext, chat_file: Path, card: Path, connection: str | None, *,
                   keep_user: bool) -> ChatSession:
    """A session over a SillyTavern chat file's messages (or another tool's export), never written back.

    `keep_user` False puts this run's user name (--user) in place of the file's."""
    from tavo_tui.session.chat_session import ChatSession
    from tavo_tui.store.chats import parse_chat
    from tavo_tui.store.interchange import read_import_lines

    source = str(chat_file)
    chat = parse_chat(b"\n".join(read_import_lines(chat_file.read_bytes(), source)).decode(), source)
    if not keep_user:
        chat.header.user_name = ctx.user_name
    profile = ctx.profiles.get(connection or ctx.profiles.default_name)
    return ChatSession(ctx, ctx.load_card(card), card, chat, profile, persist=False)


def read_lorebook(path: Path) -> dict[str, Any]:
    """A SillyTavern world-info file, checked enough to say clearly when it is something else."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise StoreError(f"cannot read lorebook {path}: {exc.strerror}") from None
    except ValueError:
        raise StoreError(f"lorebook {path} is not valid JSON") from None
    if not isinstance(data, dict) or "entries" not in data:
        raise StoreError(f"lorebook {path} has no \"entries\": is it a SillyTavern world-info file?")
    return data


def apply_inputs(session: ChatSession, inputs: RunInputs) -> None:
    """Apply this run's inputs to `session`: prompt overrides, and a changed copy of its profile."""
    from tavo_tui.prompt.preset_import import load_chat_preset
    from tavo_tui.prompt.settings import AuthorsNote
    from tavo_tui.prompt.templates import PresetError
    from tavo_tui.session.presets import get_context, get_instruct, get_sysprompt

    overrides: dict[str, Any] = {}
    if inputs.persona is not None:
        overrides["persona"] = inputs.persona
    if inputs.author_note is not None:
        overrides["authors_note"] = AuthorsNote(prompt=inputs.author_note, depth=inputs.author_note_depth)
    books = [read_lorebook(path) for path in inputs.lorebooks]
    if books:
        overrides["extra_lorebooks"] = books
    try:
        if inputs.preset is not None and not inputs.preset.is_file() and inputs.preset.suffix != ".json":
            from tavo_tui.session.chat_presets import open_chat_preset

            # Not a file: a chat-completion preset stored with `tavo-tui chat-preset import`.
            preset = open_chat_preset(session.ctx, str(inputs.preset)).to_preset()
            overrides["settings"] = session.prompt_settings().model_copy(update={"chat_completion": preset})
        elif inputs.preset is not None:
            preset = load_chat_preset(inputs.preset)
            overrides["settings"] = session.prompt_settings().model_copy(update={"chat_completion": preset})
        if inputs.instruct and inputs.instruct.strip().lower() != "auto":
            overrides["instruct"] = get_instruct(session.ctx, inputs.instruct)
        if inputs.context:
            overrides["context"] = get_context(session.ctx, inputs.context)
        if inputs.sysprompt:
            overrides["sysprompt"] = get_sysprompt(session.ctx, inputs.sysprompt)
    except PresetError as exc:
        raise StoreError(str(exc)) from None
    session.prompt_overrides.update(overrides)
    if inputs.sampler_preset:
        # Before the flags below, so --max-context / --max-tokens win over the preset's lengths.
        from tavo_tui.session.sampler_presets import apply_preset, resolve_preset

        samplers = resolve_preset(session.ctx, inputs.sampler_preset, session.profile)
        session.use_profile(apply_preset(session.profile, samplers))
    if inputs.regex:
        from tavo_tui.store.regex_scripts import read_script_file

        session.extra_regex = tuple(s for path in inputs.regex for s in read_script_file(path))
    changes: dict[str, Any] = {
        name: value
        for name, value in (("converter", inputs.converter), ("max_context", inputs.max_context),
                            ("max_tokens", inputs.max_tokens), ("mode", inputs.mode))
        if value is not None
    }
    if inputs.instruct and "instruct" not in changes:
        # A preset file's template is an override above; the profile keeps naming its own.
        changes["instruct"] = inputs.instruct if not inputs.instruct.endswith(".json") else session.profile.instruct
    if changes:
        session.use_profile(session.profile.model_copy(update=changes))
