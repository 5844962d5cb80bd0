"""The command palette's one provider: the app's actions first (with their keys), then the connections, then
Textual's own commands; themes and cards are found by typing (a theme list or a big library would bury the
actions).

Card and connection names are untrusted: they become `Content` and are highlighted by offsets, never
through Textual's `Matcher.highlight`, which parses its input as markup (tui.md §4.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import FuzzySearch

from tavo_tui.ui.shared.safe_text import one_line

if TYPE_CHECKING:
    from tavo_tui.ui.main.screen import MainScreen


@dataclass(frozen=True)
class Entry:
    prefix: str  # ours ("Open character", ...); empty for an action
    name: str  # untrusted, already folded onto one line (an action's title is ours)
    help: str  # ours
    run: Callable[[], Any]
    discover: bool = True  # listed before anything is typed

    @property
    def text(self) -> str:
        return f"{self.prefix}: {self.name}" if self.prefix else self.name


def safe_highlight(text: str, query: str, search: FuzzySearch) -> tuple[float, Content]:
    """Fuzzy-match `query` in `text`; the highlight is applied by offset to literal content."""
    score, offsets = search.match(query, text)
    content = Content(text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize("bold underline", offset, offset + 1)
    return score, content


def _main_screen(provider: Provider) -> MainScreen | None:
    from tavo_tui.ui.main.screen import MainScreen

    for screen in reversed(provider.app.screen_stack):
        if isinstance(screen, MainScreen):
            return screen
    return None


def palette_entries(screen: MainScreen) -> Iterator[Entry]:
    """In the order they are listed: the app's actions and Textual's (`App.get_system_commands` yields ours
    first), connections, themes, cards."""
    app = screen.app
    for command in app.get_system_commands(screen):
        yield Entry("", command.title, command.help, command.callback, command.discover)
    for profile in screen._profiles():
        yield Entry("Use connection", one_line(profile.name), "Switch the chat to this connection",
                    partial(screen.switch_connection, profile.name))
    for theme in sorted(app.available_themes):
        yield Entry("Theme", theme, "Apply this theme (remembered for next time)", partial(screen.apply_theme, theme),
                    discover=False)
    try:
        cards = screen.ctx.card_entries()
    except Exception:  # an unreadable library is reported by the card pane; the palette just skips it
        cards = []
    for card in cards:
        name = one_line(card.name) or card.path.stem
        yield Entry("Open character", name, "Open this character's latest chat", partial(_open, screen, card.path),
                    discover=False)


def _open(screen: MainScreen, path: Any) -> None:
    screen.run_worker(screen.open_card(path), group="open-card", exclusive=True)


class TavoProvider(Provider):
    """Everything the palette offers, in one provider so the order is ours (providers answer concurrently)."""

    async def startup(self) -> None:
        screen = _main_screen(self)
        self._entries = list(palette_entries(screen)) if screen is not None else []

    async def discover(self) -> Hits:
        for entry in self._entries:
            if entry.discover:
                yield DiscoveryHit(Content(entry.text), entry.run, text=entry.text, help=entry.help)

    async def search(self, query: str) -> Hits:
        search = FuzzySearch(case_sensitive=False)
        for entry in self._entries:
            score, content = safe_highlight(entry.text, query, search)
            if score > 0:
                yield Hit(score, content, entry.run, text=entry.text, help=entry.help)
