"""Chats and personas in the TUI: the chats screen (open, new, rename, delete, branch), personas, the author's
note and scenario override, search in a chat and across chats, and palette entries for these actions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.widgets import Input, OptionList, TextArea

from tavo_tui.prompt.settings import AuthorsNote
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.chats_screen import ChatsScreen
from tavo_tui.ui.chat.personas_screen import PersonaEditor, PersonasScreen
from tavo_tui.ui.shared.dialogs import ChoiceDialog, ConfirmDialog, ReportDialog, TextEditDialog, TextPrompt
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle


def seed_chats(ctx: AppContext, card: Path, texts: list[str]) -> list[str]:
    """One saved chat per text (oldest first); returns their ids."""
    ids = []
    for text in texts:
        session = ctx.open_chat(card, "demo", new=True)
        session.insert_narrator(text)
        assert session.ref is not None
        ids.append(session.ref.id)
        session.close()
    return ids


def chat_rows(app: TavoApp) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def open_chats_screen(pilot: Any) -> ChatsScreen:
    await pilot.press("f8")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChatsScreen))
    await pilot.pause()
    return pilot.app.screen  # type: ignore[no-any-return]


async def test_chats_list_most_recent_first_and_open_another(ctx: AppContext, alice: Path) -> None:
    ids = seed_chats(ctx, alice, ["Older chat text.", "Newest chat text."])
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.session.ref.id == ids[1]  # resumed the latest
        await open_chats_screen(pilot)
        rows = chat_rows(app)
        assert len(rows) == 2
        assert "Newest chat text." in rows[0] and "Older chat text." in rows[1]
        assert rows[0].startswith("●") and "2 messages" in rows[0]
        await pilot.press("down", "enter")
        await wait_idle(pilot)
        assert app.screen is screen
        assert screen.session.ref.id == ids[0]
        assert "Older chat text." in screen_text(app)


async def test_new_rename_and_delete_chats(ctx: AppContext, alice: Path) -> None:
    ids = seed_chats(ctx, alice, ["First.", "Second."])
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        # Rename the other (not open) chat.
        await open_chats_screen(pilot)
        await pilot.press("down", "r")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = "Renamed chat"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatsScreen) and any(
            "Renamed chat" in r for r in chat_rows(app)))
        # Delete it, after declining once.
        renamed = next(i for i, r in enumerate(chat_rows(app)) if "Renamed chat" in r)
        app.screen.query_one(OptionList).highlighted = renamed
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatsScreen))
        assert len(chat_rows(app)) == 2
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatsScreen) and len(chat_rows(app)) == 1)
        assert {s.id for s in ctx.chat_summaries(alice)} == {ids[1]}
        # Rename the open chat: the session follows the new file.
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = "Current renamed"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatsScreen) and "Current renamed" in chat_rows(app)[0])
        assert screen.session.title == "Current renamed"
        # New chat from the screen.
        await pilot.press("n")
        await wait_idle(pilot)
        assert app.screen is screen and screen.session.ref is None and len(screen.session.messages) == 1
        # Deleting the open chat reopens the next one.
        await type_and_send(pilot, "hello")
        await wait_idle(pilot)
        doomed = screen.session.ref.id
        await open_chats_screen(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_idle(pilot)
        assert app.screen is screen
        assert doomed not in {s.id for s in ctx.chat_summaries(alice)}
        assert screen.session.title == "Current renamed"


async def test_branch_a_chat_from_the_chats_screen(ctx: AppContext, alice: Path) -> None:
    seed_chats(ctx, alice, ["Only chat."])
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        before = screen.session.ref.id
        await open_chats_screen(pilot)
        await pilot.press("b")
        await wait_idle(pilot)
        assert screen.session.ref.id != before
        assert [m.mes for m in screen.session.messages][-1] == "Only chat."
        assert len(ctx.chat_summaries(alice)) == 2


async def test_personas_create_default_and_per_chat_choice(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.pause()
        screen = main(app)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonasScreen))
        for name in ("Mira", "Tom"):
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, PersonaEditor))
            app.screen.query_one("#persona-name", Input).value = name
            app.screen.query_one("#persona-description", TextArea).load_text(f"{name} is a sailor.")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, PersonasScreen) and len(chat_rows(app)) >= 1)
        await wait_for(pilot, lambda: len(chat_rows(app)) == 2)
        assert ctx.personas.default().name == "Mira"  # the first one saved becomes the default
        assert screen.session.user_name == "Mira"
        # Tom for this chat only.
        app.screen.query_one(OptionList).highlighted = [p.name for p in app.screen.personas].index("Tom")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.session.user_name == "Tom")
        assert ctx.personas.default().name == "Mira"
        assert "●" in chat_rows(app)[[p.name for p in app.screen.personas].index("Tom")]
        # Make Tom the default, then let the chat follow the default again.
        await pilot.press("s")
        await wait_for(pilot, lambda: ctx.personas.default().name == "Tom")
        await pilot.press("u")
        await wait_for(pilot, lambda: "persona" not in screen.session.metadata)
        await pilot.press("escape")
        await wait_idle(pilot)
        await type_and_send(pilot, "Ahoy")
        await wait_idle(pilot)
        assert screen.session.messages[1].name == "Tom"


async def test_authors_note_and_scenario_override(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.pause()
        screen = main(app)
        await pilot.press("alt+a")
        await wait_for(pilot, lambda: app.screen.query("#note-text"))
        app.screen.query_one("#note-text", TextArea).load_text("Keep the storm raging.")
        app.screen.query_one("#note-depth", Input).value = "2"
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        note = AuthorsNote.from_chat_metadata(screen.session.metadata)
        assert note is not None and note.prompt == "Keep the storm raging." and note.depth == 2
        assert "Keep the storm raging." in str(screen.session.inspect().request.body)
        await pilot.press("alt+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TextEditDialog))
        area = app.screen.query_one(TextArea)
        assert area.text == "A stormy night at the lighthouse."  # starts from the card's scenario
        area.load_text("A calm morning after the storm.")
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        assert screen.session.metadata["scenario"] == "A calm morning after the storm."
        assert "A calm morning after the storm." in str(screen.session.inspect().request.body)
    reopened = AppContext(ctx.paths, ctx.library).open_chat(alice)
    assert reopened.metadata["scenario"] == "A calm morning after the storm."


async def test_chat_lorebook_choice(ctx: AppContext, alice: Path) -> None:
    ctx.worlds_dir.mkdir(parents=True)
    book = {"entries": {"0": {"uid": 0, "key": ["lamp"], "content": "The lamp burns whale oil.", "comment": "",
                              "constant": True, "disable": False, "order": 100, "position": 0}}}
    (ctx.worlds_dir / "Cape lore.json").write_text(json.dumps(book), encoding="utf-8")
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await pilot.press("alt+l")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "Cape lore" in screen_text(app)
        await pilot.press("down", "enter")
        await wait_idle(pilot)
        assert screen.session.metadata["world_info"] == "Cape lore"
        assert "whale oil" in str(screen.session.inspect().request.body)
        await pilot.press("alt+l")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("home", "enter")
        await wait_idle(pilot)
        assert "world_info" not in screen.session.metadata


async def test_search_in_the_chat_and_across_chats(ctx: AppContext, alice: Path, bob: Path) -> None:
    seed_chats(ctx, bob, ["Bob mentions the lighthouse keeper's secret."])
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        for text in ("Where is the key?", "Tell me about the weather."):
            await type_and_send(pilot, text)
            await wait_idle(pilot)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = "the key"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "Where is the key?" in screen_text(app)
        await pilot.press("home", "enter")
        await wait_idle(pilot)
        found = screen.session.search("the key")[0]
        assert screen.chat_log.selected_index == found
        # Across all chats: Bob's chat opens at the hit.
        await pilot.press("alt+f")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = "keeper's secret"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("enter")
        await wait_idle(pilot)
        assert screen.session.card_path == bob
        assert screen.chat_log.selected_index == 1
        assert not isinstance(app.screen, ReportDialog)


async def test_palette_runs_chat_and_library_actions(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Hello")
        await wait_idle(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        app.screen.query_one(Input).value = "Hide/unhide message"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.session.messages[-1].is_system)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        app.screen.query_one(Input).value = "Cards: change sort"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Characters · recent" in screen_text(app))


def test_message_counts_read_as_english() -> None:
    from tavo_tui.ui.chat.chats_screen import count_of

    assert [count_of(n, "message") for n in (0, 1, 2)] == ["0 messages", "1 message", "2 messages"]
