"""The library pane: a 2,000-card list with filter and sort, the detail view, import, export, duplicate, delete,
create and edit (fields in the app, long fields in $EDITOR)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static, TextArea

from tavo_tui.cards import read_card
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.library.card_detail import CardDetailScreen
from tavo_tui.ui.library.card_editor import CardEditorScreen
from tavo_tui.ui.library.card_list import CardList
from tavo_tui.ui.main import screen as main_screen
from tavo_tui.ui.shared.dialogs import ChoiceDialog, ConfirmDialog, ReportDialog, TextPrompt
from tests.ui.helpers import main, screen_text, wait_for, wait_idle, write_card

FAKE_TEXT = "Written in the fake editor."


def cards(app: TavoApp) -> CardList:
    return main(app).query_one(CardList)


def names(app: TavoApp) -> list[str]:
    pane = cards(app)
    return [str(pane.options.get_option_at_index(i).prompt).split("\n")[0] for i in range(pane.options.option_count)]


async def command(pilot: Pilot[Any], action: str) -> None:
    """Run a library command on the highlighted card, as its leader key or palette entry does (its letter key,
    now typed into the filter, no longer does)."""
    await pilot.app.run_action(action, cards(pilot.app))  # type: ignore[arg-type]
    await pilot.pause()


async def focus_card(pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    pane = cards(pilot.app)
    pane.options.focus()
    pane.options.highlighted = names(pilot.app).index(name)
    await pilot.pause()


@pytest.fixture
def big_library(tmp_path: Path) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(2000):
        data = {"name": f"Card {i:04d}", "description": "x", "first_mes": "hi",
                "tags": ["even" if i % 2 == 0 else "odd"], "creator": "maker" if i % 10 == 0 else "anon"}
        (folder / f"c{i:04d}.json").write_text(json.dumps({"spec": "chara_card_v2", "spec_version": "2.0",
                                                           "data": data}), encoding="utf-8")
    return folder


async def test_two_thousand_cards_list_filter_and_sort(home: Path, big_library: Path) -> None:
    ctx = AppContext.open(home=home, library=[big_library])
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = cards(app)
        assert pane.options.option_count == 2000
        assert "Characters (2000)" in screen_text(app)
        pane.options.focus()
        await pilot.press("slash")
        assert pane.filter_input.has_focus
        await pilot.press(*"#even")
        await wait_for(pilot, lambda: pane.options.option_count == 1000)
        pane.filter_input.value = "maker #even 19"
        expected = sum(1 for i in range(0, 2000, 10) if "19" in f"card {i:04d} c{i:04d}")
        await wait_for(pilot, lambda: pane.options.option_count == expected)
        assert all("maker" in str(pane.options.get_option_at_index(i).prompt) for i in range(expected))
        await pilot.press("escape")  # clears the filter and returns to the list
        await wait_for(pilot, lambda: pane.options.option_count == 2000)
        assert pane.options.has_focus
        # Sort: date added (newest first), then recently chatted (a chatted card first).
        for i, path in enumerate(sorted(big_library.iterdir())):
            os.utime(path, (10_000 + i, 10_000 + i))
        chat = ctx.open_chat(big_library / "c0500.json", "demo")
        chat.insert_narrator("A note.")
        chat.close()
        await command(pilot, "cycle_sort")
        await wait_for(pilot, lambda: names(app)[0] == "Card 0500")
        assert "Characters · recent" in screen_text(app)
        await command(pilot, "cycle_sort")
        await wait_for(pilot, lambda: names(app)[0] == "Card 1999")
        await command(pilot, "cycle_sort")
        await wait_for(pilot, lambda: names(app)[0] == "Card 0000")


async def test_detail_view_and_new_chat_with_a_chosen_greeting(ctx: AppContext, library: Path) -> None:
    write_card(library, "greta.json", name="Greta", first_mes="Hello there.", creator="Ann",
               alternate_greetings=["Second hello.", "Third hello."], system_prompt="Be kind.",
               post_history_instructions="Stay short.", mes_example="<START>\n{{char}}: hi")
    app = TavoApp(ctx)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        await focus_card(pilot, "Greta")
        await command(pilot, "detail")
        await wait_for(pilot, lambda: isinstance(app.screen, CardDetailScreen))
        text = screen_text(app)
        for expected in ("Greta", "by Ann", "Alternate 2", "Third hello.", "permanent tokens:"):
            assert expected in text
        detail = app.screen
        assert isinstance(detail, CardDetailScreen)
        assert detail.detail.permanent_tokens > 0 and "system_prompt" in detail.detail.field_tokens
        await pilot.press("down", "down", "enter")
        await wait_idle(pilot)
        assert app.screen is main(app)
        session = main(app).session
        assert session is not None and session.card.name == "Greta"
        assert session.messages[0].mes == "Third hello."


async def test_import_a_folder_reports_failures(ctx: AppContext, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    write_card(incoming, "nova.json", name="Nova")
    (incoming / "broken.json").write_text("{oops", encoding="utf-8")
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        cards(app).options.focus()
        await command(pilot, "import_cards")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = str(incoming)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportDialog))
        text = screen_text(app)
        assert "Imported 1 card(s), 1 failed" in text and "broken.json" in text
        await pilot.press("escape")
        await wait_idle(pilot)
        assert "Nova" in names(app)
    assert (ctx.paths.cards_dir / "nova.json").is_file()
    assert not (ctx.paths.cards_dir / "broken.json").exists()


async def test_export_duplicate_and_delete(ctx: AppContext, library: Path, tmp_path: Path) -> None:
    app = TavoApp(ctx)
    dest = tmp_path / "out" / "alice-export.charx"
    dest.parent.mkdir()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await focus_card(pilot, "Alice")
        await command(pilot, "export_card")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("down", "down", "enter")  # CHARX
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        assert app.screen.query_one(Input).value.endswith("alice.charx")
        app.screen.query_one(Input).value = str(dest)
        await pilot.press("enter")
        await wait_idle(pilot)
        assert read_card(dest).card.name == "Alice"
        await focus_card(pilot, "Alice")
        await command(pilot, "duplicate_card")
        await wait_for(pilot, lambda: "Alice (copy)" in names(app))
        await focus_card(pilot, "Alice (copy)")
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await wait_idle(pilot)
        assert "Alice (copy)" in names(app)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: "Alice (copy)" not in names(app))
    assert not list(ctx.paths.cards_dir.glob("*copy*"))
    assert (library / "alice.json").is_file()


async def test_create_and_edit_with_the_external_editor(ctx: AppContext, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "fake-editor.sh"
    script.write_text(f'#!/bin/sh\nprintf "{FAKE_TEXT}" > "$1"\n')
    script.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.pause()
        cards(app).options.focus()
        await command(pilot, "create_card")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = "Nova"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardEditorScreen))
        editor = app.screen
        editor.query_one("#field-tags", Input).value = "space, ai"
        editor.query_one("#field-alternate_greetings", TextArea).load_text("One.\n---8<---\nTwo.")
        editor.query_one("#field-description", TextArea).focus()
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: editor.query_one("#field-description", TextArea).text == FAKE_TEXT)
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        assert app.screen is main(app)
        assert "Nova" in names(app)
        created = ctx.paths.cards_dir / "Nova.png"
        card = read_card(created).card
        assert card.description == FAKE_TEXT and card.tags == ["space", "ai"]
        assert card.alternate_greetings == ["One.", "Two."]
        # Edit again in the app: a field changes, everything else is kept.
        await focus_card(pilot, "Nova")
        await command(pilot, "edit_card")
        await wait_for(pilot, lambda: isinstance(app.screen, CardEditorScreen))
        app.screen.query_one("#field-personality", TextArea).load_text("Dry wit.")
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        card = read_card(created).card
        assert card.personality == "Dry wit." and card.description == FAKE_TEXT


async def test_the_filter_shows_untrusted_names_literally(ctx: AppContext) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = cards(app)
        pane.filter_input.focus()
        pane.filter_input.value = "[/INST]"
        await wait_for(pilot, lambda: pane.options.option_count == 1)
        assert "[/INST] Bob" in screen_text(app)
        pane.filter_input.value = "nobody-matches"
        await wait_for(pilot, lambda: pane.options.option_count == 0)
        assert "No card matches the" in screen_text(app)
        assert isinstance(pane.options, OptionList)


async def test_a_long_library_shows_a_screenful_first_then_the_rest(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    for name in ["Edda", "Anna", "Carla", "Bert", "Dora"]:
        write_card(folder, f"{name.lower()}.json", name=name)
    AppContext.open(home=home, library=[folder]).card_entries()  # an earlier run listed (and cached) these
    monkeypatch.setattr(main_screen, "FIRST_FRAME_CARDS", 2)
    first_frame: list[tuple[list[str], str]] = []
    real = CardList.set_cards

    def recording(self: CardList, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        first_frame.append(([p.stem for p in self.paths], str(self.query_one(".pane-title", Static).render())))

    monkeypatch.setattr(CardList, "set_cards", recording)
    app = TavoApp(AppContext.open(home=home, library=[folder]))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: names(app) == ["Anna", "Bert", "Carla", "Dora", "Edda"])
        assert first_frame[0][0] == ["anna", "bert"]  # the start of the sorted list...
        assert "(5)" in first_frame[0][1]  # ...under the library's real size
        assert "(5)" in str(cards(app).query_one(".pane-title", Static).render())


async def test_the_first_frame_lists_the_cached_library_and_changes_on_disk_follow(
    home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    write_card(folder, "a.json", name="Anna")
    gone = write_card(folder, "b.json", name="Bert")
    AppContext.open(home=home, library=[folder]).card_entries()  # an earlier run listed (and cached) these
    write_card(folder, "c.json", name="Carla")  # changed since: one new, one deleted
    gone.unlink()
    app = TavoApp(AppContext.open(home=home, library=[folder]))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: names(app) == ["Anna", "Carla"])
        assert not main(app)._cards_unchecked


async def test_the_check_after_the_first_frame_lists_once_and_off_the_main_thread(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    write_card(folder, "a.json", name="Anna")
    AppContext.open(home=home, library=[folder]).card_entries()
    write_card(folder, "b.json", name="Bert")  # changed since the cache: the list must be redone
    listings: list[bool] = []  # per full listing: was it on the main thread?
    real = AppContext.card_entries

    def recording(self: AppContext, *args: Any, **kwargs: Any) -> Any:
        listings.append(threading.current_thread() is threading.main_thread())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(AppContext, "card_entries", recording)
    app = TavoApp(AppContext.open(home=home, library=[folder]))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: names(app) == ["Anna", "Bert"])
        await wait_idle(pilot)
        assert listings == [False]  # one listing, in a worker; the pane took its result as it was
