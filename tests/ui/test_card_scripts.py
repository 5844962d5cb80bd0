"""A card with regex scripts of its own asks before they run (SillyTavern asks too); yes is kept for the card."""

from __future__ import annotations

import json
from pathlib import Path

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.main.screen import MainScreen
from tavo_tui.ui.shared.dialogs import ConfirmDialog
from tests.ui.helpers import main, screen_text, wait_for, wait_idle, write_card

SCRIPT = {"id": "w", "scriptName": "wanderer", "findRegex": "/traveller/g", "replaceString": "WANDERER",
          "placement": [2], "promptOnly": True, "disabled": False}


def scripted_card(library: Path) -> Path:
    return write_card(library, "scripted.json", name="Scripted", extensions={"regex_scripts": [SCRIPT]})


def allowed(ctx: AppContext) -> list[str]:
    path = ctx.paths.data_dir / "regex" / "allowed_cards.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


async def test_yes_allows_the_scripts_for_the_card_and_the_prompt_uses_them(ctx: AppContext, library: Path) -> None:
    card = scripted_card(library)
    app = TavoApp(ctx, card_path=card)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await wait_for(pilot, lambda: "1 regex script of its own" in screen_text(app))
        assert "Scripted" in screen_text(app)
        screen = main(app)
        screen.inspector.display = True
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_idle(pilot)
        assert "scripted.json" in str(allowed(ctx))
        await wait_for(pilot, lambda: "WANDERER" in screen.inspector.body.text)  # the prompt-only script ran
        assert screen.session is not None and "traveller" in screen.session.messages[0].mes  # the chat is as written


async def test_no_keeps_them_off_and_is_not_asked_again_in_the_same_run(ctx: AppContext, library: Path) -> None:
    card = scripted_card(library)
    app = TavoApp(ctx, card_path=card)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        screen = main(app)
        screen.inspector.display = True
        screen.refresh_inspector()
        await wait_idle(pilot)
        assert allowed(ctx) == [] and "WANDERER" not in screen.inspector.body.text
        await screen.open_card(card, new=True)  # the same card again: no second question
        await wait_idle(pilot)
        assert isinstance(app.screen, MainScreen)
