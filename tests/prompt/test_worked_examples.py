"""The worked examples of sillytavern.md §2.11 (text completion) and §3.3 (chat completion)."""

from __future__ import annotations

import pytest

from tavo_tui.model import Card, Message
from tavo_tui.prompt import PromptSettings, assemble
from tavo_tui.prompt.tokens import TokenCounter, estimate_counter

from .conftest import bot, chat_profile, text_profile, user

SYS = "Write Seraphina's next reply in a fictional chat between Seraphina and User."


@pytest.fixture
def card() -> Card:
    return Card(name="Seraphina", description="DESC", first_mes="Hello.")


@pytest.fixture
def chat() -> list[Message]:
    return [bot("Hello."), user("Hi!")]


@pytest.fixture
def est() -> TokenCounter:
    return estimate_counter()


@pytest.mark.parametrize(
    ("instruct", "expected"),
    [
        (
            "ChatML",
            f"<|im_start|>system\n{SYS}\nDESC<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"
            "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
        ),
        (
            "Llama 3 Instruct",
            f"<|start_header_id|>system<|end_header_id|>\n\n{SYS}\nDESC<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
        ),
        ("Mistral V7", f"[SYSTEM_PROMPT] {SYS}\nDESC[/SYSTEM_PROMPT] Hello.</s>[INST] Hi![/INST] "),
        ("Alpaca", f"{SYS}\nDESC\n\n### Response:\nHello.\n\n### Instruction:\nHi!\n\n### Response:\n"),
    ],
)
def test_text_completion_instruct(
    card: Card, chat: list[Message], est: TokenCounter, instruct: str, expected: str
) -> None:
    result = assemble(card, chat, user_name="User", profile=text_profile(instruct=instruct), counter=est)
    assert result.text == expected
    assert result.mode == "text"


def test_text_completion_without_instruct(card: Card, chat: list[Message], est: TokenCounter) -> None:
    settings = PromptSettings(instruct_enabled=False, context_name="Default")
    result = assemble(card, chat, user_name="User", profile=text_profile(), counter=est, settings=settings)
    assert result.text == f"{SYS}\nDESC\n***\nSeraphina: Hello.\nUser: Hi!\nSeraphina:"
    # Non-instruct with names as stop strings only.
    assert result.stop == ["\nUser:"]


def test_chatml_stop_strings(card: Card, chat: list[Message], est: TokenCounter) -> None:
    result = assemble(card, chat, user_name="User", profile=text_profile(instruct="chatml"), counter=est)
    assert result.stop == [
        "\nUser:",
        "\n<|im_end|>",
        "\n<|im_start|>user",
        "\n<|im_start|>assistant",
        "\n<|im_start|>system",
    ]


def test_chat_completion_default_preset(card: Card, chat: list[Message], est: TokenCounter) -> None:
    result = assemble(card, chat, user_name="User", profile=chat_profile(), counter=est)
    assert result.messages == [
        {"role": "system", "content": SYS},
        {"role": "system", "content": "DESC"},
        {"role": "system", "content": "[Start a new Chat]"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Hi!"},
    ]
