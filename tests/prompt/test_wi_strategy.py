"""SillyTavern's insertion strategy: which of the character's and the global books' entries a scan visits first
(what wins when the budget has room for only some), with the chat's own book always first."""

from __future__ import annotations

import pytest

from tavo_tui.model import Card, Lorebook, LorebookEntry
from tavo_tui.prompt.common import GlobalBook, lorebook_entries
from tavo_tui.prompt.settings import PromptSettings, WorldInfoSettings
from tavo_tui.prompt.worldinfo import ScanMessage, scan_world_info


def world(content: str, order: int) -> dict[str, object]:
    return {"entries": {"0": {"uid": 0, "key": ["gate"], "content": content, "order": order}}}


def fired(strategy: int, *, global_order: int = 100, chat: bool = False) -> list[str]:
    card = Card(name="Keeper", character_book=Lorebook(name="Keeper", entries=[
        LorebookEntry(keys=["gate"], content="char lore", insertion_order=100, enabled=True)]))
    books: list[dict[str, object]] = [GlobalBook(world("global lore", global_order), "Realm")]
    if chat:
        books.insert(0, world("chat lore", 1))
    settings = PromptSettings(world_info=WorldInfoSettings(budget=3, character_strategy=strategy))
    entries = lorebook_entries(card, books, settings)
    result = scan_world_info(
        entries, [ScanMessage("User", "open the gate")], settings=settings.world_info, max_prompt_tokens=100,
        count_tokens=lambda text: len(text.split()), substitute=lambda text: text)
    return [e.content for e in result.activated]


@pytest.mark.parametrize(("strategy", "winner"), [(1, "char lore"), (2, "global lore"), (0, "char lore")])
def test_budget_for_one_entry_goes_by_strategy(strategy: int, winner: str) -> None:
    assert fired(strategy) == [winner]  # equal orders: evenly keeps the book order (character first)


def test_sorted_evenly_goes_by_order_across_books() -> None:
    assert fired(0, global_order=200) == ["global lore"]
    assert fired(1, global_order=200) == ["char lore"]  # character first, whatever the orders


def test_chat_lore_comes_first_with_every_strategy() -> None:
    for strategy in (0, 1, 2):
        assert fired(strategy, chat=True) == ["chat lore"]


def test_a_global_book_is_labelled_by_its_stored_name() -> None:
    card = Card(name="Keeper")
    entries = lorebook_entries(card, [GlobalBook(world("x", 1), "Realm")], PromptSettings())
    assert [e.world for e in entries] == ["Realm"] and entries[0].label.startswith("Realm[0]")


def test_overflow_alert_puts_a_note_first_only_when_asked() -> None:
    from tavo_tui.model import ConnectionProfile
    from tavo_tui.prompt import assemble
    from tavo_tui.prompt.tokens import TokenCounter

    card = Card(name="Keeper", character_book=Lorebook(name="Keeper", entries=[
        LorebookEntry(keys=["gate"], content="lore " * 40, insertion_order=100 - i, enabled=True) for i in range(3)]))
    profile = ConnectionProfile(name="p", model="gpt-4o", max_context=400, max_tokens=100)

    def notes(alert: bool) -> list[str]:
        settings = PromptSettings(world_info=WorldInfoSettings(budget=20, overflow_alert=alert))
        return assemble(card, [], user_name="Sam", profile=profile, counter=TokenCounter("estimate", False),
                        settings=settings, pending_user="open the gate").notes

    alerted = notes(True)
    assert alerted[0].startswith("world-info budget overflow: 2 entries left out")
    assert not any(n.startswith("world-info budget overflow") for n in notes(False))
