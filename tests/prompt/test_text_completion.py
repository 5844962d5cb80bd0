"""Text completion details: story string, instruct variants, examples, post-history, stop strings, presets."""

from __future__ import annotations

import pytest

from tavo_tui.model import Card
from tavo_tui.prompt import (
    ContextTemplate,
    InstructTemplate,
    PresetError,
    PromptSettings,
    SystemPromptPreset,
    assemble,
    load_context,
    load_instruct,
    preset_names,
)
from tavo_tui.prompt.injection import IN_CHAT, ExtensionPrompt, inject
from tavo_tui.prompt.story import render_template
from tavo_tui.prompt.tokens import estimate_counter

from .conftest import bot, text_profile, user

SYS = "Write Bot's next reply in a fictional chat between Bot and User."


@pytest.fixture
def card() -> Card:
    return Card(name="Bot", description="DESC", first_mes="Hello.")


def run(card: Card, **kw: object) -> str:
    messages = kw.pop("messages", [bot("Hello.", "Bot"), user("Hi!")])
    return assemble(
        card,
        messages,
        user_name="User",
        profile=text_profile(),
        counter=estimate_counter(),
        **kw,  # type: ignore[arg-type]
    ).text


def test_render_template_blocks() -> None:
    template = (
        "{{#if a}}A={{a}}{{else}}no a{{/if}}|{{#unless b}}no b{{/unless}}|{{#if b}}{{#if a}}both{{/if}}{{/if}}|{{x}}"
    )
    assert render_template(template, {"a": "1", "b": ""}) == "A=1|no b||{{x}}"
    assert render_template(template, {"a": "", "b": "2"}) == "no a|||{{x}}"


def test_story_string_macros_and_unknown_fields(card: Card) -> None:
    context = ContextTemplate(
        story_string="{{char}} & {{user}}: {{description}}{{#if scenario}}!{{/if}}", example_separator="", chat_start=""
    )
    assert run(card, context=context).startswith("<|im_start|>system\nBot & User: DESC<|im_end|>\n")


def test_story_string_gets_newline_without_instruct(card: Card) -> None:
    settings = PromptSettings(instruct_enabled=False, context_name="Minimalist")
    assert run(card, settings=settings) == f"{SYS}\nDESC\nBot: Hello.\nUser: Hi!\nBot:"


def test_story_string_in_chat(card: Card) -> None:
    context = load_context("ChatML").model_copy(update={"story_string_position": 1, "story_string_depth": 1})
    text = run(card, context=context)
    assert text.startswith("<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>system\n" + SYS + "\nDESC<|im_end|>")


def test_first_and_last_variants_and_post_history(card: Card) -> None:
    template = load_instruct("ChatML").model_copy(
        update={
            "first_output_sequence": "<FIRST-OUT>",
            "last_input_sequence": "<LAST-IN>",
            "last_output_sequence": "<LAST-OUT>",
        }
    )
    sysprompt = SystemPromptPreset(content="SYS", post_history="Stay in character.")
    text = run(
        card,
        instruct=template,
        sysprompt=sysprompt,
        messages=[bot("Hello.", "Bot"), user("Hi!"), bot("Yo.", "Bot"), user("Again")],
    )
    assert text.startswith("<|im_start|>system\nSYS\nDESC<|im_end|>\n<FIRST-OUT>\nHello.<|im_end|>\n")
    # Post-history instructions are the last user turn (and get the LAST input prefix); the earlier one does not.
    assert "<|im_start|>user\nAgain<|im_end|>\n<LAST-IN>\nStay in character.<|im_end|>\n<LAST-OUT>\n" in text
    assert text.endswith("\n<LAST-OUT>\n")


def test_character_prompt_overrides_with_original(card: Card) -> None:
    card = card.model_copy(update={"system_prompt": "{{original}} Extra.", "post_history_instructions": "PHI"})
    text = run(card)
    assert text.startswith(f"<|im_start|>system\n{SYS} Extra.\nDESC")
    assert "<|im_start|>user\nPHI<|im_end|>\n<|im_start|>assistant\n" in text


def test_user_alignment_message_for_mistral(card: Card) -> None:
    text = run(card, instruct="Mistral V2 & V3")
    assert text.startswith(f"[INST] {SYS}\nDESC[/INST] Understood.</s>[INST] Let's get started.")
    assert text.endswith("[INST] Hi![/INST]")


def test_examples_names_always_and_skip(card: Card) -> None:
    card = card.model_copy(update={"mes_example": "<START>\n{{user}}: q\n{{char}}: a"})
    always = load_instruct("ChatML").model_copy(update={"names_behavior": "always"})
    assert "<|im_start|>user\nUser: q<|im_end|>\n<|im_start|>assistant\nBot: a<|im_end|>\n" in run(
        card, instruct=always
    )
    skip = load_instruct("ChatML").model_copy(update={"skip_examples": True})
    assert "DESC<|im_end|>\nUser: q\nBot: a\n<|im_start|>assistant\nHello." in run(card, instruct=skip)
    settings = PromptSettings(instruct_enabled=False, context_name="Default")
    assert run(card, settings=settings).startswith(f"{SYS}\nDESC\n***\nUser: q\nBot: a\n***\nBot: Hello.")


def test_stop_string_options(card: Card) -> None:
    context = load_context("Default").model_copy(update={"use_stop_strings": True, "single_line": True})
    settings = PromptSettings(instruct_enabled=False, custom_stopping_strings=["END {{char}}", ""])
    result = assemble(
        card,
        [bot("Hello.", "Bot")],
        user_name="User",
        profile=text_profile(),
        counter=estimate_counter(),
        settings=settings,
        context=context,
    )
    assert result.stop == ["\n", "\nUser:", "\n***", "END Bot"]


def test_names_in_sequences(card: Card) -> None:
    template = InstructTemplate(
        name="Names",
        input_sequence="<|im_start|>{{name}}",
        output_sequence="<|im_start|>{{name}}",
        input_suffix="<|im_end|>\n",
        output_suffix="<|im_end|>\n",
        names_behavior="none",
        story_string_prefix="<|im_start|>system",
        story_string_suffix="<|im_end|>\n",
    )
    result = assemble(
        card,
        [bot("Hello.", "Bot"), user("Hi!")],
        user_name="User",
        profile=text_profile(),
        counter=estimate_counter(),
        instruct=template,
        context=load_context("ChatML"),
    )
    assert "<|im_start|>Bot\nHello.<|im_end|>\n<|im_start|>User\nHi!<|im_end|>\n<|im_start|>Bot\n" in result.text
    assert "\n<|im_start|>User" in result.stop


@pytest.mark.parametrize("name", preset_names("instruct"))
def test_every_shipped_instruct_preset_assembles(card: Card, name: str) -> None:
    template = load_instruct(name)
    assert template.name == name
    result = assemble(
        card,
        [bot("Hello.", "Bot"), user("Hi!")],
        user_name="User",
        profile=text_profile(instruct=name),
        counter=estimate_counter(),
    )
    assert "Hi!" in result.text and "DESC" in result.text
    assert result.text.index("DESC") < result.text.index("Hello.") < result.text.index("Hi!")
    if template.stop_sequence:
        assert any(template.stop_sequence in s for s in result.stop)


def test_preset_lookup_is_forgiving_and_errors_clearly() -> None:
    assert load_instruct("llama3").name == "Llama 3 Instruct"
    assert load_instruct("mistral v7").name == "Mistral V7"
    assert load_context("chatml").name == "ChatML"
    with pytest.raises(PresetError, match="unknown instruct preset 'nope'"):
        load_instruct("nope")


def test_depth_injection_order() -> None:
    history = ["m1", "m2", "m3"]
    prompts = [
        ExtensionPrompt("a", "sys0", IN_CHAT, 0, 0),
        ExtensionPrompt("b", "usr0", IN_CHAT, 0, 1),
        ExtensionPrompt("c", "ast0", IN_CHAT, 0, 2),
        ExtensionPrompt("d2", "second", IN_CHAT, 1, 0),
        ExtensionPrompt("d1", "first", IN_CHAT, 1, 0),
        ExtensionPrompt("deep", "top", IN_CHAT, 99, 0),
    ]
    out, injected = inject(history, prompts, lambda role, text, p: f"[{text}]")
    assert out == ["[top]", "m1", "m2", "[first\nsecond]", "m3", "[ast0]", "[usr0]", "[sys0]"]
    assert injected == {0, 3, 5, 6, 7}


def test_unknown_template_names_fall_back_with_notes(card: Card) -> None:
    settings = PromptSettings(context_name="nope-context", sysprompt_name="nope-sys")
    result = assemble(
        card,
        [bot("Hello.", "Bot"), user("Hi!")],
        user_name="User",
        profile=text_profile(instruct="nope-instruct"),
        counter=estimate_counter(),
        settings=settings,
    )
    assert result.text.startswith(f"<|im_start|>system\n{SYS}\nDESC<|im_end|>")
    assert any("unknown instruct template 'nope-instruct'" in n for n in result.notes)
    assert any("unknown context template 'nope-context'" in n for n in result.notes)
    assert any("unknown system prompt 'nope-sys'" in n for n in result.notes)


def test_character_messages_use_the_current_name(card: Card) -> None:
    settings = PromptSettings(instruct_enabled=False, context_name="Minimalist")
    messages = [bot("Hello.", "Old Name"), user("Hi!")]
    assert run(card, settings=settings, messages=messages).endswith("Bot: Hello.\nUser: Hi!\nBot:")
