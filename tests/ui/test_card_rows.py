"""Card list rows are built when drawn: a large library lists at once, each row's height matches its text,
and what the list shows and reports is the same as with ready-made rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textual.app import App, ComposeResult

from tavo_tui.ui.library.card_list import CardList, CardRow, _card_prompt
from tests.ui.helpers import screen_text


@dataclass
class Entry:
    path: Path
    name: str
    tags: list[str] = field(default_factory=list)
    creator: str = ""


def entries(count: int, prefix: str = "Card") -> list[Entry]:
    # Every third card has neither creator nor tags: a one-line row among two-line ones.
    return [Entry(Path(f"/lib/{prefix}-{i:05d}.json"), f"{prefix} {i:05d}",
                  [] if i % 3 == 0 else ["tag"], "" if i % 3 == 0 else "maker") for i in range(count)]


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CardList(id="cards")


def names(pane: CardList) -> list[str]:
    return [str(pane.options.get_option_at_index(i).prompt).split("\n")[0] for i in range(pane.options.option_count)]


async def test_a_large_library_lists_whole_at_once_with_the_active_card_highlighted() -> None:
    listed = entries(2500)
    app = ListApp()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one(CardList)
        pane.set_cards(listed, listed[1700].path)
        await pilot.pause()
        assert names(pane) == [e.name for e in listed]
        assert pane.options.highlighted == 1700 and pane.highlighted_path == listed[1700].path
        rows = sum(1 if i % 3 == 0 else 2 for i in range(len(listed)))
        assert pane.options.virtual_size.height == rows
        assert "Card 01700" in screen_text(app)  # scrolled to the highlight and drawn


@dataclass
class Case:
    name: str
    tags: list[str]
    creator: str


async def test_a_row_is_as_tall_as_its_text() -> None:
    cases = [
        Case("Plain", [], ""),
        Case("Tagged", ["fantasy", "elf"], ""),
        Case("Made", [], "someone"),
        Case("Blank creator", ["  "], "   "),
        Case("Control-only tags", ["\x1b[31m", "\x07"], ""),
        Case("Wide tag", ["\u3000x"], ""),
        Case("", [], ""),  # no name: the file name stands in
    ]
    for case in cases:
        entry = Entry(Path("/lib/file name.json"), case.name, case.tags, case.creator)
        row = CardRow(entry)
        text = str(_card_prompt(entry))
        assert row.get_height({}, 10) == text.count("\n") + 1, case  # type: ignore[arg-type]
        assert str(row) == text
    assert str(CardRow(Entry(Path("/lib/file\x1b]0;x\x07name.json"), ""))) == "file␛]0;x␇name"
