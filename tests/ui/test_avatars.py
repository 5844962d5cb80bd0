"""The character's avatar in the card detail and beside the chat (wide terminals), off under NO_COLOR."""

from __future__ import annotations

from pathlib import Path

import pytest

from tavo_tui.session import AppContext
from tavo_tui.session.library import card_detail
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.library.card_detail import CardDetailScreen
from tavo_tui.ui.shared.avatar import Avatar
from tests.ui.helpers import main, wait_for

SAMPLES = Path(__file__).resolve().parents[2] / "sample_cards"
MAREN = SAMPLES / "maren_holloway.png"


def drawn(avatar: Avatar) -> bool:
    return avatar.display and "▀" in str(avatar.render())


async def test_the_card_detail_shows_the_cards_image(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    ctx = AppContext.open(home=home, library=[SAMPLES])
    app = TavoApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(CardDetailScreen(card_detail(ctx, MAREN)))
        await wait_for(pilot, lambda: isinstance(app.screen, CardDetailScreen) and bool(app.screen.query(Avatar)))
        avatar = app.screen.query_one("#detail-avatar", Avatar)
        await wait_for(pilot, lambda: drawn(avatar))
        assert avatar.region.width <= 12 and avatar.region.height <= 6


async def test_no_color_turns_avatars_off(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    ctx = AppContext.open(home=home, library=[SAMPLES])
    app = TavoApp(ctx, card_path=MAREN)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: main(app).session is not None)
        app.push_screen(CardDetailScreen(card_detail(ctx, MAREN)))
        await wait_for(pilot, lambda: isinstance(app.screen, CardDetailScreen) and bool(app.screen.query(Avatar)))
        await pilot.pause()
        assert not app.screen.query_one("#detail-avatar", Avatar).display
        assert not main(app).query_one("#chat-avatar", Avatar).display


async def test_beside_the_chat_on_wide_terminals_only(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    ctx = AppContext.open(home=home, library=[SAMPLES])
    app = TavoApp(ctx, card_path=MAREN)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: main(app).session is not None)
        avatar = main(app).query_one("#chat-avatar", Avatar)
        await wait_for(pilot, lambda: drawn(avatar))
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: not avatar.display)
