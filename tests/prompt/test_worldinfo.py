"""World info activation (sillytavern.md §5) and where activated entries land in the prompt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tavo_tui.model import Card, Lorebook, LorebookEntry
from tavo_tui.prompt import PromptSettings, WorldInfoSettings, assemble, load_context
from tavo_tui.prompt.tokens import estimate_counter
from tavo_tui.prompt.worldinfo import (
    AND_ALL,
    AND_ANY,
    NOT_ALL,
    NOT_ANY,
    ScanMessage,
    WIEntry,
    entries_of,
    scan_world_info,
    split_decorators,
)

from .conftest import bot, chat_profile, text_profile, user


def entry(uid: int, keys: list[str], content: str | None = None, **kw: Any) -> WIEntry:
    return WIEntry(uid=uid, world="w", key=keys, content=content if content is not None else f"E{uid}", **kw)


def scan(entries: list[WIEntry], *texts: str, budget_tokens: int = 100000, **settings: Any) -> list[str]:
    chat = [ScanMessage("U", t) for t in texts]
    result = scan_world_info(
        entries,
        chat,
        settings=WorldInfoSettings(**settings),
        max_prompt_tokens=budget_tokens,
        count_tokens=len,
        substitute=lambda s: s.replace("{{char}}", "Bot"),
    )
    return [e.content for e in result.activated]


def test_whole_word_matching_by_default() -> None:
    entries = [entry(1, ["magic"])]
    assert scan(entries, "my magic works") == ["E1"]
    assert scan(entries, "a magical place") == []
    assert scan(entries, "a magical place", match_whole_words=False) == ["E1"]


def test_case_insensitive_by_default_and_per_entry_override() -> None:
    assert scan([entry(1, ["Dragon"])], "the dragon sleeps") == ["E1"]
    assert scan([entry(1, ["Dragon"], case_sensitive=True)], "the dragon sleeps") == []
    assert scan([entry(1, ["dragon"])], "the DRAGON", case_sensitive=True) == []


def test_multi_word_keys_are_substrings() -> None:
    assert scan([entry(1, ["safe haven"])], "a safe havens list") == ["E1"]


def test_regex_keys() -> None:
    assert scan([entry(1, ["/dra+gon/i"])], "DRAAAGON") == ["E1"]
    assert scan([entry(1, ["/^x$/"])], "y") == []


# /(a|aa)+$/ against "a"*30 + "!" backtracks for minutes in a plain engine (issue 13: 6.9 s at 26 characters).
CATASTROPHIC = "/(a|aa)+$/"


def test_a_catastrophic_regex_key_is_stopped_skipped_and_reported() -> None:
    entries = [entry(1, [CATASTROPHIC]), entry(2, ["/a+!/"]), entry(3, [CATASTROPHIC, "plain"])]
    chat = [ScanMessage("U", "a" * 30 + "! plain")]
    result = scan_world_info(entries, chat, settings=WorldInfoSettings(), max_prompt_tokens=100000,
                             count_tokens=len, substitute=lambda s: s)
    # The bounded key never fires; a sound regex key and a later plain key of the same entry still do.
    assert [e.content for e in result.activated] == ["E2", "E3"]
    assert result.timed_out_keys == [CATASTROPHIC]


def test_a_timed_out_regex_key_is_named_in_the_prompt_notes(card: Card) -> None:
    lorebook = book(lore([CATASTROPHIC], "NEVER", 0), lore(["ping"], "PONG", 0))
    messages = [bot("Hi."), user("a" * 30 + "! ping")]
    result = assemble(card, messages, user_name="User", profile=chat_profile(), counter=estimate_counter(),
                      lorebooks=[lorebook])
    contents = "\n".join(m["content"] for m in result.messages)
    assert "PONG" in contents and "NEVER" not in contents
    assert any("regex key skipped" in note and CATASTROPHIC in note for note in result.notes)


def test_macros_in_keys() -> None:
    assert scan([entry(1, ["{{char}}"])], "hello Bot") == ["E1"]


def test_empty_keys_never_match_and_constant_always_does() -> None:
    assert scan([entry(1, [""]), entry(2, [], constant=True)], "anything") == ["E2"]


@pytest.mark.parametrize(
    ("logic", "secondary", "expected"),
    [
        (AND_ANY, ["cat", "zzz"], True),
        (AND_ANY, ["zzz"], False),
        (NOT_ALL, ["cat", "zzz"], True),
        (NOT_ALL, ["cat", "dog"], False),
        (NOT_ANY, ["zzz", "yyy"], True),
        (NOT_ANY, ["cat", "zzz"], False),
        (AND_ALL, ["cat", "dog"], True),
        (AND_ALL, ["cat", "zzz"], False),
    ],
)
def test_secondary_logic(logic: int, secondary: list[str], expected: bool) -> None:
    e = entry(1, ["pet"], keysecondary=secondary, selective_logic=logic)
    assert scan([e], "pet cat dog") == (["E1"] if expected else [])


def test_secondary_keys_ignored_when_not_selective() -> None:
    e = entry(1, ["pet"], keysecondary=["zzz"], selective=False)
    assert scan([e], "pet") == ["E1"]


def test_scan_depth() -> None:
    e = entry(1, ["old"])
    assert scan([e], "old", "new", "newer") == []
    assert scan([e], "old", "new", "newer", depth=3) == ["E1"]
    assert scan([entry(1, ["old"], scan_depth=3)], "old", "new", "newer") == ["E1"]
    # Scan depth 0 scans nothing at all.
    assert scan([e], "old", depth=0) == []


def test_names_are_part_of_the_buffer() -> None:
    assert scan([entry(1, ["U"])], "hi") == ["E1"]
    assert scan([entry(1, ["U"])], "hi", include_names=False) == []


def test_recursion() -> None:
    a = entry(1, ["alpha"], "mentions beta")
    b = entry(2, ["beta"], "B text")
    assert scan([a, b], "alpha") == ["mentions beta", "B text"]
    assert scan([a, b], "alpha", recursive=False) == ["mentions beta"]
    a_stop = entry(1, ["alpha"], "mentions beta", prevent_recursion=True)
    assert scan([a_stop, b], "alpha") == ["mentions beta"]
    b_excl = entry(2, ["beta"], "B text", exclude_recursion=True)
    assert scan([a, b_excl], "alpha") == ["mentions beta"]
    late = entry(2, ["alpha"], "late", delay_until_recursion=1)
    assert scan([a, late, b], "alpha") == ["mentions beta", "late", "B text"]
    assert scan([late], "alpha") == []


def test_disabled_and_probability_zero() -> None:
    assert scan([entry(1, ["x"], disable=True)], "x") == []
    assert scan([entry(1, ["x"], probability=0)], "x") == []
    assert scan([entry(1, ["x"], probability=0, use_probability=False)], "x") == ["E1"]


def test_budget_overflow_drops_the_entry_and_later_ones() -> None:
    entries = [entry(1, ["x"], "a" * 40, order=300), entry(2, ["x"], "b" * 40, order=200), entry(3, ["x"], "c" * 5)]
    # budget = 25% of max prompt tokens; count_tokens=len counts characters (entries joined with newlines)
    assert scan(entries, "x", budget_tokens=400) == ["a" * 40, "b" * 40, "c" * 5]
    # 80: "b" overflows (82 >= 80) and is dropped; "c" would fit but nothing follows an overflow.
    assert scan(entries, "x", budget_tokens=320) == ["a" * 40]
    # Exactly reaching the budget counts as overflow.
    assert scan(entries, "x", budget_tokens=328) == ["a" * 40]
    assert scan(entries, "x", budget_tokens=332) == ["a" * 40, "b" * 40]
    ignoring = entry(4, ["x"], "d" * 50, order=1, ignore_budget=True)
    assert scan([*entries, ignoring], "x", budget_tokens=320) == ["a" * 40, "d" * 50]


def test_inclusion_group_override_keeps_highest_order() -> None:
    entries = [
        entry(1, ["x"], group="g", order=10, group_override=True),
        entry(2, ["x"], group="g", order=20, group_override=True),
        entry(3, ["x"], group="g", order=30),
    ]
    assert scan(entries, "x") == ["E2"]


def test_inclusion_group_picks_one() -> None:
    entries = [entry(i, ["x"], group="g") for i in range(5)]
    assert len(scan(entries, "x")) == 1


def test_decorators() -> None:
    assert split_decorators("@@activate\nbody") == (("@@activate",), "body")
    assert scan([entry(1, ["nomatch"], "@@activate\nforced")], "x") == ["forced"]
    assert scan([entry(1, ["x"], "@@dont_activate\nnever")], "x") == []


def test_world_file_and_card_book_agree(corpus: Path, seraphina: Card) -> None:
    world = json.loads((corpus / "worldinfo" / "st_Eldoria_2024.json").read_text("utf-8"))
    from_file = entries_of(world, "Eldoria")
    assert seraphina.character_book is not None
    from_card = entries_of(seraphina.character_book, "Eldoria")
    assert [(e.key, e.content, e.order, e.position) for e in from_file] == [
        (e.key, e.content, e.order, e.position) for e in from_card
    ]
    found = scan(from_file, "the forest is full of beasts", recursive=False)
    assert len(found) == 2
    assert "What is Eldoria?" in found[0]
    assert "What are Shadowfangs?" in found[1]


def book(*entries: LorebookEntry) -> Lorebook:
    return Lorebook(name="Test", entries=list(entries))


def lore(keys: list[str], content: str, position: int, order: int = 100, **ext: Any) -> LorebookEntry:
    return LorebookEntry(keys=keys, content=content, insertion_order=order, extensions={"position": position, **ext})


@pytest.fixture
def card() -> Card:
    return Card(name="Bot", description="DESC", first_mes="Hi.")


def test_positions_in_chat_completion(card: Card) -> None:
    lorebook = book(
        lore(["ping"], "BEFORE-LOW", 0, order=1),
        lore(["ping"], "BEFORE-HIGH", 0, order=9),
        lore(["ping"], "AFTER", 1),
        lore(["ping"], "DEPTH0-USER", 4, depth=0, role=1),
        lore(["ping"], "DEPTH1", 4, depth=1, role=0),
    )
    messages = [bot("Hi."), user("ping")]
    result = assemble(
        card, messages, user_name="User", profile=chat_profile(), counter=estimate_counter(), lorebooks=[lorebook]
    )
    contents = [m["content"] for m in result.messages]
    # Ascending by order: the higher order lands later (closer to the chat).
    assert contents[1] == "BEFORE-LOW\nBEFORE-HIGH"
    assert contents.index("AFTER") > contents.index("DESC")
    assert contents[-1] == "DEPTH0-USER"
    assert result.messages[-1]["role"] == "user"
    assert contents[-3:] == ["DEPTH1", "ping", "DEPTH0-USER"]


def test_positions_in_text_completion_and_examples(card: Card) -> None:
    lorebook = book(
        lore(["ping"], "WB", 0),
        lore(["ping"], "WA", 1),
        lore(["ping"], "<START>\n{{user}}: ex q\n{{char}}: ex a", 5),
        lore(["ping"], "OUT", 7, outlet_name="Box"),
    )
    context = load_context("ChatML").model_copy(
        update={"story_string": load_context("ChatML").story_string.replace("{{trim}}", "Outlet says {{outlet::Box}}.")}
    )
    result = assemble(
        card,
        [bot("Hi."), user("ping")],
        user_name="User",
        profile=text_profile(),
        counter=estimate_counter(),
        lorebooks=[lorebook],
        context=context,
    )
    assert "WB\nDESC\nWA\nOutlet says OUT.<|im_end|>" in result.text
    assert "<|im_start|>user\nUser: ex q<|im_end|>\n<|im_start|>assistant\nex a<|im_end|>\n" in result.text


def test_authors_note_with_lore_top_and_bottom(card: Card) -> None:
    lorebook = book(lore(["ping"], "TOP", 2), lore(["ping"], "BOTTOM", 3))
    meta = {"note_prompt": "Keep it short.", "note_depth": 1, "note_position": 1, "note_role": 0}
    result = assemble(
        card,
        [bot("Hi."), user("ping")],
        user_name="User",
        profile=chat_profile(),
        counter=estimate_counter(),
        lorebooks=[lorebook],
        chat_metadata=meta,
    )
    contents = [m["content"] for m in result.messages]
    assert contents[-2:] == ["TOP\nKeep it short.\nBOTTOM", "ping"]


def test_card_lorebook_can_be_switched_off(seraphina: Card) -> None:
    messages = [bot(seraphina.first_mes), user("Hello there!", "Tester")]
    on = assemble(seraphina, messages, user_name="Tester", profile=chat_profile(), counter=estimate_counter())
    off = assemble(
        seraphina,
        messages,
        user_name="Tester",
        profile=chat_profile(),
        counter=estimate_counter(),
        settings=PromptSettings(use_card_lorebook=False),
    )
    assert len(on.messages) == len(off.messages) + 1
    assert not any(n.startswith("world info") for n in off.notes)


def test_entries_can_scan_card_fields() -> None:
    chat = [ScanMessage("U", "nothing here")]
    plain = entry(1, ["pilot"])
    flagged = entry(2, ["pilot"], match_sources=("description",))
    result = scan_world_info(
        [plain, flagged],
        chat,
        settings=WorldInfoSettings(),
        max_prompt_tokens=10000,
        count_tokens=len,
        substitute=lambda s: s,
        sources={"description": "She is a pilot.", "scenario": "pilot"},
    )
    assert [e.uid for e in result.activated] == [2]


def test_match_flags_from_both_file_shapes() -> None:
    world = {"entries": {"0": {"uid": 0, "key": ["a"], "content": "x", "matchScenario": True}}}
    assert entries_of(world)[0].match_sources == ("scenario",)
    card_book = Lorebook(
        entries=[LorebookEntry(keys=["a"], content="x", extensions={"match_persona_description": True})]
    )
    assert entries_of(card_book)[0].match_sources == ("persona",)


def test_min_activations_scan_deeper() -> None:
    old = entry(1, ["ancient"])
    assert scan([old], "ancient", "x", "y", "z") == []
    assert scan([old], "ancient", "x", "y", "z", min_activations=1) == ["E1"]
    # The depth limit stops the deeper passes.
    assert scan([old], "ancient", "x", "y", "z", min_activations=1, min_activations_depth_max=3) == []


def test_delay_levels_get_their_own_pass() -> None:
    a = entry(1, ["alpha"], "A")
    level1 = entry(2, ["alpha"], "L1", delay_until_recursion=1)
    level2 = entry(3, ["alpha"], "L2", delay_until_recursion=2)
    # Level 1 fires in the first recursion pass; level 2 only in the extra pass for its level.
    assert scan([a, level1, level2], "alpha") == ["A", "L1", "L2"]
    assert scan([a, level1, level2], "alpha", recursive=False) == ["A"]


def test_group_scoring_keeps_best_match() -> None:
    weak = entry(1, ["cat"], "weak", group="g", use_group_scoring=True)
    strong = entry(2, ["cat", "dog"], "strong", group="g", use_group_scoring=True)
    for _ in range(5):
        assert scan([weak, strong], "cat and dog") == ["strong"]
    globally = [entry(1, ["cat"], "weak", group="g"), entry(2, ["cat", "dog"], "strong", group="g")]
    assert scan(globally, "cat and dog", use_group_scoring=True) == ["strong"]
