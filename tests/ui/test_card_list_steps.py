"""A large library is listed in two steps (the first rows before the first frame, the rest right after):
the list still ends up complete, in order, with the right card highlighted."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textual.app import App, ComposeResult

from tavo_tui.ui.widgets.card_list import FIRST_ROWS, CardList


@dataclass
class Entry:
    path: Path
    name: str
    tags: list[str] = field(default_factory=list)
    creator: str = ""


def entries(count: int, prefix: str = "Card") -> list[Entry]:
    return [Entry(Path(f"/lib/{prefix}-{i:05d}.json"), f"{prefix} {i:05d}", ["tag"], "maker") for i in range(count)]


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CardList(id="cards")


def names(pane: CardList) -> list[str]:
    return [str(pane.options.get_option_at_index(i).prompt).split("\n")[0] for i in range(pane.options.option_count)]


async def test_a_large_library_arrives_whole_and_keeps_the_active_card_highlighted() -> None:
    listed = entries(FIRST_ROWS * 2 + 50)
    active = listed[FIRST_ROWS + 120].path
    app = ListApp()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one(CardList)
        pane.set_cards(listed, active)
        assert pane.options.option_count == FIRST_ROWS  # the first step only
        await pilot.pause()
        assert names(pane) == [e.name for e in listed]
        assert pane.options.highlighted == FIRST_ROWS + 120
        assert pane.highlighted_path == active
        # Every row is one line of name plus one line of details, however narrow the pane.
        assert pane.options.virtual_size.height == 2 * len(listed)


async def test_a_newer_listing_drops_the_second_step_of_an_older_one() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one(CardList)
        pane.set_cards(entries(FIRST_ROWS + 300, "Old"))
        pane.set_cards(entries(5, "New"))  # e.g. a filter typed before the frame was drawn
        await pilot.pause()
        assert names(pane) == [f"New {i:05d}" for i in range(5)]


async def test_a_small_library_is_listed_in_one_step() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one(CardList)
        listed = entries(12)
        pane.set_cards(listed, listed[7].path)
        assert pane.options.option_count == 12 and pane.options.highlighted == 7
        await pilot.pause()
        assert pane.options.option_count == 12
