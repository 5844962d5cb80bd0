"""Pictures of the main screen on the demo connection (update with `pytest --snapshot-update`).

Only sizes where the prompt inspector starts hidden, so prompt-engine changes do not redraw these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tests.ui.helpers import wait_for


async def steady(pilot: Pilot[Any]) -> None:
    """Start-up finished (workers done, the focus placed: on a loaded machine it lands a few frames late, and
    the composer was drawn without its cursor) and no blinking cursors, so every run draws the same frame."""
    await pilot.app.workers.wait_for_complete()
    await wait_for(pilot, lambda: pilot.app.focused is not None)
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_main_screen_on_the_demo(snap_compare: Any, ctx: AppContext, alice: Path, size: tuple[int, int]) -> None:
    assert snap_compare(TavoApp(ctx, card_path=alice), terminal_size=size, run_before=steady)

