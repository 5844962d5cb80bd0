"""Editors keep the exact text but draw no control character from it (SafeTextArea)."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from tavo_tui.session.visible import one_cell
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE = "ab\x1b]52;c;aGVsbG8=\x07cd\x1b[2J\x9bx\u202eevil"
UI = Path(__file__).resolve().parents[2] / "tavo_tui" / "ui"


class Editor(App[None]):
    def compose(self) -> ComposeResult:
        yield SafeTextArea(HOSTILE, soft_wrap=True)


async def test_an_editor_draws_stand_ins_and_keeps_the_text() -> None:
    app = Editor()
    async with app.run_test(size=(60, 8)) as pilot:
        await pilot.pause()
        area = app.query_one(SafeTextArea)
        drawn = "".join(segment.text for segment in area.render_line(0))
        assert not FORBIDDEN.search(drawn)
        assert "ab␛]52;c;aGVsbG8=" in drawn and "cd␛[2J\ufffdx\ufffdevil" in drawn  # (TextArea drops BEL)
        assert area.text == HOSTILE  # what is saved is what was loaded
        assert "\x1b" not in app.export_screenshot()


@given(st.text())
@settings(max_examples=300)
def test_one_cell_replaces_each_control_by_exactly_one_character(text: str) -> None:
    shown = one_cell(text.replace("\r", ""))
    assert len(shown) == len(text.replace("\r", ""))
    assert not FORBIDDEN.search(shown)


def test_no_editor_in_the_ui_is_a_bare_textarea() -> None:
    """Every TextArea the UI builds is a SafeTextArea (or a subclass): a bare one would write raw controls."""
    bare = re.compile(r"\bTextArea\(|class \w+\(TextArea\)")
    offenders = [str(path.relative_to(UI)) for path in UI.rglob("*.py")
                 if path.name != "safe_text_area.py" and bare.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_input_in_the_ui_is_a_bare_input() -> None:
    """Every Input the UI builds is a SafeInput: a bare one drew a NUL from a card's name in the card editor."""
    bare = re.compile(r"\bInput\(|class \w+\(Input\)")
    offenders = [str(path.relative_to(UI)) for path in UI.rglob("*.py")
                 if path.name != "safe_input.py" and bare.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
