"""The app at 80x24 (and 160x45): nothing that tells the user what to do is cut off or hidden.

Each test reads the screen as drawn (plain text per row, or which widget owns a cell): a footer whose right
edge is clean, an inspector title that names its view, dialogs whose key hints stay inside the screen, button
labels drawn whole, and the connection test's result in sight.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.inspector.pane import VIEW_TITLES, VIEWS
from tests.ui.helpers import main, screen_text

SIZES = [(80, 24), (160, 45)]


def lit_text(app: TavoApp, region: Region) -> str:
    """The text drawn in reverse video on the first row of `region` (a lit tab, a highlighted entry)."""
    x, lit = 0, []
    for segment in app.screen._compositor.render_strips()[region.y]:
        if region.x <= x < region.right and segment.style is not None and segment.style.reverse:
            lit.append(segment.text)
        x += segment.cell_length
    return "".join(lit)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("focus", ["chat", "inspector"])
async def test_the_footer_ends_with_the_palette_key_and_nothing_after_it(
    ctx: AppContext, alice: Path, size: tuple[int, int], focus: str
) -> None:
    """A key of the footer showed through a one-cell gap right of `^p palette` (`▏^p palettef`)."""
    app = TavoApp(ctx, card_path=alice)
    width, height = size
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = main(app)
        if not screen.inspector.display:
            await pilot.press("f4")
        screen.action_focus_pane(focus)
        await pilot.pause()
        footer = screen.query_one(Footer)
        await pilot.pause()
        owner, _ = app.screen.get_widget_at(width - 1, height - 1)
        assert isinstance(owner, FooterKey) and owner.has_class("-command-palette")
        assert owner.region.right == width and footer.region.right == width
        last_row = screen_text(app).splitlines()[-1]
        assert last_row.rstrip().endswith("^p palette")


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 45)])
async def test_the_inspector_title_names_the_view_shown(ctx: AppContext, alice: Path, size: tuple[int, int]) -> None:
    """At 80x24 the title was cut after "Prompt inspector  request", so tab changed nothing readable."""
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = main(app)
        if not screen.inspector.display:
            await pilot.press("f4")
        screen.action_focus_pane("inspector")
        await pilot.pause()
        for view in VIEWS:
            assert screen.inspector.view == view
            title = screen.inspector.query_one(".pane-title").region
            row = screen_text(app).splitlines()[title.y][title.x:title.right]
            assert f" {VIEW_TITLES[view]} " in row, row
            assert lit_text(app, title) == f" {VIEW_TITLES[view]} "  # and it is the one lit
            await pilot.press("tab")
