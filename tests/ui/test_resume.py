"""Start-up goes back to where the user was: the last chat, on the connection it last used, with the library's
sort and filter as left (ui.json). The command line wins; what is gone falls back with a notice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, ChatSession
from tavo_tui.session.ui_settings import load_ui_settings, ui_file
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.library.card_list import CardList
from tavo_tui.ui.main.screen import MainScreen
from tests.ui.helpers import main, type_and_send, wait_for, wait_idle


def reopen(home: Path, library: Path) -> AppContext:
    """A new process's context on the same home (nothing shared with the run before but the files)."""
    return AppContext.open(home=home, library=[library])


def two_chats(ctx: AppContext, card: Path) -> tuple[str, str]:
    """An older and a newer chat with `card`; the newer one is what opening the card picks by default."""
    ids = []
    for text in ("The older chat.", "The newer chat."):
        session = ctx.open_chat(card, "demo", new=True)
        session.insert_narrator(text)
        assert session.ref is not None
        ids.append(session.ref.id)
        session.close()
    return ids[0], ids[1]


def notices(app: TavoApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_new_start_opens_the_last_chat_on_its_connection_with_the_sort_as_left(
    ctx: AppContext, home: Path, library: Path, alice: Path, fake_profile: ConnectionProfile, openai_server: Any
) -> None:
    older, _newer = two_chats(ctx, alice)
    app = TavoApp(ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = main(app)
        await wait_for(pilot, lambda: screen.query_one(CardList).options.has_focus)
        await pilot.app.run_action("cycle_sort", screen.query_one(CardList))  # name -> recently chatted
        await screen.open_card(alice, chat_id=older)
        assert screen.switch_connection("fake")
        await type_and_send(pilot, "Back again.")
        await wait_idle(pilot)
        assert openai_server.requests  # the chat really ran on the second connection
    assert json.loads(ui_file(ctx.paths).read_text())["last"]["connection"] == "fake"

    app = TavoApp(reopen(home, library))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = main(app)
        session = screen.session
        assert session is not None and session.ref is not None
        assert session.ref.id == older and session.card_path == alice  # that chat, not the newer one
        assert session.profile.name == "fake" and screen.connection_name == "fake"
        assert session.messages[-1].mes != "" and "Back again." in [m.mes for m in session.messages]
        assert screen.query_one(CardList).sort == "chatted"
        assert app.focused is screen.composer
        assert not notices(app)  # nothing expected was missing


async def test_the_library_filter_is_kept(ctx: AppContext, home: Path, library: Path) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        cards = main(app).query_one(CardList)
        await wait_for(pilot, lambda: cards.options.has_focus)
        await pilot.press(*"bob")
        await wait_for(pilot, lambda: [p.name for p in cards.paths] == ["bob.json"])
    app = TavoApp(reopen(home, library))
    async with app.run_test(size=(120, 40)) as pilot:
        cards = main(app).query_one(CardList)
        assert cards.filter_input.value == "bob"
        await wait_for(pilot, lambda: [p.name for p in cards.paths] == ["bob.json"])
        await wait_idle(pilot)
        assert [p.name for p in cards.paths] == ["bob.json"]


async def test_the_command_line_wins(
    ctx: AppContext, home: Path, library: Path, alice: Path, bob: Path, fake_profile: ConnectionProfile
) -> None:
    older, _newer = two_chats(ctx, alice)
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await main(app).open_card(alice, chat_id=older)
    app = TavoApp(reopen(home, library), card_path=bob)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        session = main(app).session
        assert session is not None and session.card_path == bob
        assert session.profile.name == "fake"  # not given: the one last used
    app = TavoApp(reopen(home, library), connection="demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        session = main(app).session
        assert session is not None and session.card_path == bob  # the chat open when the last run ended
        assert session.profile.name == "demo"


@pytest.mark.parametrize("gone", ["card", "chat", "connection"])
async def test_what_is_gone_falls_back_with_a_notice(
    ctx: AppContext, home: Path, library: Path, alice: Path, fake_profile: ConnectionProfile, gone: str
) -> None:
    older, newer = two_chats(ctx, alice)
    app = TavoApp(ctx, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await main(app).open_card(alice, chat_id=older)
    if gone == "card":
        alice.unlink()
    elif gone == "chat":
        ctx.chats.find(older).path.unlink()
    else:
        ctx.profiles.remove("fake")
    app = TavoApp(reopen(home, library))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        said = " ".join(notices(app))
        assert "gone" in said
        if gone == "card":
            assert screen.session is None and "alice.json" in said
            assert screen.query_one(CardList).options.has_focus  # as on a first start
        elif gone == "chat":
            assert screen.session is not None and screen.session.ref is not None
            assert screen.session.ref.id == newer  # the card's latest chat
        else:
            assert screen.session is not None and screen.session.profile.name == "demo"


async def test_a_first_start_says_nothing_and_an_old_settings_file_still_loads(
    ctx: AppContext, home: Path, library: Path
) -> None:
    path = ui_file(ctx.paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"theme": "", "send_key": "enter", "layout": {"cards_width": 30}}), encoding="utf-8")
    loaded = load_ui_settings(ctx.paths)
    assert not loaded.errors and loaded.value.send_key == "enter" and loaded.value.layout.cards_width == 30
    assert loaded.value.last.card == "" and loaded.value.library.sort == "name"
    app = TavoApp(reopen(home, library))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert main(app).session is None and not notices(app)


async def test_resuming_builds_no_prompt_before_the_first_frame(
    ctx: AppContext, home: Path, library: Path, alice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
    built_on_screen: list[bool] = []
    real = ChatSession.inspect

    def recording(self: ChatSession, *args: Any, **kwargs: Any) -> Any:
        screens = [s for s in app.screen_stack if isinstance(s, MainScreen)]
        built_on_screen.append(bool(screens) and screens[0]._on_screen)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ChatSession, "inspect", recording)
    app = TavoApp(reopen(home, library))
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_idle(pilot)
        assert main(app).session is not None
        assert built_on_screen and all(built_on_screen)
