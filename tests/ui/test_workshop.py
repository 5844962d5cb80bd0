"""The editors in the TUI: card editor (every field, lossless), prompt manager, lorebook editor, templates, and
the inspector's "edit source" key. Modals run on a bare host app (fast); one test drives the whole app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widgets import Checkbox, Input, OptionList, Select, TextArea

from tavo_tui.cards import read_card
from tavo_tui.model import Card
from tavo_tui.session import AppContext
from tavo_tui.session.workshop import PromptSettings, load_instruct
from tavo_tui.session.workshop_lore import books_for
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.library.card_editor import CardEditorScreen
from tavo_tui.ui.workshop.entry_form import EntryFormDialog
from tavo_tui.ui.workshop.lorebook import LorebookScreen
from tavo_tui.ui.workshop.prompt_form import PromptEntryDialog
from tavo_tui.ui.workshop.prompt_manager import PromptManagerScreen
from tavo_tui.ui.workshop.templates import TemplatesDialog
from tests.ui.helpers import main, screen_text, wait_for, wait_idle

SMALL = (80, 24)


class Host(App[None]):
    """Pushes one modal and keeps what it dismissed with."""

    def __init__(self, modal: Screen[Any]) -> None:
        super().__init__()
        self.modal = modal
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.modal, self.results.append)


async def test_card_editor_edits_the_character_note_and_keeps_unknown_fields() -> None:
    card = Card.model_validate({
        "name": "Ada", "nickname": None, "group_only_greetings": ["G1"], "mystery": {"x": 1},
        "extensions": {"depth_prompt": {"prompt": "old note", "depth": 4, "role": "system", "keep": 1},
                       "talkativeness": "0.5"},
    })
    host = Host(CardEditorScreen(card, focus_field="depth_prompt"))
    async with host.run_test(size=SMALL) as pilot:
        await pilot.pause()
        editor = host.screen
        assert editor.focused is editor.query_one("#field-depth_prompt", TextArea)
        editor.query_one("#field-depth_prompt", TextArea).load_text("Ada hums when nervous.")
        editor.query_one("#field-depth_prompt_depth", Input).value = "2"
        editor.query_one("#field-depth_prompt_role", Select).value = "user"
        editor.query_one("#field-group_only_greetings", TextArea).load_text("G1\n---8<---\nG2")
        editor.query_one("#field-creator_notes", TextArea).load_text("by me")
        await pilot.press("ctrl+s", "ctrl+s", "escape")  # a burst: dismissed once
        await pilot.pause()
    (edited,) = host.results
    assert edited.extensions["depth_prompt"] == {"prompt": "Ada hums when nervous.", "depth": 2, "role": "user",
                                                 "keep": 1}
    assert edited.extensions["talkativeness"] == "0.5"
    assert edited.group_only_greetings == ["G1", "G2"] and edited.creator_notes == "by me"
    assert edited.nickname is None and edited.model_dump()["mystery"] == {"x": 1}
    # Untouched, the card comes back equal.
    same = Host(CardEditorScreen(card))
    async with same.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert same.results == [card]


async def test_prompt_manager_toggles_moves_adds_edits_and_deletes() -> None:
    prompts = PromptSettings().chat_completion.prompts
    host = Host(PromptManagerScreen(prompts, focus_id="nsfw"))
    async with host.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = host.screen
        options = screen.query_one(OptionList)
        assert options.highlighted == 7
        assert "ctrl+s: save" in screen_text(host) and "esc: cancel" in screen_text(host)  # fits 80x24
        await pilot.press("space", "K")  # Auxiliary Prompt off, moved above Enhance Definitions
        assert options.highlighted == 6
        await pilot.press("x")  # a built-in prompt is not deleted
        assert options.option_count == len(prompts)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(host.screen, PromptEntryDialog))
        form = host.screen
        form.query_one("#pf-name", Input).value = "Style"
        form.query_one("#pf-content", TextArea).load_text("Write tersely.")
        form.query_one("#pf-position", Select).value = 1
        form.query_one("#pf-depth", Input).value = "2"
        form.query_one("#pf-role", Select).value = "user"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: host.screen is screen)
        assert "in chat @ depth 2" in screen_text(host)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(host.screen, PromptEntryDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: host.screen is screen)
        await pilot.press("x")  # the second added prompt goes again
        await pilot.press("ctrl+s")
        await pilot.pause()
    (result,) = host.results
    names = [p.name for p in result]
    assert names.index("Auxiliary Prompt") == 6 and names[7] == "Style" and len(result) == len(prompts) + 1
    style = result[7]
    assert (style.content, style.injection_position, style.injection_depth, style.role) == (
        "Write tersely.", 1, 2, "user")
    assert not next(p for p in result if p.identifier == "nsfw").enabled  # it starts on; space switched it off


async def test_templates_dialog_returns_the_picks_and_instruct_options() -> None:
    host = Host(TemplatesDialog(PromptSettings(), load_instruct("chatml")))
    async with host.run_test(size=SMALL) as pilot:
        await pilot.pause()
        dialog = host.screen
        assert "ctrl+s: save" in screen_text(host)
        dialog.query_one("#tp-instruct", Select).value = "Alpaca"
        await pilot.pause()
        assert dialog.query_one("#tp-last_output_sequence", Input).value == _shown(
            load_instruct("Alpaca").last_output_sequence)
        dialog.query_one("#tp-wrap", Checkbox).value = False
        dialog.query_one("#tp-first_output_sequence", Input).value = "A:\\n"
        dialog.query_one("#tp-context", Select).value = "Default"
        dialog.query_one("#tp-start_reply_with", Input).value = "Sure,"
        dialog.query_one("#tp-stops", TextArea).load_text("END\nSTOP\\nNOW")
        await pilot.press("ctrl+s")
        await pilot.pause()
    (choice,) = host.results
    assert choice.instruct == "Alpaca" and choice.options["wrap"] is False
    assert choice.options["first_output_sequence"] == "A:\n"
    assert choice.settings.context_name == "Default" and choice.settings.start_reply_with == "Sure,"
    assert choice.settings.custom_stopping_strings == ["END", "STOP\nNOW"]


def _shown(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


async def test_lorebook_editor_filters_edits_adds_and_saves_losslessly(ctx: AppContext, alice: Path) -> None:
    ctx.worlds_dir.mkdir(parents=True)
    world = {"name": "Cape", "entries": {
        "0": {"uid": 0, "key": ["lamp"], "content": "The lamp burns.", "comment": "lamp", "vectorized": False,
              "characterFilter": {"names": []}},
        "1": {"uid": 1, "key": ["storm"], "content": "Storms come.", "comment": "storm"},
    }, "originalData": {"kept": True}}
    (ctx.worlds_dir / "Cape.json").write_text(json.dumps(world))
    session = ctx.open_chat(alice, persist=False)
    session.set_lorebook("Cape")
    saved: list[bool] = []
    host = Host(LorebookScreen(session, books_for(session)[0], on_saved=lambda: saved.append(True)))
    async with host.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = host.screen
        options = screen.query_one("#lore-entries", OptionList)
        assert options.option_count == 2
        assert "ctrl+s: save" in screen_text(host)
        await pilot.press("slash")
        await pilot.press(*"storm")
        await wait_for(pilot, lambda: options.option_count == 1)
        await pilot.press("enter")  # back to the list
        await pilot.press("enter")  # open the entry
        await wait_for(pilot, lambda: isinstance(host.screen, EntryFormDialog))
        form = host.screen
        assert "ctrl+s: save" in screen_text(host)  # the form's keys stay in sight at 80x24
        form.query_one("#ef-content", TextArea).load_text("Storms come at night.")
        form.query_one("#ef-sticky", Input).value = "3"
        form.query_one("#ef-position", Select).value = 4
        form.query_one("#ef-keysecondary", Input).value = "night, rain"
        form.query_one("#ef-caseSensitive", Select).value = "yes"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: host.screen is screen)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(host.screen, EntryFormDialog))
        host.screen.query_one("#ef-key", Input).value = "fog"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: host.screen is screen)
        assert "unsaved" in screen_text(host)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert saved == [True]
        await pilot.press("escape")
        await pilot.pause()
    assert host.results == [True]
    written = json.loads((ctx.worlds_dir / "Cape.json").read_text())
    assert written["originalData"] == {"kept": True}
    assert written["entries"]["0"] == world["entries"]["0"]  # untouched entry: byte-equal
    storm = written["entries"]["1"]
    assert storm == {**world["entries"]["1"], "content": "Storms come at night.", "sticky": 3, "position": 4,
                     "keysecondary": ["night", "rain"], "caseSensitive": True}
    assert written["entries"]["2"]["key"] == ["fog"]


async def test_inspector_edit_source_opens_the_card_field_and_shows_the_new_prompt(
        ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = main(app)
        await pilot.press("f4")
        await pilot.press("alt+4")
        inspector = screen.inspector
        await wait_for(pilot, lambda: inspector.current is not None)
        await pilot.press("e")  # on the request view: says where it works
        await pilot.press("tab")
        rows = inspector.view_rows("sections")
        row = next(i for i, r in enumerate(rows) if "card: description" in r)
        inspector.view_list("sections").highlighted = row
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, CardEditorScreen))
        editor = app.screen
        field = editor.query_one("#field-description", TextArea)
        assert editor.focused is field
        field.load_text("Alice now keeps a café.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: any("Alice now keeps a café." in s.content
                                          for s in inspector.current.prompt.sections))  # type: ignore[union-attr]
        await wait_idle(pilot)
    assert read_card(alice).card.description == "Alice now keeps a café."
