"""The failures of the layers below that a front end reports to the user, by class.

The fronts (TUI, CLI) tell a server, card or storage problem apart to print one clear line; naming the classes
here lets them do that without importing `backends`, `cards` or `store` themselves.
"""

from __future__ import annotations

from tavo_tui.backends.base import BackendError
from tavo_tui.cards.errors import CardError
from tavo_tui.session.events import ActionError
from tavo_tui.session.library import LibraryError
from tavo_tui.store.errors import StoreError

__all__ = ["ActionError", "BackendError", "CardError", "LibraryError", "StoreError"]
