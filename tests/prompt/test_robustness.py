"""assemble() never fails on untrusted input: random cards, chats, lorebooks and settings."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck
from hypothesis import strategies as st

from tavo_tui.model import Card, ConnectionProfile, Lorebook, LorebookEntry, Message
from tavo_tui.prompt import AuthorsNote, PromptSettings, assemble, preset_names, substitute
from tavo_tui.prompt.macros import MacroEnv
from tavo_tui.prompt.tokens import estimate_counter
from tests.fuzzing import quick_and_long

tricky = st.sampled_from(
    [
        "{{",
        "}}",
        "{{user}}",
        "{{char}}",
        "<START>",
        "{{trim}}",
        "{{#if x}}",
        "{{/if}}",
        "{{random::a::b}}",
        "{{original}}",
        "\\{",
        "@@activate",
        "/[/",
        "/a+/i",
        "\n",
        "\r\n",
        "{{// c}}",
        "{{roll::3d6}}",
        "<USER>",
        "User:",
        "Bot:",
        "{{newline::5}}",
        "{{getvar::x}}",
        "{{setvar::x::1}}",
        "*",
        "\x00",
    ]
)
text = st.lists(st.one_of(tricky, st.text(max_size=8)), max_size=8).map("".join)


@st.composite
def scenario(draw: Any) -> tuple[Card, list[Message], ConnectionProfile, list[Lorebook], PromptSettings, str]:
    entries = [
        LorebookEntry(
            keys=draw(st.lists(text, max_size=3)),
            secondary_keys=draw(st.lists(text, max_size=2)),
            selective=draw(st.booleans()),
            content=draw(text),
            constant=draw(st.booleans()),
            insertion_order=draw(st.integers(-5, 300)),
            extensions={
                "position": draw(st.integers(0, 7)),
                "depth": draw(st.integers(0, 6)),
                "role": draw(st.integers(0, 2)),
                "selectiveLogic": draw(st.integers(0, 3)),
                "group": draw(st.sampled_from(["", "g", "g,h"])),
                "outlet_name": draw(st.sampled_from(["", "o"])),
            },
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    card = Card(
        name=draw(st.sampled_from(["Bot", "", "A{{b}}"])),
        description=draw(text),
        personality=draw(text),
        scenario=draw(text),
        first_mes=draw(text),
        mes_example=draw(text),
        system_prompt=draw(text),
        post_history_instructions=draw(text),
        extensions={"depth_prompt": {"prompt": draw(text), "depth": draw(st.integers(-2, 5)), "role": "user"}},
        character_book=Lorebook(entries=entries) if entries else None,
    )
    messages = [
        Message(
            name=draw(st.sampled_from(["User", "Bot", ""])),
            is_user=draw(st.booleans()),
            is_system=draw(st.booleans()),
            mes=draw(text),
            extra=draw(st.sampled_from([{}, {"type": "narrator"}])),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    mode = draw(st.sampled_from(["chat", "text"]))
    profile = ConnectionProfile(
        name="p",
        mode=mode,
        max_context=draw(st.integers(1, 3000)),
        max_tokens=draw(st.integers(0, 500)),
        converter=draw(st.sampled_from(["none", "merge", "semi", "strict", "single"])),
        instruct=draw(st.sampled_from([*preset_names("instruct"), "no-such-template"])),
    )
    prompt_settings = PromptSettings(
        instruct_enabled=draw(st.booleans()),
        persona_position=draw(st.sampled_from([0, 2, 3, 4, 9])),
        pin_examples=draw(st.booleans()),
        collapse_newlines=draw(st.booleans()),
    )
    return card, messages, profile, [], prompt_settings, draw(text)


def assemble_never_fails(
    case: tuple[Card, list[Message], ConnectionProfile, list[Lorebook], PromptSettings, str],
    pending: str | None,
    note: str | None,
) -> None:
    card, messages, profile, books, prompt_settings, persona = case
    result = assemble(
        card,
        messages,
        user_name="User",
        profile=profile,
        counter=estimate_counter(),
        pending_user=pending,
        persona=persona,
        settings=prompt_settings,
        lorebooks=books,
        authors_note=AuthorsNote(prompt=note) if note else None,
    )
    assert result.token_total >= 0
    if profile.mode == "chat":
        assert (
            result.messages
            or any("exceed the context size" in n for n in result.notes)
            or (profile.max_context - profile.max_tokens < 40)
        )
        assert all(
            isinstance(m["content"], str) and m["role"] in ("system", "user", "assistant") for m in result.messages
        )
    else:
        assert isinstance(result.text, str)
        assert (
            "".join(s.content for s in result.sections).replace("\r", "") == result.text
            or prompt_settings.collapse_newlines
        )


test_assemble_never_fails, test_assemble_never_fails_long = quick_and_long(
    scenario(), st.one_of(st.none(), text), st.one_of(st.none(), text),
    quick=40, long=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])(assemble_never_fails)


def test_pathological_macros_are_bounded() -> None:
    env = MacroEnv(user="U", char="C")
    deep = "{{" * 3000 + "user" + "}}" * 3000
    assert isinstance(substitute(deep, env), str)
    assert len(substitute("{{newline::999999999}}", env)) <= 10_000
    assert substitute("{{roll::100000d6}}", env) == ""


# Each of these took from 10 s to minutes before the macro engine was made linear and bounded (issue 13:
# 64,000 `{{if a}}` in a 512 KB description took 46 s). The time limit is a hang guard, far above the
# ~1 s they take now on a busy 2-core machine; the figures are benchmarks/prompt.py's.
ADVERSARIAL_MACROS = {
    "unclosed ifs": "{{if a}}" * 64_000,
    "ifs closed once at the end": "{{if a}}" * 64_000 + "{{/if}}",
    "deeply nested ifs": "{{if a}}" * 32_000 + "x" + "{{/if}}" * 32_000,
    "deeply nested braces": "{{user" * 50_000 + "}}" * 50_000,
    "many small blocks": "{{if a}}y{{/if}}" * 30_000,
}


def test_adversarial_macro_texts_finish_and_keep_their_text() -> None:
    import time

    env = MacroEnv(user="U", char="C")
    for label, text in ADVERSARIAL_MACROS.items():
        started = time.monotonic()
        out = substitute(text, env)
        assert time.monotonic() - started < 20, label
        assert out, label
    # What is still expanded is expanded right: text nobody wrote is never invented, closed blocks still work.
    assert substitute("{{if a}}y{{/if}}" * 30_000, env) == "y" * 30_000
    assert substitute("{{if a}}" * 64_000, env) == "{{if a}}" * 64_000


def test_macros_past_the_bound_are_left_as_written() -> None:
    env = MacroEnv(user="U", char="C")
    out = substitute("{{user}}" * 150_000, env)
    assert out.startswith("U" * 1000)
    assert out.endswith("{{user}}")  # the tail past the per-call bound is kept verbatim, not dropped
    assert out.count("U") + out.count("{{user}}") == 150_000


def test_if_blocks_pair_like_before_the_rewrite() -> None:
    env = MacroEnv(user="U", char="C")
    assert substitute("{{if a}}x{{if b}}y{{/if}}z{{/if}}", env) == "xyz"
    assert substitute("{{if 0}}no{{else}}yes{{/if}}", env) == "yes"
    assert substitute("{{if a}}{{if b}}", env) == "{{if a}}{{if b}}"
    assert substitute("{{if a}}1{{/if}}{{if a}}2{{/if}}{{/if}}", env) == "12{{/if}}"
    assert substitute("{{if a}}{{IF b}}q{{/If}}{{/if}}r", env) == "qr"
    assert substitute("{{if {{user}}}}A{{/if}}", env) == "A"
