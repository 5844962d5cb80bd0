"""Issue 2 behaviour of assemble(): sections with provenance, macros, hidden messages, budget figures."""

from __future__ import annotations

import pytest

from tavo_tui.model import Card, Message
from tavo_tui.prompt import assemble
from tavo_tui.prompt.tokens import TokenCounter, counter_for_model, estimate_counter

from .conftest import bot, chat_profile, text_profile, user


@pytest.fixture
def card() -> Card:
    return Card(
        name="Aria",
        description="{{char}} is a pilot who flies with {{user}}.",
        personality="Brave.",
        scenario="A hangar at dawn.",
        system_prompt="You are {{char}}. Talk to {{user}}.",
        first_mes="Hi {{user}}, I'm {{char}}.",
        mes_example="<START>\n{{user}}: Ready?\n{{char}}: Always.",
    )


@pytest.fixture
def est() -> TokenCounter:
    return estimate_counter()


def test_chat_mode_has_all_card_parts_in_order(card: Card, est: TokenCounter) -> None:
    result = assemble(
        card, [bot("Hi Sam, I'm Aria.")], user_name="Sam", profile=chat_profile(), counter=est, pending_user="Go!"
    )
    sources = [s.source for s in result.sections]
    assert sources == [
        "preset.main",
        "card.description",
        "card.personality",
        "card.scenario",
        "preset.new_example_chat_prompt",
        "card.mes_example[0]",
        "card.mes_example[0]",
        "preset.new_chat_prompt",
        "greeting",
        "pending",
    ]
    contents = [m["content"] for m in result.messages]
    # The card's system prompt replaces the preset main prompt; macros are replaced everywhere.
    assert contents[0] == "You are Aria. Talk to Sam."
    assert contents[1] == "Aria is a pilot who flies with Sam."
    assert result.messages[5] == {"role": "system", "name": "example_user", "content": "Ready?"}
    assert result.messages[6] == {"role": "system", "name": "example_assistant", "content": "Always."}
    assert result.messages[-1] == {"role": "user", "content": "Go!"}
    assert result.messages[-2] == {"role": "assistant", "content": "Hi Sam, I'm Aria."}
    assert "{{" not in "".join(contents)


def test_greeting_from_card_when_chat_is_empty(card: Card, est: TokenCounter) -> None:
    result = assemble(card, [], user_name="Sam", profile=chat_profile(), counter=est, pending_user="Hello")
    greeting = next(s for s in result.sections if s.source == "greeting")
    assert greeting.content == "Hi Sam, I'm Aria."
    assert greeting.role == "assistant"


def test_hidden_messages_are_left_out(card: Card, est: TokenCounter) -> None:
    hidden = Message(name="Sam", is_user=True, is_system=True, mes="secret ghost text")
    narrator = Message(name="System", is_user=False, mes="Thunder rolls.", extra={"type": "narrator"})
    messages = [bot("Hi."), hidden, user("One", "Sam"), narrator]
    result = assemble(card, messages, user_name="Sam", profile=chat_profile(), counter=est)
    text = " ".join(m["content"] for m in result.messages)
    assert "secret ghost text" not in text
    # Narrator messages take part, as system messages.
    assert {"role": "system", "content": "Thunder rolls."} in result.messages
    assert [s.source for s in result.sections][-3:] == ["greeting", "history[2]", "history[3]"]
    tc = assemble(card, messages, user_name="Sam", profile=text_profile(), counter=est)
    assert "secret ghost text" not in tc.text
    assert "<|im_start|>system\nThunder rolls.<|im_end|>" in tc.text


def test_text_mode_chatml(card: Card, est: TokenCounter) -> None:
    result = assemble(card, [bot("Hey.")], user_name="Sam", profile=text_profile(), counter=est, pending_user="Yo")
    assert result.mode == "text"
    assert result.text.startswith("<|im_start|>system\nYou are Aria. Talk to Sam.\nAria is a pilot")
    assert result.text.endswith("<|im_start|>user\nYo<|im_end|>\n<|im_start|>assistant\n")
    # Examples are rendered with the instruct sequences, after the story string.
    assert "<|im_start|>user\nSam: Ready?<|im_end|>\n<|im_start|>assistant\nAlways.<|im_end|>\n" in result.text
    assert "\n<|im_end|>" in result.stop
    assert result.stop[0] == "\nSam:"
    assert result.sections[-1].content == "\n<|im_start|>assistant\n"
    assert result.sections[-1].role == "assistant"


def test_token_figures(card: Card) -> None:
    counter = counter_for_model("gpt-4o")
    result = assemble(card, [bot("Hey.")], user_name="Sam", profile=chat_profile(max_context=8000), counter=counter)
    assert result.token_method == counter.method
    assert result.token_exact == counter.exact
    assert result.max_context == 8000
    assert result.max_tokens == 300
    assert all(s.tokens > 0 for s in result.sections)
    assert result.token_total == sum(s.tokens for s in result.sections) + 3
    tc = assemble(card, [bot("Hey.")], user_name="Sam", profile=text_profile(), counter=counter)
    assert tc.token_total == sum(s.tokens for s in tc.sections)
    assert "".join(s.content for s in tc.sections) == tc.text


def test_budget_drops_oldest_history_first(card: Card, est: TokenCounter) -> None:
    messages = [bot("Hi.")] + [user(f"message number {i} " + "x" * 200, "Sam") for i in range(40)]
    for profile in (chat_profile(max_context=1500, max_tokens=100), text_profile(max_context=1500, max_tokens=100)):
        result = assemble(card, messages, user_name="Sam", profile=profile, counter=est)
        kept = [int(s.source[8:-1]) for s in result.sections if s.source.startswith("history[")]
        assert kept and kept[-1] == 40
        # Contiguous newest messages are kept: the fill stops at the first one that does not fit.
        assert kept == list(range(kept[0], 41))
        summary = result.dropped[0]
        assert summary.source == f"greeting..history[{kept[0] - 1}]"
        assert summary.name == f"{kept[0]} older messages"
        assert result.token_total <= 1500 - 100


def test_pending_user_is_substituted_and_last(card: Card, est: TokenCounter) -> None:
    result = assemble(
        card, [bot("Hi.")], user_name="Sam", profile=chat_profile(), counter=est, pending_user="I'm {{user}}"
    )
    assert result.messages[-1] == {"role": "user", "content": "I'm Sam"}
    assert result.sections[-1].source == "pending"


def test_converter_from_profile_and_override(card: Card, est: TokenCounter) -> None:
    strict = assemble(card, [bot("Hi.")], user_name="Sam", profile=chat_profile(converter="strict"), counter=est)
    assert [m["role"] for m in strict.messages][:2] == ["system", "user"]
    none = assemble(
        card, [bot("Hi.")], user_name="Sam", profile=chat_profile(converter="strict"), counter=est, converter="none"
    )
    assert none.messages[1]["role"] == "system"
