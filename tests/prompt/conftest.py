"""Fixtures for prompt tests: the SillyTavern default card and a few helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tavo_tui.cards import read_card
from tavo_tui.model import Card, ConnectionProfile, Message
from tavo_tui.prompt.tokens import TokenCounter, counter_for_model

SERAPHINA = "cards/v2v3_png_st2024_Seraphina_bothchunks.png"


@pytest.fixture
def seraphina(corpus: Path) -> Card:
    return read_card(corpus / SERAPHINA).card


@pytest.fixture
def counter() -> TokenCounter:
    return counter_for_model("gpt-3.5-turbo")


def chat_profile(**kw: object) -> ConnectionProfile:
    values: dict[str, object] = {"name": "t", "mode": "chat", "max_context": 4095, "max_tokens": 300}
    values.update(kw)
    return ConnectionProfile.model_validate(values)


def text_profile(**kw: object) -> ConnectionProfile:
    values: dict[str, object] = {"name": "t", "mode": "text", "max_context": 8192, "max_tokens": 350}
    values.update(kw)
    return ConnectionProfile.model_validate(values)


def bot(text: str, name: str = "Seraphina") -> Message:
    return Message(name=name, is_user=False, mes=text)


def user(text: str, name: str = "User") -> Message:
    return Message(name=name, is_user=True, mes=text)
