"""The prompt engine: SillyTavern-compatible prompt assembly and token counting (pure, no I/O but preset data)."""

from tavo_tui.prompt.assemble import assemble
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
