"""The templates and system prompts we ship equal SillyTavern 1.18.0's files of the same name, field by field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tavo_tui.model import Card, Message
from tavo_tui.prompt import assemble
from tavo_tui.prompt.settings import PromptSettings
from tavo_tui.prompt.templates import (
    ContextTemplate,
    InstructTemplate,
    SystemPromptPreset,
    context_for_instruct,
    load_context,
    load_instruct,
    load_sysprompt,
    preset_names,
)
from tavo_tui.prompt.tokens import TokenCounter

from .conftest import text_profile

KINDS = ("instruct", "context", "sysprompt")
_MODELS: dict[str, type[InstructTemplate | ContextTemplate | SystemPromptPreset]] = {
    "instruct": InstructTemplate, "context": ContextTemplate, "sysprompt": SystemPromptPreset,
}


def st_files(reference: Path, kind: str) -> dict[str, dict[str, Any]]:
    folder = reference / "st-presets" / kind
    return {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))}


def shipped(kind: str, name: str) -> dict[str, Any]:
    loaders = {"instruct": load_instruct, "context": load_context, "sysprompt": load_sysprompt}
    return loaders[kind](name).model_dump()


@pytest.mark.parametrize("kind", KINDS)
def test_every_sillytavern_preset_name_is_shipped(reference: Path, kind: str) -> None:
    names = set(st_files(reference, kind))
    assert len(names) == {"instruct": 38, "context": 34, "sysprompt": 13}[kind]
    assert names <= set(preset_names(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_presets_equal_sillytavern_field_by_field(reference: Path, kind: str) -> None:
    differences = []
    for name, st in st_files(reference, kind).items():
        ours = shipped(kind, name)
        assert set(st) <= set(_MODELS[kind].model_fields), f"{kind} {name}: a SillyTavern field we do not model"
        differences += [f"{kind} {name}.{key}: ours {ours[key]!r}, SillyTavern {value!r}"
                        for key, value in st.items() if ours[key] != value]
    assert differences == []


def test_name_lookup_is_forgiving_and_aliases_still_work() -> None:
    assert load_instruct("openai harmony (thinking)").name == "OpenAI Harmony (Thinking)"
    assert load_instruct("mistral-v3-tekken").name == "Mistral V3-Tekken"
    assert load_instruct("phi3").name == "Phi"
    assert load_context("llama 4 instruct").name == "Llama 4 Instruct"
    assert load_sysprompt("roleplay immersive").name == "Roleplay - Immersive"


def test_instruct_without_a_context_of_its_own_gets_empty_separators() -> None:
    koala = context_for_instruct("Koala")
    assert (koala.example_separator, koala.chat_start, koala.use_stop_strings) == ("", "", False)
    assert context_for_instruct("Gemma 4").name == "Gemma 4"


def _capture(reference: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((reference / "st-golden" / "C_tc_llamacpp_chatml_turn2.json").read_text("utf-8"))
    return data


def test_golden_text_capture_with_every_template_chosen_by_name(
    reference: Path, seraphina: Card, counter: TokenCounter
) -> None:
    """SillyTavern's capture, with instruct, context and system prompt all chosen by name."""
    capture = _capture(reference)
    chat = [Message.model_validate(m) for m in capture["chat_before_request"]]
    settings = PromptSettings(sysprompt_name="Neutral - Chat", context_name="ChatML")
    result = assemble(seraphina, chat, user_name=capture["name1"], profile=text_profile(instruct="chatml"),
                      counter=counter, settings=settings)
    assert result.text == capture["body"]["prompt"]
    assert result.stop == capture["body"]["stop"]


def test_each_named_template_builds_the_prompt_sillytaverns_file_builds(
    reference: Path, seraphina: Card, counter: TokenCounter
) -> None:
    """The golden chat through every instruct template: by name, and from SillyTavern's own files, alike."""
    capture = _capture(reference)
    chat = [Message.model_validate(m) for m in capture["chat_before_request"]]
    contexts = st_files(reference, "context")
    mismatched = []
    for name, st in st_files(reference, "instruct").items():
        st_context = (ContextTemplate.model_validate(contexts[name]) if name in contexts
                      else context_for_instruct(name))
        by_name = assemble(seraphina, chat, user_name="Tester", profile=text_profile(instruct=name), counter=counter)
        by_file = assemble(seraphina, chat, user_name="Tester", profile=text_profile(instruct=name), counter=counter,
                           instruct=InstructTemplate.from_sillytavern(st), context=st_context)
        if (by_name.text, by_name.stop) != (by_file.text, by_file.stop):
            mismatched.append(name)
        assert not any(n.startswith("unknown") for n in by_name.notes), name
    assert mismatched == []
