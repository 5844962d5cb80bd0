"""A modal screen that is safe under key bursts.

Keys arriving together (over SSH, or typed ahead) are routed to the screen on top when the app reads them, and
handled later, in that screen's own queue. A modal that dismisses on a key so still receives the rest of the
burst: each one dismissed it again, and the second dismiss popped the screen below it, or crashed the app with
`ScreenStackError: Can't pop screen`.

`KeyModal.dismiss` dismisses once; later calls do nothing. Modals that take single keys (jump mode, the leader
overlay) implement `take_key`: the app calls it in its own key order (`TavoApp.on_event`), before routing, so
the modal is gone before the next key of the burst is read and that key goes to the screen below, in order.
"""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen

ResultT = TypeVar("ResultT")


async def _nothing() -> None:
    return None


class KeyModal(ModalScreen[ResultT]):
    """Dismisses once (a second dismiss is a no-op rather than popping the screen below)."""

    _dismissed = False

    @property
    def dismissed(self) -> bool:
        return self._dismissed

    def dismiss(self, result: ResultT | None = None) -> AwaitComplete:
        if self._dismissed or not self.is_attached or self.app.screen is not self:
            return AwaitComplete(_nothing())
        self._dismissed = True
        return super().dismiss(result)

    async def take_key(self, event: events.Key) -> bool:
        """Handle `event` in the app's key order; True if it was used. By default keys take the usual route."""
        return False
