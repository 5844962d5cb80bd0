"""Instruct, context and system-prompt templates (SillyTavern's preset shapes) and their shipped data files."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

DEFAULT_STORY_STRING = (
    "{{#if anchorBefore}}{{anchorBefore}}\n{{/if}}"
    "{{#if system}}{{system}}\n{{/if}}"
    "{{#if wiBefore}}{{wiBefore}}\n{{/if}}"
    "{{#if description}}{{description}}\n{{/if}}"
    "{{#if personality}}{{personality}}\n{{/if}}"
    "{{#if scenario}}{{scenario}}\n{{/if}}"
    "{{#if wiAfter}}{{wiAfter}}\n{{/if}}"
    "{{#if persona}}{{persona}}\n{{/if}}"
    "{{#if anchorAfter}}{{anchorAfter}}\n{{/if}}"
    "{{trim}}"
)

NamesBehavior = Literal["none", "force", "always"]


class InstructTemplate(BaseModel):
    """An instruct-mode template. Field names and defaults follow SillyTavern's power_user.instruct."""

    model_config = ConfigDict(extra="ignore")

    name: str = ""
    enabled: bool = True
    input_sequence: str = "### Instruction:"
    input_suffix: str = ""
    output_sequence: str = "### Response:"
    output_suffix: str = ""
    system_sequence: str = ""
    system_suffix: str = ""
    first_output_sequence: str = ""
    last_output_sequence: str = ""
    first_input_sequence: str = ""
    last_input_sequence: str = ""
    last_system_sequence: str = ""
    story_string_prefix: str = ""
    story_string_suffix: str = ""
    stop_sequence: str = ""
    wrap: bool = True
    macro: bool = True
    names_behavior: NamesBehavior = "force"
    system_same_as_user: bool = False
    user_alignment_message: str = ""
    skip_examples: bool = False
    sequences_as_stop_strings: bool = True
    activation_regex: str = ""

    @classmethod
    def from_sillytavern(cls, data: dict[str, Any]) -> InstructTemplate:
        """Accept old preset files too (separator_sequence, boolean names flags)."""
        data = dict(data)
        if "separator_sequence" in data and "output_suffix" not in data:
            data["output_suffix"] = data.pop("separator_sequence")
        if "names_behavior" not in data and ("names" in data or "names_force_groups" in data):
            if data.get("names"):
                data["names_behavior"] = "always"
            else:
                data["names_behavior"] = "force" if data.get("names_force_groups", True) else "none"
        return cls.model_validate(data)


class ContextTemplate(BaseModel):
    """A context template (story string and separators)."""

    model_config = ConfigDict(extra="ignore")

    name: str = ""
    story_string: str = DEFAULT_STORY_STRING
    example_separator: str = "***"
    chat_start: str = "***"
    use_stop_strings: bool = True
    names_as_stop_strings: bool = True
    story_string_position: int = 0
    story_string_depth: int = 1
    story_string_role: int = 0
    always_force_name2: bool = True
    trim_sentences: bool = False
    single_line: bool = False


class SystemPromptPreset(BaseModel):
    """A system-prompt preset: main content plus text-completion post-history instructions."""

    model_config = ConfigDict(extra="ignore")

    name: str = "Neutral - Chat"
    content: str = "Write {{char}}'s next reply in a fictional chat between {{char}} and {{user}}."
    post_history: str = ""
    enabled: bool = True


class PresetError(ValueError):
    """A preset name that is not shipped, or a preset file that does not parse."""


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


@lru_cache(maxsize=4)
def _index(kind: str) -> dict[str, str]:
    """Map of slugged preset name -> file name for one preset folder."""
    folder = resources.files("tavo_tui.prompt").joinpath("presets", kind)
    table: dict[str, str] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            table[_slug(entry.name[: -len(".json")])] = entry.name
    return table


# Short names people type for the shipped instruct/context templates.
_ALIASES = {
    "llama3": "llama3instruct",
    "llama": "llama3instruct",
    "mistral": "mistralv2v3",
    "mistralv3": "mistralv2v3",
    "mistralv2": "mistralv2v3",
    "tekken": "mistralv7tekken",
    "gemma": "gemma2",
    "phi3": "phi",
    "vicuna": "vicuna11",
    "deepseek": "deepseekv25",
    "glm4": "glm4",
    "commandr": "commandr",
    "llama2": "llama2chat",
    "pygmalion": "metharme",
}


def _lookup(kind: str, name: str) -> str | None:
    table = _index(kind)
    slug = _slug(name)
    return table.get(slug) or table.get(_ALIASES.get(slug, ""))


def _load_json(kind: str, name: str) -> dict[str, Any]:
    file_name = _lookup(kind, name)
    if file_name is None:
        known = ", ".join(sorted(preset_names(kind)))
        raise PresetError(f"unknown {kind} preset {name!r} (known: {known})")
    text = resources.files("tavo_tui.prompt").joinpath("presets", kind, file_name).read_text("utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PresetError(f"{kind} preset {file_name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PresetError(f"{kind} preset {file_name} is not a JSON object")
    return data


def preset_names(kind: Literal["instruct", "context", "sysprompt"] | str) -> list[str]:
    """Display names of the shipped presets of one kind."""
    return sorted(name[: -len(".json")] for name in _index(kind).values())


@lru_cache(maxsize=64)
def load_instruct(name: str) -> InstructTemplate:
    """A shipped instruct template by name (case and punctuation insensitive: "chatml" finds "ChatML")."""
    try:
        return InstructTemplate.from_sillytavern(_load_json("instruct", name))
    except ValidationError as exc:
        raise PresetError(f"instruct preset {name!r} is invalid: {exc}") from exc


@lru_cache(maxsize=64)
def load_context(name: str) -> ContextTemplate:
    """A shipped context template; names without a context file of their own get the default story string."""
    try:
        return ContextTemplate.model_validate(_load_json("context", name))
    except ValidationError as exc:
        raise PresetError(f"context preset {name!r} is invalid: {exc}") from exc


def _read_preset_file(path: Path, kind: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise PresetError(f"cannot read {kind} preset {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise PresetError(f"{kind} preset {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PresetError(f"{kind} preset {path} is not a JSON object")
    return data


def instruct_from(name_or_path: str) -> InstructTemplate:
    """A shipped instruct template by name, or a SillyTavern instruct preset file imported as is."""
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            return InstructTemplate.from_sillytavern(_read_preset_file(path, "instruct"))
        except ValidationError as exc:
            raise PresetError(f"instruct preset {path} is invalid: {exc}") from None
    return load_instruct(name_or_path)


def context_from(name_or_path: str) -> ContextTemplate:
    """A shipped context template by name, or a SillyTavern context preset file imported as is."""
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            return ContextTemplate.model_validate(_read_preset_file(path, "context"))
        except ValidationError as exc:
            raise PresetError(f"context preset {path} is invalid: {exc}") from None
    return load_context(name_or_path)


def context_for_instruct(name: str) -> ContextTemplate:
    """The context template paired with an instruct template of the same name, else an empty-separator one."""
    if _lookup("context", name) is not None:
        return load_context(name)
    return ContextTemplate(name=name, example_separator="", chat_start="", use_stop_strings=False)


@lru_cache(maxsize=16)
def load_sysprompt(name: str) -> SystemPromptPreset:
    try:
        return SystemPromptPreset.model_validate(_load_json("sysprompt", name))
    except ValidationError as exc:
        raise PresetError(f"system prompt preset {name!r} is invalid: {exc}") from exc


PresetKind = Literal["instruct", "context", "sysprompt"]
PRESET_KINDS: tuple[PresetKind, ...] = ("instruct", "context", "sysprompt")
AnyTemplate = InstructTemplate | ContextTemplate | SystemPromptPreset


def preset_kind(data: dict[str, Any]) -> PresetKind | None:
    """Which kind of SillyTavern preset a parsed JSON object is, by the fields only that kind has."""
    if "input_sequence" in data or "output_sequence" in data:
        return "instruct"
    if "story_string" in data:
        return "context"
    if isinstance(data.get("content"), str) and "prompts" not in data:
        return "sysprompt"
    return None


def parse_preset(kind: str, data: dict[str, Any]) -> AnyTemplate:
    """A SillyTavern preset object of `kind` as our model (old instruct shapes migrated)."""
    try:
        if kind == "instruct":
            return InstructTemplate.from_sillytavern(data)
        if kind == "context":
            return ContextTemplate.model_validate(data)
        if kind == "sysprompt":
            return SystemPromptPreset.model_validate(data)
    except ValidationError as exc:
        raise PresetError(f"{kind} preset {data.get('name')!r} is invalid: {str(exc).splitlines()[0]}") from None
    raise PresetError(f"unknown preset kind {kind!r} (one of {', '.join(PRESET_KINDS)})")


def load_shipped(kind: str, name: str) -> AnyTemplate:
    """A shipped preset of any kind by name."""
    if kind == "instruct":
        return load_instruct(name)
    if kind == "context":
        return load_context(name)
    if kind == "sysprompt":
        return load_sysprompt(name)
    raise PresetError(f"unknown preset kind {kind!r} (one of {', '.join(PRESET_KINDS)})")

