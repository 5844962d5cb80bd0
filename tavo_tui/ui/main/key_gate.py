"""One key at a time: a key typed ahead waits until the key before it has had its effect.

Textual hands a key to the focused widget's own queue and takes the next key at once. When several keys arrive
in one read (typing ahead, SSH, tmux), they are all handed to the widget that had the focus when the first one
came in: after `esc` closes a dialog, the letters typed right after it went to the closed dialog and were lost;
after enter opened a card, they went to the card list instead of the composer.

The gate hands a key on, then holds the keys that follow until the key's path is done: a callback follows it
through the queue of each widget it bubbles through, up to the app (where bindings such as a dialog's `esc` run),
and a second time round for what those handlers posted (a picked option's message closing its dialog). Then the
next key goes to whatever has the focus by then. Typing one key at a time never waits: the path is done long
before the next key comes.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

LAPS = 2
# A path that never completes (a widget removed with the callback still in its queue) must not hold the
# keyboard: past this, the next key goes on anyway.
STUCK_AFTER = 1.0


class KeyGate:
    """`take` each key the terminal sends, in the order read; the app's own key handling (`App.on_event`)
    then receives it again, once it is its turn, and `take` lets it through."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._held: deque[events.Key] = deque()
        self._passing: events.Key | None = None  # the key being handed to the app's own handling
        self._busy_since: float | None = None
        self._turn = 0  # which key's path a callback belongs to (a late one from a stuck path is ignored)
        self._holds = 0  # handlers still moving the focus (see `hold`)
        self._release_when_free = False

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the keys typed after this one until the block ends. For a handler that awaits before it moves
        the focus (opening a card loads and mounts the chat): while it awaits, its screen takes other messages,
        so the key's path can look done before the focus has moved."""
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1
            if not self._holds and self._release_when_free:
                self._release_when_free = False
                self._app.call_later(self._done, self._turn)

    @property
    def holding(self) -> int:
        return len(self._held)

    async def take(self, event: events.Key) -> bool:
        """False for the key whose turn it is (the caller handles it as usual); True for a key taken here: it
        comes back once the keys before it are done."""
        if event is self._passing:
            return False
        if (self._busy_since is not None and not self._holds
                and time.monotonic() - self._busy_since > STUCK_AFTER):
            self._busy_since = None
        self._held.append(event)
        if self._busy_since is None:
            await self._next()
        return True

    async def _next(self) -> None:
        if not self._held:
            return
        event = self._held.popleft()
        app = self._app
        target: DOMNode = app.focused or app.screen
        self._turn += 1
        self._busy_since = time.monotonic()
        self._passing = event
        try:
            await app.on_event(event)
        except BaseException:
            self._busy_since = None
            raise
        finally:
            self._passing = None
        self._follow(target, self._turn, LAPS)

    def _follow(self, target: DOMNode, turn: int, laps: int) -> None:
        """Queue a callback behind the key at `target`, then at each ancestor in turn, then at the app."""
        chain: list[DOMNode] = []
        node: DOMNode | None = target
        while node is not None and node is not self._app:
            chain.append(node)
            node = node.parent
        chain.append(self._app)

        def step(index: int) -> None:
            if turn != self._turn:
                return
            while index < len(chain):
                if chain[index].call_later(step, index + 1):
                    return
                index += 1  # closed: its queue will not run the callback
            if laps > 1:
                self._follow(target, turn, laps - 1)
            else:
                self._app.call_later(self._done, turn)

        step(0)

    async def _done(self, turn: int) -> None:
        if turn != self._turn:
            return
        if self._holds:
            self._release_when_free = True
            return
        self._busy_since = None
        await self._next()


def hold_keys(app: App[Any]) -> AbstractContextManager[None]:
    """`KeyGate.hold` on the app's gate; nothing to hold under an app without one (a widget test's)."""
    gate = getattr(app, "key_gate", None)
    return gate.hold() if isinstance(gate, KeyGate) else nullcontext()
