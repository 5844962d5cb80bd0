"""The prompt engine: SillyTavern-compatible prompt assembly and token counting (pure, no I/O but preset data).

Entry point `assemble()` (assemble.py). Shared steps: inputs.py (card fields, participating messages), macros.py,
lorebook.py + worldinfo.py + timed.py (world info), injection.py (extension prompts at depth), common.py.
Chat completion: chat_completion.py (prompt manager order, budget) then converters.py (post-processing).
Text completion: text_completion.py with story.py (story string), instruct.py, examples.py and the preset data
files in presets/ (templates.py loads them). tokens.py counts tokens offline; cache.py memoises per session.
"""

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
