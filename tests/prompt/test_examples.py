"""Example dialogue parsing (sillytavern.md §2.5, §3.5) and its place in the budget (§2.8)."""

from __future__ import annotations

from tavo_tui.model import Card
from tavo_tui.prompt import PromptSettings, assemble
from tavo_tui.prompt.examples import parse_blocks, split_turns
from tavo_tui.prompt.tokens import estimate_counter

from .conftest import bot, chat_profile, text_profile, user


def test_parse_blocks_rules() -> None:
    assert parse_blocks("") == []
    assert parse_blocks("<START>") == []
    # Text without a leading <START> gets one; the split is case-insensitive; blocks are trimmed.
    assert parse_blocks("  A: hi\nB: yo  ") == ["<START>\nA: hi\nB: yo\n"]
    assert parse_blocks("<START>\nA: 1\n<start>\nA: 2\n") == ["<START>\nA: 1\n", "<START>\nA: 2\n"]
    assert parse_blocks("<START>\nA: 1", heading="***\n") == ["***\nA: 1\n"]


def test_split_turns_glues_leading_lines_and_continuations() -> None:
    block = "<START>\n(narration first)\nUser: hello\nthere\nBot: hi User: not a new turn\nUser: bye"
    turns = split_turns(block, "User", "Bot")
    # Only the first "Name:" is removed and the text trimmed, so the glued turn keeps a space (as in SillyTavern).
    assert [(t.is_user, t.text) for t in turns] == [
        (True, "(narration first)\n hello\nthere"),
        (False, "hi User: not a new turn"),
        (True, "bye"),
    ]


def test_history_has_priority_over_examples_in_text_completion() -> None:
    card = Card(name="Bot", description="DESC", mes_example="<START>\n{{user}}: " + "ex " * 300 + "\n{{char}}: ok")
    messages = [bot("Hi.", "Bot")] + [user("talk " * 40) for _ in range(6)]
    roomy = assemble(card, messages, user_name="User", profile=text_profile(), counter=estimate_counter())
    assert "ex ex" in roomy.text
    tight = assemble(
        card,
        messages,
        user_name="User",
        profile=text_profile(max_context=700, max_tokens=100),
        counter=estimate_counter(),
    )
    assert "ex ex" not in tight.text
    assert any(s.name == "example" for s in tight.dropped)
    assert tight.text.count("<|im_start|>user\ntalk") == 6
    pinned = assemble(
        card,
        messages,
        user_name="User",
        profile=text_profile(max_context=700, max_tokens=100),
        counter=estimate_counter(),
        settings=PromptSettings(pin_examples=True),
    )
    assert "ex ex" in pinned.text
    assert pinned.text.count("<|im_start|>user\ntalk") < 6


def test_strip_examples_keeps_them_out() -> None:
    card = Card(name="Bot", description="DESC", mes_example="<START>\n{{user}}: q\n{{char}}: a")
    result = assemble(
        card,
        [bot("Hi.", "Bot")],
        user_name="User",
        profile=text_profile(),
        counter=estimate_counter(),
        settings=PromptSettings(strip_examples=True),
    )
    assert "q<|im_end|>" not in result.text


def test_injections_are_reserved_before_history_in_text_completion() -> None:
    card = Card(name="Bot", description="DESC")
    messages = [bot("Hi.", "Bot")] + [user(f"msg{i} " + "w " * 60) for i in range(10)]
    meta = {"note_prompt": "NOTE " * 20, "note_depth": 30}
    result = assemble(
        card,
        messages,
        user_name="User",
        profile=text_profile(max_context=600, max_tokens=100),
        counter=estimate_counter(),
        chat_metadata=meta,
    )
    # The note sits deeper than the kept history but was reserved first, so it is still in (above the history).
    assert "NOTE NOTE" in result.text
    assert result.text.index("NOTE") < result.text.index("msg9")
    assert "msg0 " not in result.text


def test_chat_examples_with_group_style_unknown_speakers() -> None:
    card = Card(name="Bot", description="DESC", mes_example="<START>\nNarrator: scene\n{{char}}: line")
    result = assemble(card, [], user_name="User", profile=chat_profile(), counter=estimate_counter())
    examples = [m for m in result.messages if m.get("name")]
    assert examples == [{"role": "system", "name": "example_assistant", "content": "Narrator: scene\n line"}]
