"""Prompt-building settings beyond the connection profile (SillyTavern defaults for a new install)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant"]

DEFAULT_MAIN_PROMPT = "Write {{char}}'s next reply in a fictional chat between {{char}} and {{user}}."
DEFAULT_ENHANCE = (
    "If you have more knowledge of {{char}}, add to the character's lore and personality to enhance them but keep "
    "the Character Sheet's definitions absolute."
)
DEFAULT_IMPERSONATION = (
    "[Write your next reply from the point of view of {{user}}, using the chat history so far as a guideline for "
    "the writing style of {{user}}. Don't write as {{char}} or system. Don't describe actions of {{char}}.]"
)
PLACEHOLDER = "[Start a new chat]"


class PromptEntry(BaseModel):
    """One prompt-manager prompt. Markers are filled by the assembler; text prompts carry `content`."""

    model_config = ConfigDict(extra="ignore")

    identifier: str
    name: str = ""
    role: Role = "system"
    content: str = ""
    system_prompt: bool = True
    marker: bool = False
    injection_position: int = 0
    injection_depth: int = 4
    injection_order: int = 100
    injection_trigger: list[str] = Field(default_factory=list)
    forbid_overrides: bool = False
    enabled: bool = True


def default_prompts() -> list[PromptEntry]:
    """SillyTavern's default prompt order (global list) with the Default preset's contents."""
    return [
        PromptEntry(identifier="main", name="Main Prompt", content=DEFAULT_MAIN_PROMPT),
        PromptEntry(identifier="worldInfoBefore", name="World Info (before)", marker=True),
        PromptEntry(identifier="personaDescription", name="Persona Description", marker=True),
        PromptEntry(identifier="charDescription", name="Char Description", marker=True),
        PromptEntry(identifier="charPersonality", name="Char Personality", marker=True),
        PromptEntry(identifier="scenario", name="Scenario", marker=True),
        PromptEntry(
            identifier="enhanceDefinitions", name="Enhance Definitions", content=DEFAULT_ENHANCE, enabled=False
        ),
        PromptEntry(identifier="nsfw", name="Auxiliary Prompt", content=""),
        PromptEntry(identifier="worldInfoAfter", name="World Info (after)", marker=True),
        PromptEntry(identifier="dialogueExamples", name="Chat Examples", marker=True),
        PromptEntry(identifier="chatHistory", name="Chat History", marker=True),
        PromptEntry(identifier="jailbreak", name="Post-History Instructions", content=""),
    ]


class ChatCompletionPreset(BaseModel):
    """The chat-completion preset: prompt manager order plus the formatting strings."""

    model_config = ConfigDict(extra="ignore")

    prompts: list[PromptEntry] = Field(default_factory=default_prompts)
    new_chat_prompt: str = "[Start a new Chat]"
    new_example_chat_prompt: str = "[Example Chat]"
    continue_nudge_prompt: str = "[Continue your last message without repeating its original content.]"
    continue_postfix: str = " "
    impersonation_prompt: str = DEFAULT_IMPERSONATION
    wi_format: str = "{0}"
    scenario_format: str = "{{scenario}}"
    personality_format: str = "{{personality}}"
    names_behavior: int = 0
    send_if_empty: str = ""
    squash_system_messages: bool = False
    pin_examples: bool = False
    # Kept with the preset (and round-tripped); SillyTavern's defaults.
    new_group_chat_prompt: str = "[Start a new group chat. Group members: {{group}}]"
    group_nudge_prompt: str = "[Write the next reply only as {{char}}.]"
    assistant_prefill: str = ""
    assistant_impersonation: str = ""
    continue_prefill: bool = False


class WorldInfoSettings(BaseModel):
    """Global world-info settings (SillyTavern's new-install defaults)."""

    model_config = ConfigDict(extra="ignore")

    depth: int = 2
    budget: int = 25
    budget_cap: int = 0
    include_names: bool = True
    recursive: bool = True
    case_sensitive: bool = False
    match_whole_words: bool = True
    max_recursion_steps: int = 0
    min_activations: int = 0
    min_activations_depth_max: int = 0
    use_group_scoring: bool = False
    # SillyTavern's world_info_character_strategy: 0 sorted evenly, 1 character lore first, 2 global lore first.
    character_strategy: int = 1
    overflow_alert: bool = False  # say so when the budget cut entries (the notes always list them)


class AuthorsNote(BaseModel):
    """The chat's Author's Note (`chat_metadata.note_*`)."""

    model_config = ConfigDict(extra="ignore")

    prompt: str = ""
    interval: int = 1
    position: int = 1  # 0 after story string, 1 in chat at depth, 2 before story string
    depth: int = 4
    role: int = 0  # 0 system, 1 user, 2 assistant

    @classmethod
    def from_chat_metadata(cls, meta: dict[str, object]) -> AuthorsNote | None:
        prompt = meta.get("note_prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            return None

        def num(key: str, default: int) -> int:
            value = meta.get(key, default)
            try:
                return int(value)  # type: ignore[call-overload]
            except (TypeError, ValueError):
                return default

        return cls(
            prompt=prompt,
            interval=num("note_interval", 1),
            position=num("note_position", 1),
            depth=num("note_depth", 4),
            role=num("note_role", 0),
        )


class PromptSettings(BaseModel):
    """Everything about prompt construction that is not in the connection profile."""

    model_config = ConfigDict(extra="ignore")

    chat_completion: ChatCompletionPreset = Field(default_factory=ChatCompletionPreset)
    world_info: WorldInfoSettings = Field(default_factory=WorldInfoSettings)
    sysprompt_name: str = "Neutral - Chat"
    sysprompt_enabled: bool = True
    context_name: str | None = None  # None: the context template paired with the instruct template
    instruct_enabled: bool = True
    prefer_character_prompt: bool = True
    prefer_character_jailbreak: bool = True
    token_padding: int = 64
    pin_examples: bool = False
    strip_examples: bool = False
    collapse_newlines: bool = False
    custom_stopping_strings: list[str] = Field(default_factory=list)
    persona_position: int = 0  # 0 in prompt, 2 top of AN, 3 bottom of AN, 4 at depth, 9 none
    persona_depth: int = 2
    persona_role: int = 0
    use_card_lorebook: bool = True
    start_reply_with: str = ""  # SillyTavern's "Start Reply With" (user_prompt_bias)
