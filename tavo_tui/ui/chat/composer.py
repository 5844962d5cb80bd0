"""The message editor: multi-line; enter inserts a newline. The screen's send binding (ctrl+j by default) sends."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import BindingType

from tavo_tui.ui.keys.registry import COMPOSER, bindings_for, key_label
from tavo_tui.ui.shared.safe_text_area import SafeTextArea


def placeholder(send_keys: tuple[str, ...], send_on_enter: bool) -> str:
    if send_on_enter:
        return "Write a message — enter sends, ctrl+j adds a line"
    sends = key_label(send_keys[0]) if send_keys else "the send key"
    return f"Write a message — {sends} sends, enter adds a line"


class Composer(SafeTextArea):
    """A soft-wrapping TextArea; tab moves focus rather than indenting.

    Page up/down scroll the chat above instead of the (small) editor, so history can be read while typing.
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings_for(COMPOSER)  # the key registry's

    DEFAULT_CSS = """
    Composer { height: auto; min-height: 3; max-height: 10; border: tall $panel; }
    Composer:focus { border: tall $primary; }
    """

    HELP_TITLE = "composer"

    def __init__(self, *, id: str | None = None, send_on_enter: bool = False) -> None:
        super().__init__(
            "",
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            placeholder=placeholder(("ctrl+j",), send_on_enter),
            id=id,
        )
        self.send_on_enter = send_on_enter

    def on_mount(self) -> None:
        # The hint names the send keys in force (the user's keymap may have moved send), read from the
        # screen's live bindings.
        self.placeholder = placeholder(self.send_keys(), self.send_on_enter)

    def send_keys(self) -> tuple[str, ...]:
        """The keys bound to the screen's send action now, keymap applied."""
        return tuple(key for key, active in self.screen.active_bindings.items()
                     if active.node is self.screen and active.binding.action == "send")

    def _sends(self, key: str) -> bool:
        """Whether `key` is bound (by the keymap in force) to the screen's send action."""
        active = self.screen.active_bindings.get(key)
        return active is not None and active.node is self.screen and active.binding.action == "send"

    async def _on_key(self, event: events.Key) -> None:
        # The send key is run here, in the composer's own key order: left to the screen's binding, it ran
        # only after the keys typed just after it had been inserted, and those went out with the message.
        if not self.send_on_enter and not self.read_only and self._sends(event.key):
            event.stop()
            event.prevent_default()
            await self.screen.run_action("send")
            return
        # The reverse setting (ui.json "send_key": "enter"): enter sends, ctrl+j / alt+enter add a line.
        if self.send_on_enter and not self.read_only:
            if event.key == "enter":
                event.stop()
                event.prevent_default()
                await self.screen.run_action("send")
                return
            if event.key in ("ctrl+j", "alt+enter"):
                event.stop()
                event.prevent_default()
                self.insert("\n")
                return
        await super()._on_key(event)
