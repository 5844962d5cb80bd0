"""Text-completion re-assembly with one TokenCounter: whatever changed, the result equals a fresh assembly.

Each test assembles with a reused counter (so every per-session memo is warm), changes the chat or a setting,
and compares the next assembly field by field with one made with a brand new counter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tavo_tui.model import AssembledPrompt, Card, Message
from tavo_tui.prompt import assemble
from tavo_tui.prompt.settings import PromptSettings
from tavo_tui.prompt.templates import InstructTemplate
from tavo_tui.prompt.tokens import TokenCounter

from .conftest import bot, text_profile, user

# Every sequence differs, so a piece formatted with the wrong variant or template shows in the text.
VARIANTS = InstructTemplate(
    name="variants",
    input_sequence="<in {{name}}>",
    output_sequence="<out {{name}}>",
    first_input_sequence="<first-in>",
    last_input_sequence="<last-in>",
    first_output_sequence="<first-out>",
    last_output_sequence="<last-out>",
    system_sequence="<sys>",
    input_suffix="</in>",
    output_suffix="</out>",
)


def counter() -> TokenCounter:
    return TokenCounter("test", True, lambda text: len(text) // 4 + 1)


def card() -> Card:
    return Card(
        name="Bot",
        description="DESC",
        post_history_instructions="Stay in character.",
        extensions={"depth_prompt": {"prompt": "Depth note.", "depth": 3, "role": "system"}},
    )


def chat(n: int = 40) -> list[Message]:
    return [bot("Hello there.", "Bot")] + [
        user(f"user line {i} " * 3) if i % 2 else bot(f"bot line {i} " * 3, "Bot") for i in range(1, n)
    ]


def dump(result: AssembledPrompt) -> dict[str, Any]:
    return result.model_dump()


class Twin:
    """Assembles with one long-lived counter and checks each result against a fresh counter's."""

    def __init__(self, **kw: Any) -> None:
        self.counter = counter()
        self.kw: dict[str, Any] = {"user_name": "User", "profile": text_profile(), "instruct": VARIANTS, **kw}

    def check(self, card: Card, messages: list[Message], **kw: Any) -> AssembledPrompt:
        args = {**self.kw, **kw}
        reused = assemble(card, messages, counter=self.counter, **args)
        fresh = assemble(card, messages, counter=counter(), **args)
        assert dump(reused) == dump(fresh)
        return reused


Change = Callable[[list[Message]], None]


def _edit_middle(messages: list[Message]) -> None:
    messages[20].mes = "an edited line"


def _delete_middle(messages: list[Message]) -> None:
    del messages[10]


def _swipe_middle(messages: list[Message]) -> None:
    msg = messages[21]
    msg.swipes = [msg.mes, "the other swipe"]
    msg.swipe_id = 1
    msg.mes = "the other swipe"


def _hide_middle(messages: list[Message]) -> None:
    messages[15].is_system = True


def _rename_speaker(messages: list[Message]) -> None:
    messages[31].name = "Someone Else"


def _user_becomes_bot(messages: list[Message]) -> None:
    messages[-1].is_user = False


def _replace_with_equal(messages: list[Message]) -> None:
    messages[25] = messages[25].model_copy()


def _delete_greeting(messages: list[Message]) -> None:
    del messages[0]


def _delete_newest_user(messages: list[Message]) -> None:
    del messages[-1]


def _append_pair(messages: list[Message]) -> None:
    messages.extend([bot("a new reply", "Bot"), user("a new question")])


def _macro_text(messages: list[Message]) -> None:
    messages[12].mes = "I am {{user}}, talking to {{char}}."


@pytest.mark.parametrize(
    ("change", "shows"),
    [
        (_edit_middle, True),
        (_delete_middle, True),
        (_swipe_middle, True),
        (_hide_middle, True),
        (_rename_speaker, True),
        (_user_becomes_bot, True),
        (_replace_with_equal, False),  # a new object with the same fields: same text, no stale identity hit
        (_delete_greeting, True),
        (_delete_newest_user, True),
        (_append_pair, True),
        (_macro_text, True),
    ],
)
@pytest.mark.parametrize("max_context", [8192, 700])  # everything fits / the history is cut
def test_chat_change_after_warm_assembly(change: Change, shows: bool, max_context: int) -> None:
    twin = Twin(profile=text_profile(max_context=max_context, max_tokens=100))
    messages = chat()
    twin.check(card(), messages)
    before = twin.check(card(), messages)
    change(messages)
    after = twin.check(card(), messages)
    # The change reached the prompt (its text, or which messages were left out).
    assert (dump(after) != dump(before)) is shows


def test_edit_shows_in_the_text() -> None:
    twin = Twin()
    messages = chat()
    twin.check(card(), messages)
    messages[20].mes = "an edited line"
    text = twin.check(card(), messages).text
    assert "an edited line" in text and "bot line 20" not in text


def test_variants_follow_the_chat() -> None:
    """The first/last sequences move with the oldest and newest user message, memo or not."""
    twin = Twin()
    plain = Card(name="Bot", description="DESC")  # no post-history instructions: they would be the "last" user item
    messages = chat(10)
    first = twin.check(plain, messages).text
    assert "<first-out>\nHello there." in first
    assert "<last-in>\nuser line 9" in first
    messages.append(user("newest question"))
    second = twin.check(plain, messages).text
    assert "<last-in>\nnewest question" in second and "<in User>\nuser line 9" in second
    del messages[0]
    third = twin.check(plain, messages).text
    assert "<first-in>\nuser line 1" in third


@pytest.mark.parametrize(
    "kw",
    [
        {"user_name": "Renamed"},
        {"instruct": VARIANTS.model_copy(update={"input_sequence": "<IN2 {{name}}>"})},
        {"instruct": "ChatML"},
        {"settings": PromptSettings(instruct_enabled=False)},
        {"pending_user": "a pending message"},
        {"generation_type": "continue"},
        {"generation_type": "impersonate"},
    ],
)
def test_setting_change_after_warm_assembly(kw: dict[str, Any]) -> None:
    twin = Twin()
    messages = chat()
    before = twin.check(card(), messages).text
    after = twin.check(card(), messages, **kw).text
    assert after != before
    # And back: the memo of the first setting is still right.
    assert twin.check(card(), messages).text == before


def test_character_rename_after_warm_assembly() -> None:
    twin = Twin()
    messages = chat()
    before = twin.check(card(), messages).text
    renamed = card().model_copy(update={"name": "Other"})
    assert twin.check(renamed, messages).text != before
