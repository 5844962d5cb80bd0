"""The Textual application: themes, the main screen, the command palette."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from tavo_tui.ui.commands import main_screen_commands
from tavo_tui.ui.screens.main import MainScreen
from tavo_tui.ui.theming import BUILTIN_THEME_DIR, DEFAULT_THEME, FALLBACK_THEME, VARIABLE_DEFAULTS, load_themes

if TYPE_CHECKING:
    from tavo_tui.session import AppContext


class TavoApp(App[int]):
    """Full-screen chat client. All data access goes through `ctx` (the session layer)."""

    TITLE = "tavo-tui"
    CSS_PATH = "app.tcss"
    # Quit stays on ctrl+q; ctrl+c copies a selection (Textual's default) and never quits.
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        ctx: AppContext,
        *,
        card_path: Path | None = None,
        connection: str | None = None,
        theme_dirs: Iterable[Path] = (),
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.card_path = card_path
        self.connection = connection
        # Built-in themes first, then the user's (a user file may replace a built-in theme of the same name).
        self.theme_dirs = [BUILTIN_THEME_DIR, user_theme_dir(ctx), *theme_dirs]
        self.theme_errors: list[str] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        loaded = load_themes(*self.theme_dirs)
        for theme in loaded.themes:
            self.register_theme(theme)
        self.theme_errors = loaded.errors
        self.theme = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else FALLBACK_THEME
        for error in loaded.errors:
            self.notify(f"Theme skipped: {error}", markup=False, severity="warning")
        self.push_screen(MainScreen(self.ctx, card_path=self.card_path, connection=self.connection))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            yield from main_screen_commands(screen)

    @property
    def main_screen(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the main screen is not open")


def user_theme_dir(ctx: AppContext) -> Path:
    """Where users drop their own theme files: `<config dir>/themes/*.json`."""
    return Path(ctx.paths.config_dir) / "themes"


def run_tui(ctx: AppContext, card_path: Path | None = None, connection: str | None = None) -> int:
    """Run the app until the user quits; returns the process exit code."""
    app = TavoApp(ctx, card_path=card_path, connection=connection)
    app.run()
    return app.return_code or 0
