"""Chat completion details: prompt manager, names, injections, persona, budget (sillytavern.md §3)."""

from __future__ import annotations

import pytest

from tavo_tui.model import Card, Message
from tavo_tui.prompt import AuthorsNote, ChatCompletionPreset, PromptEntry, PromptSettings, assemble
from tavo_tui.prompt.settings import default_prompts
from tavo_tui.prompt.tokens import estimate_counter

from .conftest import bot, chat_profile, user

MAIN = "Write Bot's next reply in a fictional chat between Bot and User."


@pytest.fixture
def card() -> Card:
    return Card(name="Bot", description="DESC", first_mes="Hi.")


def run(card: Card, messages: list[Message] | None = None, **kw: object) -> list[dict[str, object]]:
    messages = messages if messages is not None else [bot("Hi.", "Bot"), user("Yo")]
    profile = kw.pop("profile", chat_profile())
    result = assemble(card, messages, user_name="User", profile=profile, counter=estimate_counter(), **kw)  # type: ignore[arg-type]
    return result.messages


def preset_with(*changes: PromptEntry, **kw: object) -> PromptSettings:
    prompts = default_prompts()
    for change in changes:
        index = next((i for i, p in enumerate(prompts) if p.identifier == change.identifier), None)
        if index is None:
            prompts.insert(len(prompts) - 1, change)
        else:
            prompts[index] = change
    return PromptSettings(chat_completion=ChatCompletionPreset(prompts=prompts, **kw))  # type: ignore[arg-type]


def test_names_behaviors(card: Card) -> None:
    messages = [bot("Hi.", "Bot"), user("Yo"), Message(name="Ghost", is_user=False, mes="Boo", force_avatar="x.png")]
    default = run(card, messages)
    assert default[-2:] == [{"role": "user", "content": "Yo"}, {"role": "assistant", "content": "Ghost: Boo"}]
    completion = run(card, messages, settings=preset_with(names_behavior=1))
    assert completion[-3:] == [
        {"role": "assistant", "content": "Hi.", "name": "Bot"},
        {"role": "user", "content": "Yo", "name": "User"},
        {"role": "assistant", "content": "Boo", "name": "Ghost"},
    ]
    content = run(card, messages, settings=preset_with(names_behavior=2))
    assert [m["content"] for m in content[-3:]] == ["Bot: Hi.", "User: Yo", "Ghost: Boo"]
    odd = run(card, [user("x", "Sir Ann-Marie")], settings=preset_with(names_behavior=1))
    assert odd[-1]["name"] == "Sir_Ann_Marie"


def test_disabled_and_custom_prompts_and_enhance(card: Card) -> None:
    custom = PromptEntry(
        identifier="myRule", name="Rule", role="user", content="Rule for {{char}}", system_prompt=False
    )
    enhance = PromptEntry(identifier="enhanceDefinitions", content="Enhance {{char}}", enabled=True)
    nsfw = PromptEntry(identifier="nsfw", content="AUX")
    jailbreak = PromptEntry(identifier="jailbreak", content="PHI {{user}}")
    contents = run(card, settings=preset_with(custom, enhance, nsfw, jailbreak))
    assert contents == [
        {"role": "system", "content": MAIN},
        {"role": "system", "content": "DESC"},
        {"role": "system", "content": "Enhance Bot"},
        {"role": "system", "content": "AUX"},
        {"role": "system", "content": "[Start a new Chat]"},
        {"role": "assistant", "content": "Hi."},
        {"role": "user", "content": "Yo"},
        {"role": "user", "content": "Rule for Bot"},
        {"role": "system", "content": "PHI User"},
    ]


def test_main_disabled_keeps_anchor_but_no_text(card: Card) -> None:
    main = PromptEntry(identifier="main", content="MAIN", enabled=False)
    assert run(card, settings=preset_with(main))[0] == {"role": "system", "content": "DESC"}


def test_card_overrides_main_and_jailbreak(card: Card) -> None:
    card = card.model_copy(update={"system_prompt": "Card main. {{original}}", "post_history_instructions": "Card PHI"})
    messages = run(card)
    assert messages[0]["content"] == f"Card main. {MAIN}"
    assert messages[-1] == {"role": "system", "content": "Card PHI"}
    forbid = PromptEntry(identifier="main", content="Locked", forbid_overrides=True)
    assert run(card, settings=preset_with(forbid))[0]["content"] == "Locked"
    settings = PromptSettings(prefer_character_prompt=False, prefer_character_jailbreak=False)
    plain = run(card, settings=settings)
    assert plain[0]["content"] == MAIN and plain[-1]["content"] == "Yo"


def test_in_chat_prompt_manager_entry(card: Card) -> None:
    deep = PromptEntry(
        identifier="myNote", content="NOTE", role="user", system_prompt=False, injection_position=1, injection_depth=1
    )
    messages = run(card, [bot("Hi.", "Bot"), user("a"), bot("b", "Bot"), user("c")], settings=preset_with(deep))
    assert [m["content"] for m in messages[-4:]] == ["a", "b", "NOTE", "c"]


def test_authors_note_positions(card: Card) -> None:
    messages = [bot("Hi.", "Bot"), user("a"), bot("b", "Bot"), user("c")]
    in_chat = run(card, messages, authors_note=AuthorsNote(prompt="AN", depth=2, role=0))
    assert [m["content"] for m in in_chat[-5:]] == ["Hi.", "a", "AN", "b", "c"]
    after = run(card, messages, authors_note=AuthorsNote(prompt="AN", position=0))
    assert [m["content"] for m in after[:3]] == [MAIN, "AN", "DESC"]
    before = run(card, messages, authors_note=AuthorsNote(prompt="AN", position=2))
    assert [m["content"] for m in before[:2]] == ["AN", MAIN]
    # Interval 2 with two user messages: active; interval 3: not yet.
    assert "AN" in [m["content"] for m in run(card, messages, authors_note=AuthorsNote(prompt="AN", interval=2))]
    assert "AN" not in [m["content"] for m in run(card, messages, authors_note=AuthorsNote(prompt="AN", interval=3))]


def test_persona_positions_and_depth_prompt(card: Card) -> None:
    card = card.model_copy(update={"extensions": {"depth_prompt": {"prompt": "CHAR NOTE", "depth": 0, "role": "user"}}})
    messages = [bot("Hi.", "Bot"), user("a")]
    result = assemble(
        card, messages, user_name="User", profile=chat_profile(), counter=estimate_counter(), persona="I am {{user}}."
    )
    contents = [m["content"] for m in result.messages]
    assert contents[:3] == [MAIN, "I am User.", "DESC"]
    assert result.messages[-1] == {"role": "user", "content": "CHAR NOTE"}
    at_depth = assemble(
        card,
        messages,
        user_name="User",
        profile=chat_profile(),
        counter=estimate_counter(),
        persona="I am {{user}}.",
        settings=PromptSettings(persona_position=4, persona_depth=1),
    )
    assert [m["content"] for m in at_depth.messages][-4:] == ["Hi.", "I am User.", "a", "CHAR NOTE"]


def test_personality_and_scenario_formats(card: Card) -> None:
    card = card.model_copy(update={"personality": "kind", "scenario": "a ship"})
    settings = PromptSettings(
        chat_completion=ChatCompletionPreset(
            personality_format="[{{char}}'s personality: {{personality}}]", scenario_format="[Scenario: {{scenario}}]"
        )
    )
    contents = [m["content"] for m in run(card, settings=settings)]
    assert contents[1:4] == ["DESC", "[Bot's personality: kind]", "[Scenario: a ship]"]


def test_example_blocks_dropped_whole_when_over_budget(card: Card) -> None:
    card = card.model_copy(
        update={"mes_example": "<START>\n{{user}}: q1\n{{char}}: a1\n<START>\n{{user}}: q2\n{{char}}: " + "long " * 400}
    )
    result = assemble(
        card,
        [bot("Hi.", "Bot")],
        user_name="User",
        profile=chat_profile(max_context=700, max_tokens=100),
        counter=estimate_counter(),
    )
    contents = [m["content"] for m in result.messages]
    assert "q1" in contents and "a1" in contents
    assert "q2" not in contents
    assert any(s.content == "q2" for s in result.dropped)


def test_mandatory_prompts_over_budget_still_returns_partial(card: Card) -> None:
    card = card.model_copy(update={"description": "word " * 2000})
    result = assemble(
        card,
        [bot("Hi.", "Bot"), user("x")],
        user_name="User",
        profile=chat_profile(max_context=500, max_tokens=100),
        counter=estimate_counter(),
    )
    assert result.messages == [{"role": "system", "content": MAIN}]
    assert any(s.source == "card.description" for s in result.dropped)
    assert any("exceed the context size" in n for n in result.notes)


def test_empty_and_hidden_only_chat(card: Card) -> None:
    hidden = Message(name="User", is_user=True, is_system=True, mes="gone")
    messages = run(card, [hidden])
    assert messages == [
        {"role": "system", "content": MAIN},
        {"role": "system", "content": "DESC"},
        {"role": "system", "content": "[Start a new Chat]"},
    ]


def test_prompt_triggers(card: Card) -> None:
    only_continue = PromptEntry(identifier="nsfw", content="AUX", injection_trigger=["continue"])
    assert "AUX" not in [m["content"] for m in run(card, settings=preset_with(only_continue))]
    result = assemble(
        card,
        [bot("Hi.", "Bot"), user("Yo")],
        user_name="User",
        profile=chat_profile(),
        counter=estimate_counter(),
        settings=preset_with(only_continue),
        generation_type="continue",
    )
    assert "AUX" in [m["content"] for m in result.messages]


def test_custom_stop_strings(card: Card) -> None:
    result = assemble(
        card,
        [bot("Hi.", "Bot")],
        user_name="User",
        profile=chat_profile(),
        counter=estimate_counter(),
        settings=PromptSettings(custom_stopping_strings=["\n{{user}}:", ""]),
    )
    assert result.stop == ["\nUser:"]
    assert assemble(card, [], user_name="User", profile=chat_profile(), counter=estimate_counter()).stop == []


def test_send_if_empty(card: Card) -> None:
    settings = PromptSettings(chat_completion=ChatCompletionPreset(send_if_empty="[{{user}} waits]"))
    after_bot = run(card, [bot("Hi.", "Bot")], settings=settings)
    assert after_bot[-1] == {"role": "user", "content": "[User waits]"}
    after_user = run(card, [bot("Hi.", "Bot"), user("Yo")], settings=settings)
    assert after_user[-1] == {"role": "user", "content": "Yo"}


def test_pinned_examples_come_before_history_in_the_budget(card: Card) -> None:
    card = card.model_copy(update={"mes_example": "<START>\n{{user}}: q\n{{char}}: " + "example " * 150})
    messages = [bot("Hi.", "Bot")] + [user("talk " * 50) for _ in range(4)]
    profile = chat_profile(max_context=700, max_tokens=100)
    normal = assemble(card, messages, user_name="User", profile=profile, counter=estimate_counter())
    pinned = assemble(
        card,
        messages,
        user_name="User",
        profile=profile,
        counter=estimate_counter(),
        settings=PromptSettings(pin_examples=True),
    )
    assert "q" not in [m["content"] for m in normal.messages]
    assert "q" in [m["content"] for m in pinned.messages]
    assert sum(m["content"].startswith("talk") for m in pinned.messages) < sum(
        m["content"].startswith("talk") for m in normal.messages
    )
