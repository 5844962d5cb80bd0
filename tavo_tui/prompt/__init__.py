"""The prompt engine: SillyTavern-compatible prompt assembly and token counting (pure, no I/O but preset data).

Entry point `assemble()` (assembly.py). Shared steps: inputs.py (card fields, participating messages), macros.py,
lorebook.py + worldinfo.py + timed.py (world info), injection.py (extension prompts at depth), common.py.
Chat completion: chat_completion.py (prompt manager order, budget) then converters.py (post-processing).
Text completion: text_completion.py with story.py (story string), instruct.py, examples.py and the preset data
files in presets/ (templates.py loads them). tokens.py counts tokens offline; cache.py memoises per session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tavo_tui.lazy import lazy_exports

if TYPE_CHECKING:
    from tavo_tui.prompt.assembly import assemble
    from tavo_tui.prompt.converters import CONVERTERS, convert
    from tavo_tui.prompt.macros import MacroEnv, substitute
    from tavo_tui.prompt.settings import (
        AuthorsNote,
        ChatCompletionPreset,
        PromptEntry,
        PromptSettings,
        WorldInfoSettings,
    )
    from tavo_tui.prompt.templates import (
        ContextTemplate,
        InstructTemplate,
        PresetError,
        SystemPromptPreset,
        load_context,
        load_instruct,
        load_sysprompt,
        preset_names,
    )
    from tavo_tui.prompt.tokens import TokenCounter, counter_for_encoding, counter_for_model, estimate_counter

_HOMES = {
    "AuthorsNote": "settings",
    "CONVERTERS": "converters",
    "ChatCompletionPreset": "settings",
    "ContextTemplate": "templates",
    "InstructTemplate": "templates",
    "MacroEnv": "macros",
    "PresetError": "templates",
    "PromptEntry": "settings",
    "PromptSettings": "settings",
    "SystemPromptPreset": "templates",
    "TokenCounter": "tokens",
    "WorldInfoSettings": "settings",
    "assemble": "assembly",
    "convert": "converters",
    "counter_for_encoding": "tokens",
    "counter_for_model": "tokens",
    "estimate_counter": "tokens",
    "load_context": "templates",
    "load_instruct": "templates",
    "load_sysprompt": "templates",
    "preset_names": "templates",
    "substitute": "macros",
}

__all__ = [
    "CONVERTERS",
    "AuthorsNote",
    "ChatCompletionPreset",
    "ContextTemplate",
    "InstructTemplate",
    "MacroEnv",
    "PresetError",
    "PromptEntry",
    "PromptSettings",
    "SystemPromptPreset",
    "TokenCounter",
    "WorldInfoSettings",
    "assemble",
    "convert",
    "counter_for_encoding",
    "counter_for_model",
    "estimate_counter",
    "load_context",
    "load_instruct",
    "load_sysprompt",
    "preset_names",
    "substitute",
]

__getattr__ = lazy_exports(__name__, _HOMES)
