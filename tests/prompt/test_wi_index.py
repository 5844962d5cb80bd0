"""The world-info entry index: scans that use it activate exactly what full scans do, and its memos follow
lorebook and setting changes."""

from __future__ import annotations

import random
import re
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import strategies as st

from tavo_tui.model import Card, Lorebook, LorebookEntry
from tavo_tui.prompt import PromptSettings, WorldInfoSettings, assemble, wi_index
from tavo_tui.prompt.cache import PromptCache
from tavo_tui.prompt.common import lorebook_entries
from tavo_tui.prompt.timed import TimedEffects
from tavo_tui.prompt.tokens import estimate_counter
from tavo_tui.prompt.wi_index import EntryIndex, entry_index
from tavo_tui.prompt.worldinfo import ScanMessage, WIEntry, WorldInfoResult, scan_world_info
from tests.fuzzing import quick_and_long

from .conftest import bot, chat_profile, text_profile, user

WORDS = ["ash", "Bell", "cove", "dusk", "ember", "fjord", "gale", "harbor", "isle", "jade"]
# Phrases (also one whose last word only starts a buffer word), one-word keys with other characters, regex.
KEYS = [*WORDS, "ash bell", "ash be", "sh bell", "Cove", "dusk-fall", "/em.er/i", "/^gale/", "{{char}}", "is", "x",
        "café", "x.y", "Isle  of", "él"]
TEXT_WORDS = [*WORDS, "ASH", "ember.", "Bot", "isle,", "café,", "Élan", "x.y", "isle  of", "dusk-fall!", "(x.y)",
              "cash bell", "ash bells"]


def _entry(uid: int, draw: Any) -> WIEntry:
    kw: dict[str, Any] = {
        "order": draw(st.integers(0, 5)),  # many equal orders: the stable order matters
        "constant": draw(st.booleans()) and draw(st.booleans()),
        "selective": draw(st.booleans()),
        "keysecondary": draw(st.lists(st.sampled_from(KEYS), max_size=2)),
        "selective_logic": draw(st.integers(0, 3)),
        "scan_depth": draw(st.sampled_from([None, None, None, 1, 3])),
        "case_sensitive": draw(st.sampled_from([None, None, True, False])),
        "match_whole_words": draw(st.sampled_from([None, None, True, False])),
        "exclude_recursion": draw(st.booleans()),
        "prevent_recursion": draw(st.booleans()),
        "delay_until_recursion": draw(st.sampled_from([0, 0, 0, 1, 2])),
        "match_sources": draw(st.sampled_from([(), (), ("description",)])),
        "group": draw(st.sampled_from(["", "", "g1", "g2"])),
        "disable": draw(st.booleans()) and draw(st.booleans()),
    }
    prefix = draw(st.sampled_from(["", "", "@@activate\n", "@@dont_activate\n"]))
    keys = draw(st.lists(st.sampled_from(KEYS), max_size=3))
    # Content mentions other keys, so recursion has something to find.
    content = prefix + f"lore {uid} " + " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=2)))
    return WIEntry(uid=uid, world="w", key=keys, content=content, **kw)


def _result(result: WorldInfoResult) -> tuple[object, ...]:
    return (
        [e.label for e in result.activated],
        [e.label for e in result.dropped_by_budget],
        result.before,
        result.after,
        result.depth,
    )


def _scan(entries: list[WIEntry], texts: list[str], wi: WorldInfoSettings, index: EntryIndex | None,
          timed: TimedEffects | None = None) -> tuple[object, ...]:
    return _result(
        scan_world_info(
            entries,
            [ScanMessage("U", t) for t in texts],
            settings=wi,
            max_prompt_tokens=400,
            count_tokens=lambda text: len(text) // 4 + 1,
            substitute=lambda text: text.replace("{{char}}", "Bot"),
            rng=random.Random(3),
            index=index,
            timed=timed,
            sources={"description": "a cove by the harbor"},
        )
    )


def _timed(data: st.DataObject, uids: int) -> dict[str, Any]:
    """Stored sticky / cooldown effects on some of the entries (a dict: each scan gets its own TimedEffects)."""
    ids = st.lists(st.integers(0, max(0, uids - 1)), max_size=3) if uids else st.just([])
    return {
        kind: {f"w.{uid}": {"start": 1, "end": 9} for uid in data.draw(ids)} for kind in ("sticky", "cooldown")
    }


def indexed_scan_equals_full_scan(data: st.DataObject) -> None:
    entries = [_entry(uid, data.draw) for uid in range(data.draw(st.integers(0, 14)))]
    texts = [
        " ".join(data.draw(st.lists(st.sampled_from(TEXT_WORDS), max_size=6)))
        for _ in range(data.draw(st.integers(0, 4)))
    ]
    wi = WorldInfoSettings(
        depth=data.draw(st.integers(0, 3)),
        case_sensitive=data.draw(st.booleans()),
        match_whole_words=data.draw(st.booleans()) or data.draw(st.booleans()),
        recursive=data.draw(st.booleans()),
        min_activations=data.draw(st.sampled_from([0, 0, 2])),
        budget=data.draw(st.sampled_from([25, 3])),
    )
    state = _timed(data, len(entries)) if data.draw(st.booleans()) else None

    def timed() -> TimedEffects | None:
        return None if state is None else TimedEffects(5, state={k: dict(v) for k, v in state.items()})

    full = _scan(entries, texts, wi, None, timed())
    assert _scan(entries, texts, wi, EntryIndex(entries), timed()) == full
    # Small books test each phrase and odd key directly; large ones look them up: both must agree.
    with patch.object(wi_index, "DIRECT", 0):
        assert _scan(entries, texts, wi, EntryIndex(entries), timed()) == full


test_indexed_scan_equals_full_scan, test_indexed_scan_equals_full_scan_long = quick_and_long(
    st.data(), quick=60, long=600, deadline=None)(indexed_scan_equals_full_scan)


def _w(uid: int, keys: list[str], **kw: Any) -> WIEntry:
    return WIEntry(uid=uid, world="w", key=keys, content=kw.pop("content", f"lore {uid}"), **kw)


# Each case has an entry (uid 1) that fires only in one particular way; the index must not skip it.
CASES: dict[str, tuple[list[WIEntry], list[str], dict[str, Any]]] = {
    "constant": ([_w(1, ["zzz"], constant=True)], ["ash"], {}),
    "decorator": ([_w(1, ["zzz"], content="@@activate\nlore 1")], ["ash"], {}),
    "macro key": ([_w(1, ["{{char}}"])], ["hello Bot"], {}),
    "own scan depth": ([_w(1, ["ember"], scan_depth=4)], ["ember", "x", "y", "z"], {}),
    "own sources": ([_w(1, ["harbor"], match_sources=("description",))], ["ash"], {}),
    "own whole-words flag": ([_w(1, ["emb"], match_whole_words=False)], ["ember"], {}),
    "phrase": ([_w(1, ["ash bell"])], ["an ash bell rang"], {}),
    "regex": ([_w(1, ["/em.er/i"])], ["EMBER"], {}),
    "non-word key": ([_w(1, ["dusk-fall"])], ["at dusk-fall"], {}),
    "recursion": ([_w(1, ["gale"]), _w(2, ["ash"], content="a gale")], ["ash"], {}),
    "deeper pass": ([_w(1, ["cove"])], ["cove", "x", "y"], {"min_activations": 2}),
    "two keys, one entry": ([_w(1, ["jade", "isle"]), _w(2, ["isle"])], ["isle"], {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_entries_with_other_ways_to_fire_are_visited(name: str) -> None:
    entries, texts, extra = CASES[name]
    # Plain entries around it: one whose key is in the newest message and one whose key is nowhere.
    entries = [*entries, _w(8, ["isle"]), _w(9, ["fjord"])]
    texts = [*texts[:-1], texts[-1] + " isle"]
    wi = WorldInfoSettings(**extra)
    indexed = _scan(entries, texts, wi, EntryIndex(entries))
    assert indexed == _scan(entries, texts, wi, None)
    fired = indexed[0]
    assert isinstance(fired, list)
    assert "w[1]" in fired and "w[8]" in fired and "w[9]" not in fired


# Keys found through the lookups a large book uses (uid 1 must fire, as in a full scan).
LOOKUPS: dict[str, tuple[list[str], str]] = {
    "phrase whose first word ends a buffer word": (["sh bell"], "a cash bell"),
    "phrase whose last word starts a buffer word": (["cash be"], "a cash bell"),
    "phrase with a long last word": (["the harbormasters"], "see the harbormasters' hall"),
    "odd key inside a buffer word": (["x.y"], "call (x.y) now"),
    "short odd key": (["é"], "la é la"),
    "odd key with capitals": (["Café"], "at the CAFÉ"),
}


@pytest.mark.parametrize("name", sorted(LOOKUPS))
@pytest.mark.parametrize("direct", [0, wi_index.DIRECT])
def test_keys_found_through_the_lookups(name: str, direct: int) -> None:
    keys, text = LOOKUPS[name]
    entries = [_w(1, keys), _w(8, ["isle"]), _w(9, ["fjord", "fj ord", "fj-ord"])]
    with patch.object(wi_index, "DIRECT", direct):
        indexed = _scan(entries, [text + " isle"], WorldInfoSettings(), EntryIndex(entries))
    assert indexed == _scan(entries, [text + " isle"], WorldInfoSettings(), None)
    assert indexed[0] == ["w[1]", "w[8]"]


def test_sticky_entries_fire_without_a_key_also_with_the_index() -> None:
    entries = [WIEntry(uid=1, world="w", key=["ember"], content="sticky lore"), WIEntry(2, "w", ["ash"], "ash lore")]
    timed = TimedEffects(5, state={"sticky": {"w.1": {"start": 1, "end": 9}}})
    indexed = _scan(entries, ["ash"], WorldInfoSettings(), EntryIndex(entries), timed)
    assert indexed == _scan(entries, ["ash"], WorldInfoSettings(), None, timed)
    assert indexed[0] == ["w[1]", "w[2]"]


def test_an_index_of_another_list_is_ignored() -> None:
    entries = [WIEntry(uid=1, world="w", key=["ember"], content="lore")]
    other = EntryIndex([])
    assert _scan(entries, ["ember"], WorldInfoSettings(), other)[0] == ["w[1]"]


def _edited(book: Lorebook, **changes: Any) -> Lorebook:
    """A copy of `book` with its first entry changed, as the card editor makes one."""
    return book.model_copy(update={"entries": [book.entries[0].model_copy(update=changes), *book.entries[1:]]})


def test_same_books_give_the_same_list_and_index() -> None:
    book = Lorebook(name="B", entries=[LorebookEntry(keys=["ember"], content="lore")])
    card = Card(name="Bot", character_book=book)
    cache = PromptCache()
    first = lorebook_entries(card, [], PromptSettings(), cache)
    assert lorebook_entries(card, [], PromptSettings(), cache) is first
    assert entry_index(first, cache) is entry_index(first, cache)
    card.character_book = _edited(book, content="edited")  # books are values: an edit is a new book
    second = lorebook_entries(card, [], PromptSettings(), cache)
    assert second is not first and second[0].content == "edited"
    extra = Lorebook(name="Other", entries=[LorebookEntry(keys=["ash"], content="more")])
    assert [e.content for e in lorebook_entries(card, [extra], PromptSettings(), cache)] == ["edited", "more"]
    assert lorebook_entries(card, [], PromptSettings(use_card_lorebook=False), cache) == []


def _assembled(card: Card, messages: list[Any], counter: Any, **kw: Any) -> tuple[object, ...]:
    result = assemble(card, messages, user_name="U", counter=counter, **kw)
    return (result.text, result.messages, result.notes)


def test_lore_changes_after_warm_assembly_match_a_fresh_assembly() -> None:
    book = Lorebook(
        name="B",
        entries=[
            LorebookEntry(keys=["ember"], content="EMBER LORE", extensions={"position": 0}),
            LorebookEntry(keys=["Ash"], content="ASH LORE", extensions={"position": 1}),
        ],
    )
    card = Card(name="Bot", description="DESC", character_book=book)
    extra = Lorebook(name="X", entries=[LorebookEntry(keys=["cove"], content="COVE LORE")])
    messages = [bot("Hi.", "Bot"), user("an ember and some ash by the cove")]
    for profile in (chat_profile(), text_profile()):
        reused = estimate_counter()
        steps: list[dict[str, Any]] = [
            {},
            {"lorebooks": [extra]},
            {"settings": PromptSettings(world_info=WorldInfoSettings(case_sensitive=True))},
            {"settings": PromptSettings(world_info=WorldInfoSettings(match_whole_words=False))},
            {"settings": PromptSettings(use_card_lorebook=False)},
            {},
        ]
        seen: list[tuple[object, ...]] = []
        for kw in steps:
            got = _assembled(card, messages, reused, profile=profile, **kw)
            assert got == _assembled(card, messages, estimate_counter(), profile=profile, **kw)
            seen.append(got)
        assert "COVE LORE" in str(seen[1]) and "COVE LORE" not in str(seen[0])
        assert "ASH LORE" in str(seen[0]) and "ASH LORE" not in str(seen[2])  # "Ash" vs "ash", case-sensitive
        assert "LORE" not in str(seen[4])
        card.character_book = _edited(book, keys=["harbor"])
        edited = _assembled(card, messages, reused, profile=profile)
        assert edited == _assembled(card, messages, estimate_counter(), profile=profile)
        assert "EMBER LORE" not in str(edited)
        card.character_book = book


def test_a_pass_visits_only_the_entries_whose_keys_may_be_in_the_buffer() -> None:
    # The scaling promise: a huge book costs a pass what its matching entries do, not what its size does.
    entries = [_w(i, [f"word{i}", f"alias {i}", f"x-{i}"]) for i in range(5_000)]
    table = EntryIndex(entries).table(False, True)
    assert table is not None
    text = "word7 met alias 12 at x-345."
    visited = {e.uid for e in table.visit(text, text.lower(), set(re.split(r"[^a-z0-9_]+", text.lower())))}
    # "alias 1" is a plain substring of "alias 12", "x-3" and "x-34" of "x-345": the scan then tests them.
    assert {7, 12, 345} <= visited <= {7, 1, 12, 3, 34, 345}
    assert table.visit("", "", set()) == []
