"""First start with a new data folder: the sample characters go into the home's cards/ folder (so they behave
like the user's own cards: editable, deletable, never brought back), and the welcome is offered."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tavo_tui.session.ui_settings import load_ui_settings
from tavo_tui.store.samples import bundled_samples, copy_samples

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext


def is_new_home(ctx: AppContext) -> bool:
    """Nothing of the user's yet: no cards folder, no chats, no saved connection."""
    paths = ctx.paths
    has_chats = paths.chats_dir.is_dir() and any(paths.chats_dir.iterdir())
    return not paths.cards_dir.exists() and not has_chats and not paths.connections_file.exists()


def seed_samples(ctx: AppContext) -> list[Path]:
    """On a new home, copy the bundled samples into its cards/ folder; returns the cards written ([] otherwise).

    The folder existing afterwards is what marks the home as seen: deleting every card later does not bring
    the samples back.
    """
    if not is_new_home(ctx):
        return []
    return copy_samples(ctx.paths.cards_dir)


def wants_welcome(ctx: AppContext) -> bool:
    """The first-run welcome: while the user has no chat and no connection profile of their own, and has not
    finished or skipped it before."""
    paths = ctx.paths
    has_chats = paths.chats_dir.is_dir() and any(paths.chats_dir.iterdir())
    if has_chats or any(p.kind != "demo" for p in ctx.profiles.list()):
        return False
    return not load_ui_settings(paths).value.welcome_done


__all__ = ["bundled_samples", "is_new_home", "seed_samples", "wants_welcome"]
