"""Tags as folders and favourites in the library pane: folder rows, going in and out, the favourite star, and
the view remembered in ui.json."""

from __future__ import annotations

import json
from pathlib import Path

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.library.card_list import CardList
from tests.ui.helpers import wait_for, wait_idle, write_card


def rows(pane: CardList) -> list[str]:
    return [str(pane.options.get_option_at_index(i).prompt).split("\n")[0] for i in range(pane.options.option_count)]


async def test_tag_folders_favourite_and_remembered_view(ctx: AppContext, library: Path, home: Path) -> None:
    write_card(library, "cleo.json", name="Cleo", tags=["sea", "noir"])
    write_card(library, "dora.json", name="Dora", tags=[])
    app = TavoApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = app.main_screen.query_one(CardList)
        await app.run_action("toggle_folders", pane)
        await wait_for(pilot, lambda: rows(pane)[:3] == ["▸ #noir  1", "▸ #sea  1", "▸ #test  2"])
        assert rows(pane)[3:] == ["Dora"]  # only the untagged card outside the folders
        pane.options.focus()
        pane.options.highlighted = 2
        await pilot.press("enter")  # into #test
        await wait_for(pilot, lambda: rows(pane)[0].startswith("‹ back"))
        assert sorted(rows(pane)[1:]) == ["Alice", "[/INST] Bob"]
        assert pane.highlighted_path is not None  # the first card, not the back row
        await wait_idle(pilot)
        assert json.loads((home / "config" / "ui.json").read_text())["library"]["folder"] == "test"
        await pilot.press("backspace")  # out again, onto the folder just left
        await wait_for(pilot, lambda: rows(pane)[0] == "▸ #noir  1")
        assert pane.options.highlighted == 2
        # A favourite gets a star and is listed first.
        pane.options.highlighted = 3
        await app.run_action("toggle_favourite", pane)
        await wait_for(pilot, lambda: "★ Dora" in rows(pane))
        await app.run_action("toggle_folders", pane)
        await wait_for(pilot, lambda: rows(pane)[0] == "★ Dora")


async def test_broken_files_are_listed_with_the_reason(ctx: AppContext, library: Path) -> None:
    from tavo_tui.ui.shared.dialogs import ReportDialog

    (library / "broken.json").write_text("{oops", encoding="utf-8")
    (library / "[red]fake.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    app = TavoApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = app.main_screen.query_one(CardList)
        pane.reload()
        await wait_for(pilot, lambda: rows(pane)[-1] == "⚠ 2 file(s) could not be read")
        assert pane.options.option_count == 3  # Alice, Bob, the row
        pane.options.focus()
        pane.options.highlighted = 2
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportDialog))
        body = str(app.screen.body)
        assert "[red]fake.png: " in body and "broken.json: " in body  # names shown literally
