"""The TUI editors' service side: the card, the prompt manager, the text-completion templates, kept and applied.

Thin on purpose: the presets service (instruct/context/sysprompt presets) may take the stored settings over; the
editors only need "what is in use now" and "use this from the next prompt on, and keep it".

Prompt settings and instruct option overrides live in the config dir's `prompt_settings.json`
(`{"settings": PromptSettings, "instruct_overrides": {field: value}}`); the card goes back to its own file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tavo_tui.model import Card
from tavo_tui.prompt.settings import ChatCompletionPreset, PromptEntry, PromptSettings
from tavo_tui.prompt.templates import InstructTemplate, PresetError, load_instruct, preset_names
from tavo_tui.store.files import atomic_write

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession
    from tavo_tui.session.context import AppContext

__all__ = [
    "INSTRUCT_OPTIONS",
    "ChatCompletionPreset",
    "InstructTemplate",
    "PresetError",
    "PromptEntry",
    "PromptSettings",
    "WorkshopError",
    "apply_instruct",
    "apply_settings",
    "current_instruct",
    "current_settings",
    "load_instruct",
    "preset_names",
    "save_card",
    "use_saved_settings",
]

SETTINGS_FILE = "prompt_settings.json"
# The instruct template's fields the template editor offers (SillyTavern's most changed ones).
INSTRUCT_OPTIONS: tuple[str, ...] = (
    "names_behavior", "wrap", "macro", "first_output_sequence", "last_output_sequence", "first_input_sequence",
    "last_input_sequence", "stop_sequence", "sequences_as_stop_strings",
)


class WorkshopError(Exception):
    """An edit could not be applied or kept; the message is one line for the user."""


def settings_path(ctx: AppContext) -> Path:
    return ctx.paths.config_dir / SETTINGS_FILE


def _read(ctx: AppContext) -> dict[str, Any]:
    try:
        data = json.loads(settings_path(ctx).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(ctx: AppContext, data: dict[str, Any]) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    try:
        atomic_write(settings_path(ctx), text.encode("utf-8"))
    except OSError as exc:
        raise WorkshopError(f"cannot write {settings_path(ctx)}: {exc.strerror or exc}") from None


def load_settings(ctx: AppContext) -> PromptSettings | None:
    """The prompt settings kept by the editors, or None (none kept, or a damaged file: the defaults apply)."""
    raw = _read(ctx).get("settings")
    if not isinstance(raw, dict):
        return None
    try:
        return PromptSettings.model_validate(raw)
    except ValidationError:
        return None


def load_instruct_overrides(ctx: AppContext) -> dict[str, Any]:
    raw = _read(ctx).get("instruct_overrides")
    return {k: v for k, v in raw.items() if k in INSTRUCT_OPTIONS} if isinstance(raw, dict) else {}


def use_saved_settings(session: ChatSession) -> None:
    """Give a newly opened session the settings and instruct options the editors kept."""
    if session.settings is None:
        session.settings = load_settings(session.ctx)
    overrides = load_instruct_overrides(session.ctx)
    if overrides and "instruct" not in session.prompt_overrides:
        template = _instruct_with(session.profile.instruct, overrides)
        if template is not None:
            session.prompt_overrides["instruct"] = template


def current_settings(session: ChatSession) -> PromptSettings:
    """The settings the session builds prompts with (a copy: edit it, then `apply_settings`)."""
    return (session.settings or PromptSettings()).model_copy(deep=True)


def apply_settings(session: ChatSession, settings: PromptSettings) -> None:
    """Use `settings` from the next prompt on and keep them for the next start. Raises WorkshopError."""
    session.settings = settings
    data = _read(session.ctx)
    data["settings"] = settings.model_dump(mode="json")
    _write(session.ctx, data)


def apply_prompts(session: ChatSession, prompts: list[PromptEntry]) -> None:
    """The prompt manager's list (order, enabled, contents) into the chat-completion preset in use."""
    settings = current_settings(session)
    settings.chat_completion = settings.chat_completion.model_copy(update={"prompts": prompts})
    apply_settings(session, settings)


def _instruct_with(name: str, overrides: dict[str, Any]) -> InstructTemplate | None:
    try:
        base = load_instruct(name)
    except PresetError:
        return None
    try:
        return InstructTemplate.model_validate({**base.model_dump(), **overrides})
    except ValidationError:
        return None


def current_instruct(session: ChatSession) -> InstructTemplate:
    """The instruct template the next text-completion prompt uses (with the edited options)."""
    override = session.prompt_overrides.get("instruct")
    if isinstance(override, InstructTemplate):
        return override.model_copy()
    try:
        return load_instruct(session.profile.instruct)
    except PresetError:
        return InstructTemplate(name=session.profile.instruct)


def apply_instruct(session: ChatSession, name: str, options: dict[str, Any]) -> InstructTemplate:
    """Use instruct template `name` (saved in the connection profile) with `options` changed from it."""
    options = {k: v for k, v in options.items() if k in INSTRUCT_OPTIONS}
    template = _instruct_with(name, options)
    if template is None:
        raise WorkshopError(f"unknown instruct template {name!r} or invalid options")
    base = load_instruct(name)
    changed = {k: v for k, v in options.items() if getattr(base, k) != v}
    if name != session.profile.instruct:
        profile = session.profile.model_copy(update={"instruct": name})
        if not session.is_demo and name in preset_names("instruct"):
            try:
                session.ctx.profiles.save(profile)
            except Exception as exc:  # the store's own error types: keep the edit in memory, say why
                raise WorkshopError(f"cannot save the connection: {exc}") from None
        session.use_profile(profile)
    session.prompt_overrides["instruct"] = template
    data = _read(session.ctx)
    data["instruct_overrides"] = changed
    _write(session.ctx, data)
    return template


def save_card(session: ChatSession, card: Card) -> Path:
    """Save the open chat's card to its file and use it from the next prompt on. Raises LibraryError."""
    from tavo_tui.session.library import save_card as save_to_file

    target = save_to_file(session.ctx, session.card_path, card)
    # A format we cannot write went to a new PNG: the chat stays with the card file it was opened from.
    session.card = card
    return target
