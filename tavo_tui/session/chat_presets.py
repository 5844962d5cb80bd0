"""Chat-completion presets (SillyTavern "OpenAI Settings" files with prompts and prompt_order) for the fronts:
list, open for editing, save, import, export, and use in a session.

They share the OpenAI Settings folder with sampler presets, as in SillyTavern, where one such file holds both
the samplers and the prompt manager. An editor works on a `PromptManager` (prompt/prompt_manager.py):
`prompts()` in order, `set_enabled`, `move`, `edit`, `add`, `delete`, `utility()` / `set_utility`, then
`save_chat_preset`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tavo_tui.model.sampler_preset import SamplerPreset
from tavo_tui.prompt.prompt_manager import PromptItem, PromptManager, PromptManagerError
from tavo_tui.prompt.settings import ChatCompletionPreset
from tavo_tui.store import StoreError
from tavo_tui.store.files import atomic_write
from tavo_tui.store.sampler_presets import SamplerPresetStore, check_name, preset_bytes, read_json

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession
    from tavo_tui.session.context import AppContext

__all__ = [
    "PromptItem", "PromptManager", "PromptManagerError", "chat_preset_names", "export_chat_preset",
    "import_chat_preset", "open_chat_preset", "read_chat_preset_file", "save_chat_preset", "use_chat_preset",
]  # fmt: skip


def _store(ctx: AppContext) -> SamplerPresetStore:
    return SamplerPresetStore(ctx.paths.data_dir)


def _is_chat_preset(data: object) -> bool:
    return isinstance(data, dict) and ("prompts" in data or "prompt_order" in data)


def read_chat_preset_file(path: Path) -> PromptManager:
    """A SillyTavern chat-completion preset file, ready to edit."""
    data = read_json(path)
    if not _is_chat_preset(data):
        raise StoreError(f"{path} has no prompts: is it a SillyTavern chat-completion preset?")
    return PromptManager(data)


def chat_preset_names(ctx: AppContext) -> list[str]:
    """Stored OpenAI Settings presets that carry a prompt manager."""
    out = []
    for entry in _store(ctx).entries():
        if entry.format == "openai":
            try:
                if _is_chat_preset(read_json(entry.path)):
                    out.append(entry.name)
            except StoreError:
                continue
    return out


def open_chat_preset(ctx: AppContext, name_or_file: str) -> PromptManager:
    """A stored chat-completion preset by name, or a preset .json file."""
    path = Path(name_or_file).expanduser()
    if path.is_file():
        return read_chat_preset_file(path)
    entry = _store(ctx).find(f"openai/{name_or_file}")
    if entry is None:
        known = ", ".join(chat_preset_names(ctx)) or "none yet"
        raise StoreError(f"no chat-completion preset named {name_or_file!r} — stored: {known}")
    return read_chat_preset_file(entry.path)


def save_chat_preset(ctx: AppContext, name: str, manager: PromptManager) -> Path:
    """Store the (edited) preset under `name` in the OpenAI Settings folder."""
    return _store(ctx).save(SamplerPreset(name=check_name(name), format="openai", data=manager.to_sillytavern()))


def import_chat_preset(ctx: AppContext, path: Path, name: str | None = None, *, replace: bool = False) -> str:
    manager = read_chat_preset_file(path)
    target = check_name(name or path.stem)
    if _store(ctx).path(target, "openai").exists() and not replace:
        raise StoreError(f"an OpenAI Settings preset named {target!r} exists — pass another name or replace it")
    save_chat_preset(ctx, target, manager)
    return target


def export_chat_preset(ctx: AppContext, name: str, out: Path) -> None:
    """Write a stored chat-completion preset as SillyTavern reads it."""
    manager = open_chat_preset(ctx, name)
    try:
        atomic_write(out, preset_bytes(SamplerPreset(name=name, format="openai", data=manager.to_sillytavern())))
    except OSError as exc:
        raise StoreError(f"cannot write {out}: {exc.strerror}") from None


def use_chat_preset(session: ChatSession, manager: PromptManager) -> ChatCompletionPreset:
    """Use the preset's prompt manager for this session's next prompts (not stored with the chat)."""
    preset = manager.to_preset()
    session.prompt_overrides["settings"] = session.prompt_settings().model_copy(update={"chat_completion": preset})
    return preset
