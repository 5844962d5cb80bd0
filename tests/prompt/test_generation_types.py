"""Continue and impersonate (sillytavern.md §2.7, §3.3, §3.7, §7)."""

from __future__ import annotations

import pytest

from tavo_tui.model import Card
from tavo_tui.prompt import PromptSettings, SystemPromptPreset, assemble
from tavo_tui.prompt.tokens import estimate_counter

from .conftest import bot, chat_profile, text_profile, user

SYS = "Write Bot's next reply in a fictional chat between Bot and User."


@pytest.fixture
def card() -> Card:
    return Card(name="Bot", description="DESC", first_mes="Hello.")


def run(card: Card, kind: str, mode: str = "text", **kw: object):  # type: ignore[no-untyped-def]
    messages = kw.pop("messages", [bot("Hello.", "Bot"), user("Hi!"), bot("Well, I", "Bot")])
    profile = text_profile() if mode == "text" else chat_profile()
    return assemble(
        card, messages, user_name="User", profile=profile, counter=estimate_counter(), generation_type=kind, **kw
    )  # type: ignore[arg-type]


def test_text_continue_leaves_the_message_open(card: Card) -> None:
    result = run(card, "continue")
    assert result.text.endswith("<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\nWell, I")
    assert result.text.count("Well, I") == 1
    assert result.sections[-1].name == "continued message"


def test_text_continue_puts_post_history_before_the_message(card: Card) -> None:
    result = run(card, "continue", sysprompt=SystemPromptPreset(content="SYS", post_history="PHI"))
    assert result.text.endswith("<|im_start|>user\nPHI<|im_end|>\n<|im_start|>assistant\nWell, I")


def test_text_continue_without_instruct(card: Card) -> None:
    result = run(card, "continue", settings=PromptSettings(instruct_enabled=False, context_name="Default"))
    assert result.text == f"{SYS}\nDESC\n***\nBot: Hello.\nUser: Hi!\nBot: Well, I"


def test_text_impersonate(card: Card) -> None:
    result = run(card, "impersonate")
    assert result.text.endswith("<|im_start|>assistant\nWell, I<|im_end|>\n<|im_start|>user\n")
    assert result.stop[:2] == ["\nBot:", "\nUser:"]
    plain = run(card, "impersonate", settings=PromptSettings(instruct_enabled=False, context_name="Default"))
    assert plain.text.endswith("Bot: Well, I\nUser:")


def test_chat_continue_moves_the_message_to_the_end_with_a_nudge(card: Card) -> None:
    result = run(
        card,
        "continue",
        mode="chat",
        settings=PromptSettings(),
        messages=[bot("Hello.", "Bot"), user("Hi!"), bot("Well, I", "Bot")],
    )
    assert result.messages[-3:] == [
        {"role": "user", "content": "Hi!"},
        {"role": "assistant", "content": "Well, I "},
        {"role": "system", "content": "[Continue your last message without repeating its original content.]"},
    ]
    assert sum(m["content"].startswith("Well, I") for m in result.messages) == 1


def test_chat_impersonate_appends_the_instruction(card: Card) -> None:
    result = run(card, "impersonate", mode="chat")
    assert result.messages[-1]["role"] == "system"
    assert result.messages[-1]["content"].startswith("[Write your next reply from the point of view of User")
    assert "Don't write as Bot or system." in result.messages[-1]["content"]


def test_triggers_filter_lore_by_generation_type(card: Card) -> None:
    from tavo_tui.model import Lorebook, LorebookEntry

    entry = LorebookEntry(keys=["Hi"], content="ONLY ON CONTINUE", extensions={"position": 0, "triggers": ["continue"]})
    card = card.model_copy(update={"character_book": Lorebook(entries=[entry])})
    assert "ONLY ON CONTINUE" in run(card, "continue").text
    assert "ONLY ON CONTINUE" not in run(card, "normal").text


def test_start_reply_with(card: Card) -> None:
    settings = PromptSettings(start_reply_with=" {{char}} smiles")
    messages = [bot("Hello.", "Bot"), user("Hi!")]
    tc = run(card, "normal", settings=settings, messages=messages)
    assert tc.text.endswith("<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\nBot smiles\n")
    plain = run(
        card,
        "normal",
        messages=messages,
        settings=PromptSettings(instruct_enabled=False, context_name="Minimalist", start_reply_with="Sure,"),
    )
    assert plain.text.endswith("User: Hi!\nBot: Sure,")
    cc = run(card, "normal", mode="chat", settings=settings, messages=messages)
    assert cc.messages[-1] == {"role": "assistant", "content": " Bot smiles"}
    assert "Bot smiles" not in run(card, "impersonate", settings=settings, messages=messages).text
