"""Layout at small and large terminals, pane toggles, focus keys and the command palette."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.geometry import Region
from textual.widget import Widget

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.composer import Composer
from tavo_tui.ui.chat.log import ChatLog
from tavo_tui.ui.connections.pane import ConnectionPane
from tavo_tui.ui.inspector.pane import PromptInspector
from tavo_tui.ui.library.card_list import CardList
from tavo_tui.ui.main.status_bar import StatusBar
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle

PANES = (CardList, ChatLog, Composer, ConnectionPane, PromptInspector, StatusBar)


def visible(app: TavoApp) -> dict[str, Region]:
    """Regions of the panes that are on screen (a hidden pane has an empty region)."""
    regions = {}
    for pane in PANES:
        widget: Widget = main(app).query_one(pane)
        if widget.region.area > 0:
            regions[pane.__name__] = widget.region
    return regions


def assert_no_overlap(regions: dict[str, Region], size: tuple[int, int]) -> None:
    screen = Region(0, 0, *size)
    for name, region in regions.items():
        assert screen.contains_region(region), f"{name} is off screen: {region}"
    for (a, ra), (b, rb) in combinations(regions.items(), 2):
        assert not ra.overlaps(rb), f"{a} {ra} overlaps {b} {rb}"


async def test_80x24_shows_the_chat_only_and_side_panes_toggle(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        regions = visible(app)
        assert set(regions) == {"ChatLog", "Composer", "StatusBar"}
        assert regions["ChatLog"].width >= 78
        assert_no_overlap(regions, (80, 24))
        await type_and_send(pilot, "small screen")
        await wait_idle(pilot)
        assert "small screen" in screen_text(app)

        await pilot.press("f2")
        await pilot.pause()
        assert "CardList" in visible(app)
        await pilot.press("f4")
        await pilot.pause()
        regions = visible(app)
        assert {"CardList", "PromptInspector", "ChatLog", "Composer"} <= set(regions)
        assert_no_overlap(regions, (80, 24))
        await pilot.press("f2", "f4")
        await pilot.pause()
        assert set(visible(app)) == {"ChatLog", "Composer", "StatusBar"}


async def test_200x60_shows_all_four_panes(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        regions = visible(app)
        assert set(regions) == {p.__name__ for p in PANES}
        assert_no_overlap(regions, (200, 60))
        assert regions["CardList"].x < regions["ChatLog"].x < regions["PromptInspector"].x
        await pilot.press("f3")
        await pilot.pause()
        assert "ConnectionPane" not in visible(app)
        assert "PromptInspector" in visible(app)


async def test_resizing_picks_pane_defaults_again(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        regions = visible(app)
        assert set(regions) == {"ChatLog", "Composer", "StatusBar"}
        assert_no_overlap(regions, (80, 24))
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert set(visible(app)) == {"CardList", "ChatLog", "Composer", "StatusBar"}


async def test_focus_keys_move_between_panes(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert app.focused is screen.composer
        await pilot.press("alt+1")
        assert app.focused is screen.query_one(CardList).options
        await pilot.press("alt+3")
        assert app.focused is screen.connection_pane.options
        await pilot.press("alt+4")
        assert app.focused is screen.inspector.body
        await pilot.press("alt+2")
        assert app.focused is screen.composer


async def test_footer_documents_the_main_keys(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        for key, label in [("^j", "Send"), ("f5", "Switch"), ("f4", "Inspect"), ("^g", "More"), ("f1", "Keys")]:
            assert f"{key} {label}" in footer
        # The rest is in the key help (f1) and the palette; esc Stop shows only while a reply streams.
        assert "esc Stop" not in footer


async def test_footer_fits_80_columns(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "f1 Keys" in footer and "^p palette" in footer


async def test_palette_lists_the_main_actions_and_runs_them(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(main(app))]
        for wanted in ("Send message", "Stop generation", "Switch connection", "Toggle prompt inspector",
                       "Focus chat", "Test connection", "New chat", "Toggle character list"):
            assert wanted in titles
        assert not main(app).inspector.display  # 120 columns: the inspector starts hidden
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"prompt insp")
        palette = app.screen
        await wait_for(pilot, lambda: palette.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: main(app).inspector.display)
        assert "Prompt inspector" in screen_text(app)


async def test_inspector_follows_the_composer(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert "Welcome in, traveller." in screen.inspector.body.text
        screen.composer.focus()
        await pilot.press(*"lantern")
        await wait_for(pilot, lambda: "lantern" in screen.inspector.body.text)
        summary = screen.inspector.query_one(".insp-summary").render().plain  # type: ignore[attr-defined]
        assert "/ 4096" in summary and "method:" in summary


async def test_page_keys_in_the_composer_scroll_the_chat(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        for i in range(4):
            await type_and_send(pilot, f"message number {i} " + "word " * 30)
            await wait_idle(pilot)
        log = screen.chat_log
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y
        screen.composer.focus()
        await pilot.press("pageup")
        await wait_for(pilot, lambda: log.scroll_y < log.max_scroll_y)
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")
        await wait_for(pilot, lambda: log.scroll_y == log.max_scroll_y)
        assert app.focused is screen.composer
