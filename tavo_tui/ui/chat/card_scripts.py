"""Ask before a character's own regex scripts run, as SillyTavern asks when a card with embedded scripts opens.

The answer "yes" is kept for the card (`regex/allowed_cards.json`, shared with `tavo-tui regex allow`); "no" is
asked again in a later run, never twice in one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.content import Content

from tavo_tui.ui.shared.dialogs import ConfirmDialog
from tavo_tui.ui.shared.safe_text import plain_line

if TYPE_CHECKING:  # the chat session loads after the first frame (tests/test_import_hygiene.py)
    from tavo_tui.session import ChatSession


def question(name: str, count: int) -> Content:
    scripts = "1 regex script" if count == 1 else f"{count} regex scripts"
    return Content.assemble(plain_line(name, "bold"), f" comes with {scripts} of its own. They can change what "
                            "the model is sent and how replies show. Allow them for this character?")


class CardScriptsGate:
    """Asks once per run per card; `then` runs after a yes (the prompt changed)."""

    def __init__(self) -> None:
        self.asked: set[Path] = set()

    def check(self, app: App[Any], session: ChatSession, then: Callable[[], None]) -> None:
        try:
            status = session.card_regex_status()
        except Exception:  # an unreadable allow-list: the scripts stay off, nothing to ask
            return
        if not status.needs_answer or session.card_path in self.asked:
            return
        self.asked.add(session.card_path)

        def answered(allow: bool | None) -> None:
            if not allow:
                return
            try:
                session.allow_card_regex(True)
            except Exception as exc:  # a full disk: the scripts stay off, and the user is told
                app.notify(f"Could not save the answer: {exc}", severity="error", markup=False)
                return
            app.notify(f"{session.card.name}'s regex scripts are on.", markup=False)
            then()

        app.push_screen(ConfirmDialog(question(session.card.name, status.count)), answered)
