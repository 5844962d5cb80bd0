"""Chat actions in the TUI (demo backend): regenerate, swipe, continue, impersonate, edit, delete, hide,
narrator, branch and greeting — asserting on the session, the saved file and the screen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Input, SelectionList, TextArea

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.shared.dialogs import ChoiceDialog, ConfirmDialog, MultiChoiceDialog, TextEditDialog
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle, write_card

FAKE_TEXT = "Edited by the fake editor."


@pytest.fixture
def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$EDITOR is a tiny script that replaces the file's contents (and logs what it was given)."""
    script = tmp_path / "fake-editor.sh"
    script.write_text(f'#!/bin/sh\ncp "$1" "{tmp_path}/editor-input.txt"\nprintf "{FAKE_TEXT}" > "$1"\n')
    script.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    return tmp_path / "editor-input.txt"


@pytest.fixture
def greeter(library: Path) -> Path:
    return write_card(library, "greeter.json", name="Greta", first_mes="Hello there.",
                      alternate_greetings=["Second hello.", "Third hello."])


async def started(pilot: Any, text: str = "Is the lamp lit?") -> Any:
    """The app on Alice with one exchange: greeting, user message, reply."""
    await pilot.pause()
    await type_and_send(pilot, text)
    await wait_idle(pilot)
    return main(pilot.app)


async def test_regenerate_swipes_and_new_swipe_past_the_end(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        session = screen.session
        first = session.messages[-1].mes
        await pilot.press("alt+r")
        await wait_idle(pilot)
        assert len(session.messages) == 3 and session.swipe_count() == 2
        assert session.messages[-1].swipe_id == 1
        assert screen.chat_log.message_views()[-1].query_one(".msg-note").render().plain.strip() == "‹ 2/2 ›"
        assert "2/2" in screen_text(app)
        await pilot.press("alt+comma")  # swipe left
        await wait_idle(pilot)
        assert session.messages[-1].swipe_id == 0 and session.messages[-1].mes == first
        assert "1/2" in screen_text(app)
        await pilot.press("alt+full_stop", "alt+full_stop")  # right, then past the last version: a new one
        await wait_idle(pilot)
        assert session.swipe_count() == 3 and session.messages[-1].swipe_id == 2
        assert "3/3" in screen_text(app)
    # Saved: a fresh context sees all three versions.
    resumed = AppContext(ctx.paths, ctx.library).open_chat(alice)
    assert len(resumed.messages[-1].swipes or []) == 3


async def test_continue_extends_the_last_reply(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        before = screen.session.messages[-1].mes
        await pilot.press("alt+c")
        await wait_idle(pilot)
        after = screen.session.messages[-1].mes
        assert len(screen.session.messages) == 3
        assert after.startswith(before) and len(after) > len(before)
        assert screen.chat_log.message_views()[-1].text == after


async def test_impersonate_writes_into_the_composer(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        await pilot.press("alt+i")
        await wait_idle(pilot)
        assert screen.composer.text.strip()
        assert len(screen.session.messages) == 3  # nothing added to the chat
        assert screen.focused is screen.composer


async def test_edit_in_place_and_in_editor(ctx: AppContext, alice: Path, fake_editor: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        original = screen.session.messages[-1].mes
        await pilot.press("alt+e")
        await wait_for(pilot, lambda: isinstance(app.screen, TextEditDialog))
        area = app.screen.query_one(TextArea)
        assert area.text == original
        area.load_text("The lamp is lit. [bold]really[/bold]")
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        assert screen.session.messages[-1].mes == "The lamp is lit. [bold]really[/bold]"
        assert screen.chat_log.message_views()[-1].text == "The lamp is lit. [bold]really[/bold]"
        assert "The lamp is lit." in screen_text(app)
        # In $EDITOR: the fake editor receives the text and replaces it.
        await pilot.press("alt+o")
        await wait_idle(pilot)
        assert fake_editor.read_text() == "The lamp is lit. [bold]really[/bold]"
        assert screen.session.messages[-1].mes == FAKE_TEXT
        # ctrl+e inside the edit dialog uses the editor too.
        await pilot.press("alt+e")
        await wait_for(pilot, lambda: isinstance(app.screen, TextEditDialog))
        app.screen.query_one(TextArea).load_text("draft")
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: app.screen.query_one(TextArea).text == FAKE_TEXT)
        await pilot.press("escape")  # cancel: nothing changes
        await wait_idle(pilot)
        assert screen.session.messages[-1].mes == FAKE_TEXT
    assert AppContext(ctx.paths, ctx.library).open_chat(alice).messages[-1].mes == FAKE_TEXT


async def test_editor_failure_is_a_notice_and_changes_nothing(ctx: AppContext, alice: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "false")
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        before = screen.session.messages[-1].mes
        await pilot.press("alt+o")
        await wait_idle(pilot)
        assert screen.session.messages[-1].mes == before
        assert any("exited with status" in str(n.message) for n in app._notifications)


async def test_delete_several_messages_with_confirmation(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        await type_and_send(pilot, "Second question")
        await wait_idle(pilot)
        session = screen.session
        assert len(session.messages) == 5
        await pilot.press("alt+d")
        await wait_for(pilot, lambda: isinstance(app.screen, MultiChoiceDialog))
        selection = app.screen.query_one(SelectionList)
        assert selection.selected == [4]  # the target (last message) is ticked
        selection.select(3)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")  # declined: nothing deleted
        await wait_idle(pilot)
        assert len(session.messages) == 5
        await pilot.press("alt+d")
        await wait_for(pilot, lambda: isinstance(app.screen, MultiChoiceDialog))
        app.screen.query_one(SelectionList).select(3)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_idle(pilot)
        assert [m.mes for m in session.messages][1] == "Is the lamp lit?"
        assert len(session.messages) == 3
        assert len(screen.chat_log.message_views()) == 3
        assert "Second question" not in screen_text(app)


async def test_hide_and_unhide_from_the_prompt(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        session = screen.session
        await pilot.press("alt+h")
        await wait_idle(pilot)
        assert session.messages[-1].is_system
        view = screen.chat_log.message_views()[-1]
        assert view.has_class("-hidden")
        assert "hidden from the prompt" in screen_text(app)
        assert session.messages[-1].mes not in [m.get("content") for m in
                                                 session.inspect().request.body.get("messages", [])]
        # The letter key works while the chat log has the focus.
        screen.chat_log.focus()
        await pilot.press("h")
        await wait_idle(pilot)
        assert not session.messages[-1].is_system
        assert not screen.chat_log.message_views()[-1].has_class("-hidden")


async def test_alt_keys_as_a_terminal_sends_them_are_not_typed_into_the_composer(ctx: AppContext,
                                                                                alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        screen.composer.focus()
        # A real terminal reports alt+h as ESC h: key "alt+h" carrying the character "h".
        app.post_message(events.Key("alt+h", "h"))
        await wait_idle(pilot)
        assert screen.session.messages[-1].is_system
        assert screen.composer.text == ""


async def test_insert_narrator_message(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        await pilot.press("alt+n")
        await wait_for(pilot, lambda: isinstance(app.screen, TextEditDialog))
        app.screen.query_one(TextArea).load_text("The storm grows louder.")
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        last = screen.session.messages[-1]
        assert last.mes == "The storm grows louder." and (last.extra or {}).get("type") == "narrator"
        assert "The storm grows louder." in screen_text(app)


async def test_branch_from_the_selected_message(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        original = screen.session
        original_id = original.ref.id
        # Put the cursor on the user's message (index 1) with k in the chat log, then branch there.
        screen.chat_log.focus()
        await pilot.press("G", "k")
        assert screen.chat_log.selected_index == 1
        await pilot.press("b")
        await wait_idle(pilot)
        branch = screen.session
        assert branch is not original and branch.ref is not None and branch.ref.id != original_id
        assert [m.mes for m in branch.messages] == ["Welcome in, traveller. *shakes rain from her coat*",
                                                   "Is the lamp lit?"]
        assert len(screen.chat_log.message_views()) == 2
    ids = {s.id for s in ctx.chat_summaries(alice)}
    assert {original_id, branch.ref.id} <= ids


async def test_choose_the_greeting_of_a_new_chat(ctx: AppContext, greeter: Path) -> None:
    app = TavoApp(ctx, card_path=greeter)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await pilot.press("alt+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("down", "down", "enter")
        await wait_idle(pilot)
        assert screen.session.messages[0].mes == "Third hello."
        assert "Third hello." in screen_text(app) and "3/3" in screen_text(app)
        # Once the conversation has started the greeting is fixed; the key explains why.
        await type_and_send(pilot, "Hi")
        await wait_idle(pilot)
        await pilot.press("alt+g")
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceDialog)
        assert screen.session.messages[0].mes == "Third hello."


async def test_actions_without_a_chat_only_explain(ctx: AppContext) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for key in ("alt+r", "alt+e", "alt+d", "alt+h", "alt+b", "f8"):
            await pilot.press(key)
            await pilot.pause()
        assert main(app).session is None
        assert app.screen is main(app)
        assert os.environ.get("TAVO_HOME")  # still on the temp home


def _input(app: TavoApp) -> Input:
    return app.screen.query_one(Input)


async def test_stopping_a_new_swipe_keeps_both_versions(ctx: AppContext, alice: Path, openai_server: Any,
                                                        fake_profile: Any) -> None:
    from tests.fakes.openai_server import endless_stream

    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        session = screen.session
        first = session.messages[-1].mes
        openai_server.script.append(endless_stream(10))
        await pilot.press("alt+r")
        await wait_for(pilot, lambda: "more" in screen.chat_log.message_views()[-1].text)
        assert screen.generating and len(screen.chat_log.message_views()) == 3
        await pilot.press("escape")
        await wait_idle(pilot)
        assert not screen.generating
        last = session.messages[-1]
        assert last.swipes is not None and last.swipes[0] == first and last.mes.startswith("more ")
        assert last.swipe_id == 1
        assert "2/2" in screen_text(app)
        assert screen.chat_log.message_views()[-1].text == last.mes


async def test_a_failed_regenerate_keeps_the_old_reply_on_screen(ctx: AppContext, alice: Path, openai_server: Any,
                                                                 fake_profile: Any) -> None:
    from tests.fakes.openai_server import LLAMA_401, error

    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        first = screen.session.messages[-1].mes
        openai_server.script.append(error(401, LLAMA_401))
        await pilot.press("alt+r")
        await wait_idle(pilot)
        assert screen.session.swipe_count() == 1 and screen.session.messages[-1].mes == first
        assert screen.chat_log.message_views()[-1].text == first
        assert screen.chat_log.notices() and "Generation failed" in screen_text(app)
