"""The macro engine (sillytavern.md §4)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from tavo_tui.model import Card
from tavo_tui.prompt import MacroEnv, assemble, substitute
from tavo_tui.prompt.macros import CARD_FIELD_MACROS
from tavo_tui.prompt.tokens import estimate_counter

from .conftest import chat_profile


@pytest.fixture
def env() -> MacroEnv:
    return MacroEnv(
        user="Sam",
        char="Aria",
        description="Pilot.",
        greetings=["Hello!", "Alt one"],
        now=datetime(2026, 5, 3, 15, 7, tzinfo=UTC),
        rng=random.Random(1),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{user}} and {{char}}", "Sam and Aria"),
        ("{{USER}} / {{ Char }}", "Sam / Aria"),
        ("<USER> meets <BOT> and <char>", "Sam meets Aria and Aria"),
        ("{{group}} {{charIfNotGroup}}", "Aria Aria"),
        ("{{description}}", "Pilot."),
        ("a{{newline}}b{{newline::2}}c", "a\nb\n\nc"),
        ("x{{space::3}}y{{noop}}", "x   y"),
        ("{{reverse::{{user}}}}", "maS"),
        ("{{unknown}} stays", "{{unknown}} stays"),
        ("{{unknown::{{user}}}}", "{{unknown::Sam}}"),
        ("\\{\\{user\\}\\}", "{{user}}"),
        ("keep{{// a comment}}this", "keepthis"),
        ("line one\n\n{{trim}}\n\nline two", "line oneline two"),
        ("{{greeting}}|{{greeting::1}}|{{charFirstMessage::5}}", "Hello!|Alt one|"),
        ("{{roll::2d1+3}} {{roll 1}}", "5 1"),
        ("{{roll::bogus}}", ""),
        ("{{isodate}} {{isotime}} {{weekday}}", "2026-05-03 15:07 Sunday"),
        ("{{date}}", "May 3, 2026"),
        ("{{time}}", "3:07 PM"),
        ("{{time::UTC+2}} {{time_UTC-1}}", "5:07 PM 2:07 PM"),
        ("{{if user}}yes{{else}}no{{/if}}", "yes"),
        ("{{if !user}}yes{{else}}no{{/if}}", "no"),
        ("{{if {{noop}}}}yes{{else}}no{{/if}}", "no"),
        ("{{setvar::n::4}}{{addvar::n::3}}{{getvar::n}} {{incvar::n}}", "7 8"),
        ("unclosed {{user", "unclosed {{user"),
    ],
)
def test_substitute(env: MacroEnv, text: str, expected: str) -> None:
    assert substitute(text, env) == expected


def test_random_choices(env: MacroEnv) -> None:
    for text in ("{{random::a::b::c}}", "{{random:a,b,c}}", "{{random::a,b,c}}"):
        assert substitute(text, env) in {"a", "b", "c"}
    assert substitute("{{random::a\\,b}}", env) == "a,b"


def test_original_expands_once(env: MacroEnv) -> None:
    assert substitute("{{original}} + {{original}}", env, original="BASE") == "BASE + "


def test_excluded_macros_become_empty(env: MacroEnv) -> None:
    assert substitute("[{{description}}]", env, exclude=CARD_FIELD_MACROS) == "[]"


def test_fast_path_returns_same_text(env: MacroEnv) -> None:
    text = "no macros here"
    assert substitute(text, env) is text


def test_card_field_macros_do_not_recurse() -> None:
    card = Card(name="Aria", description="Desc mentions {{personality}} and {{user}}.", personality="Calm")
    result = assemble(card, [], user_name="Sam", profile=chat_profile(), counter=estimate_counter())
    description = next(s for s in result.sections if s.source == "card.description")
    assert description.content == "Desc mentions  and Sam."


def test_runtime_and_template_macros() -> None:
    from tavo_tui.model import Message

    from .conftest import text_profile

    card = Card(
        name="Aria",
        description="max {{maxPrompt}}/{{maxContext}}/{{maxResponse}} model {{model}} "
        "swipe {{currentSwipeId}}/{{lastSwipeId}}",
        scenario="[{{instructUserPrefix}}|{{instructStop}}|{{chatStart}}|{{systemPrompt}}]",
    )
    last = Message(name="Aria", mes="b", swipes=["a", "b"], swipe_id=1)
    profile = text_profile(max_context=1000, max_tokens=200, model="m-1")
    result = assemble(card, [last], user_name="Sam", profile=profile, counter=estimate_counter())
    assert "max 800/1000/200 model m-1 swipe 2/2" in result.text
    assert (
        "[<|im_start|>user|<|im_end|>||Write Aria's next reply in a fictional chat between Aria and Sam.]"
        in result.text
    )


def test_pick_is_stable_per_chat() -> None:
    text = "{{pick::a::b::c::d::e::f::g::h}} {{pick::a::b::c::d::e::f::g::h}}"
    first = substitute(text, MacroEnv(pick_seed="chat-1"))
    assert substitute(text, MacroEnv(pick_seed="chat-1")) == first
    others = {substitute(text, MacroEnv(pick_seed=f"chat-{i}")) for i in range(20)}
    assert len(others) > 1
