"""Byte-exact reproduction of requests captured from a real SillyTavern 1.18.0 (../shared/reference/st-golden)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tavo_tui.model import Card, Message
from tavo_tui.prompt import assemble
from tavo_tui.prompt.tokens import TokenCounter

from .conftest import chat_profile, text_profile

CHAT_CASES = [
    ("A_cc_custom_turn1", "none"),
    ("A_cc_custom_turn2", "none"),
    ("E_cc_custom_stream_turn1", "none"),
    ("E_cc_custom_stream_turn2", "none"),
    ("B_ppp_merge_turn1", "merge"),
    ("B_ppp_merge_turn2", "merge"),
    ("B_ppp_semi_turn1", "semi"),
    ("B_ppp_semi_turn2", "semi"),
    ("B_ppp_strict_turn1", "strict"),
    ("B_ppp_strict_turn2", "strict"),
    ("B_ppp_single_turn1", "single"),
    ("B_ppp_single_turn2", "single"),
]
TEXT_CASES = ["C_tc_llamacpp_chatml_turn1", "C_tc_llamacpp_chatml_turn2"]


def load(reference: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((reference / "st-golden" / f"{name}.json").read_text("utf-8"))
    return data


def chat_of(capture: dict[str, Any]) -> tuple[list[Message], str]:
    chat = [Message.model_validate(m) for m in capture["chat_before_request"]]
    return chat[:-1], chat[-1].mes


@pytest.mark.parametrize(("name", "converter"), CHAT_CASES)
def test_chat_completion_messages(
    reference: Path, seraphina: Card, counter: TokenCounter, name: str, converter: str
) -> None:
    capture = load(reference, name)
    history, pending = chat_of(capture)
    result = assemble(
        seraphina,
        history,
        user_name=capture["name1"],
        profile=chat_profile(converter=converter),
        counter=counter,
        pending_user=pending,
    )
    assert result.messages == capture["body"]["messages"]


@pytest.mark.parametrize(("name", "converter"), CHAT_CASES)
def test_chat_completion_with_pending_already_in_history(
    reference: Path, seraphina: Card, counter: TokenCounter, name: str, converter: str
) -> None:
    capture = load(reference, name)
    chat = [Message.model_validate(m) for m in capture["chat_before_request"]]
    result = assemble(
        seraphina, chat, user_name=capture["name1"], profile=chat_profile(converter=converter), counter=counter
    )
    assert result.messages == capture["body"]["messages"]


@pytest.mark.parametrize("name", TEXT_CASES)
def test_text_completion_prompt_and_stops(reference: Path, seraphina: Card, counter: TokenCounter, name: str) -> None:
    capture = load(reference, name)
    history, pending = chat_of(capture)
    result = assemble(
        seraphina,
        history,
        user_name=capture["name1"],
        profile=text_profile(instruct="ChatML"),
        counter=counter,
        pending_user=pending,
    )
    assert result.text == capture["body"]["prompt"]
    assert result.stop == capture["body"]["stop"]
    assert result.stop == capture["body"]["stopping_strings"]


def test_golden_turn1_lore_budget_drops_glade(reference: Path, seraphina: Card, counter: TokenCounter) -> None:
    """Chat completion has a 949-token lore budget: the recursively found 'glade' entry does not fit."""
    capture = load(reference, "A_cc_custom_turn1")
    history, pending = chat_of(capture)
    result = assemble(
        seraphina, history, user_name="Tester", profile=chat_profile(), counter=counter, pending_user=pending
    )
    assert any("over budget" in n and "glade" in n for n in result.notes)
    wi = next(s for s in result.sections if s.source == "world_info.before")
    assert "What is the glade?" not in wi.content
    assert wi.content.index("What are your powers?") < wi.content.index("What are Shadowfangs?")
    assert wi.content.index("What are Shadowfangs?") < wi.content.index("What is Eldoria?")


def test_golden_inputs_match_shipped_presets(reference: Path) -> None:
    """The ChatML templates and Neutral system prompt we ship carry the values SillyTavern used."""
    from tavo_tui.prompt import load_context, load_instruct, load_sysprompt

    inputs = reference / "st-golden" / "inputs"
    instruct = json.loads((inputs / "instruct_ChatML.json").read_text("utf-8"))
    ours = load_instruct("ChatML").model_dump()
    assert {k: ours[k] for k in instruct if k in ours} == {k: v for k, v in instruct.items() if k in ours}
    context = json.loads((inputs / "context_ChatML.json").read_text("utf-8"))
    ours_ctx = load_context("ChatML").model_dump()
    assert {k: ours_ctx[k] for k in context if k in ours_ctx} == {k: v for k, v in context.items() if k in ours_ctx}
    sysprompt = json.loads((inputs / "sysprompt_Neutral - Chat.json").read_text("utf-8"))
    assert load_sysprompt("Neutral - Chat").content == sysprompt["content"]


@pytest.mark.parametrize("model", ["gpt-4o", "estimate"])
def test_golden_does_not_depend_on_the_tokenizer(reference: Path, seraphina: Card, model: str) -> None:
    from tavo_tui.prompt.tokens import counter_for_model, estimate_counter

    counter = estimate_counter() if model == "estimate" else counter_for_model(model)
    for name, converter in CHAT_CASES[:2]:
        capture = load(reference, name)
        history, pending = chat_of(capture)
        result = assemble(
            seraphina,
            history,
            user_name=capture["name1"],
            profile=chat_profile(converter=converter),
            counter=counter,
            pending_user=pending,
        )
        assert result.messages == capture["body"]["messages"]
    for name in TEXT_CASES:
        capture = load(reference, name)
        history, pending = chat_of(capture)
        result = assemble(
            seraphina,
            history,
            user_name=capture["name1"],
            profile=text_profile(instruct="ChatML"),
            counter=counter,
            pending_user=pending,
        )
        assert result.text == capture["body"]["prompt"]


def test_golden_turns_in_sequence_with_one_counter(reference: Path, seraphina: Card) -> None:
    """Like a session: one counter (and its memo) for turn 1 then turn 2, in both modes."""
    from tavo_tui.prompt.tokens import counter_for_model

    counter = counter_for_model("gpt-3.5-turbo")
    for name in ("A_cc_custom_turn1", "A_cc_custom_turn2", "C_tc_llamacpp_chatml_turn1", "C_tc_llamacpp_chatml_turn2"):
        capture = load(reference, name)
        chat = [Message.model_validate(m) for m in capture["chat_before_request"]]
        text_mode = name.startswith("C_")
        profile = text_profile(instruct="ChatML") if text_mode else chat_profile()
        result = assemble(seraphina, chat, user_name="Tester", profile=profile, counter=counter)
        if text_mode:
            assert result.text == capture["body"]["prompt"]
        else:
            assert result.messages == capture["body"]["messages"]
