"""The main screen's keyboard-only layout actions: jump mode, pane resizing, vim keys, themes, saved layout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import OptionList, TextArea

from tavo_tui.ui.chat.log import ChatLog
from tavo_tui.ui.keys.jump import JumpScreen, jump_targets
from tavo_tui.ui.library.card_list import CardList

if TYPE_CHECKING:
    from tavo_tui.session.ui_settings import PaneLayout

# Fixed jump letters for the panes everyone uses (other focusable widgets get spare letters).
JUMP_KEYS = {"card-options": "c", "chat": "l", "composer": "m", "conn-options": "n", "insp-body": "i"}
RESIZE_STEP = 2


class LayoutActions(Screen[None]):
    """Mixed into MainScreen, which provides the panes and `_sync_side`."""

    if TYPE_CHECKING:
        _layout_class: str

        def _sync_side(self) -> None: ...

    # ---- settings ----------------------------------------------------------------------------------------
    @property
    def layout_settings(self) -> PaneLayout | None:
        settings = getattr(self.app, "ui_settings", None)
        return settings.layout if settings is not None else None

    def _save_settings(self) -> None:
        save = getattr(self.app, "save_settings", None)
        if save is not None:
            save()

    def apply_theme(self, name: str) -> None:
        """Switch theme live; the app remembers the choice."""
        if name in self.app.available_themes:
            self.app.theme = name

    def apply_saved_layout(self) -> None:
        """Saved pane widths always; saved visibility except on narrow terminals, where the chat comes first."""
        layout = self.layout_settings
        if layout is None:
            return
        cards, side = self.query_one(CardList), self.query_one("#side")
        narrow = self._layout_class == "narrow"
        cards.styles.width = None if narrow else layout.cards_width
        side.styles.width = None if narrow else layout.side_width
        side.styles.max_width = None if narrow else layout.side_width
        if narrow:
            return
        panes: list[tuple[Widget, bool | None]] = [
            (cards, layout.cards_visible),
            (self.query_one("#connections"), layout.connections_visible),
            (self.query_one("#inspector"), layout.inspector_visible),
        ]
        for pane, visible in panes:
            if visible is not None:
                pane.display = visible
        self._sync_side()

    def remember_layout(self) -> None:
        """Store which panes are open (not on narrow terminals, whose defaults are chat-only)."""
        layout = self.layout_settings
        if layout is None or self._layout_class == "narrow":
            return
        layout.cards_visible = bool(self.query_one(CardList).display)
        layout.connections_visible = bool(self.query_one("#connections").display)
        layout.inspector_visible = bool(self.query_one("#inspector").display)
        self._save_settings()

    # ---- resizing ----------------------------------------------------------------------------------------
    def action_resize_pane(self, delta: int) -> None:
        """Widen (delta > 0) or narrow the focused side pane; from the chat, grow or shrink the chat itself."""
        layout = self.layout_settings
        if layout is None:
            return
        focused = self.focused
        cards, side = self.query_one(CardList), self.query_one("#side")
        if focused is not None and cards in focused.ancestors_with_self:
            target = "cards"
        elif focused is not None and side in focused.ancestors_with_self:
            target = "side"
        else:  # the chat has the focus: its neighbour gives or takes the room
            target = "side" if side.display else "cards"
            delta = -delta
        step = RESIZE_STEP if delta > 0 else -RESIZE_STEP
        if target == "cards":
            layout.cards_width = max(14, min(80, layout.cards_width + step))
            cards.styles.width = layout.cards_width
        else:
            layout.side_width = max(24, min(120, layout.side_width + step))
            side.styles.width = layout.side_width
            side.styles.max_width = layout.side_width
        self._save_settings()

    # ---- jump mode ---------------------------------------------------------------------------------------
    def action_jump(self) -> None:
        targets = jump_targets(self, JUMP_KEYS)

        def chosen(widget: Widget | None) -> None:
            if widget is not None and widget.is_attached:
                widget.focus()

        self.app.push_screen(JumpScreen(targets), chosen)

    # ---- vim keys ----------------------------------------------------------------------------------------
    def vim_target(self) -> Any:
        focused = self.focused
        if isinstance(focused, (OptionList, ChatLog)):
            return focused
        if isinstance(focused, TextArea) and focused.read_only:
            return focused
        return None

    def action_vim(self, motion: str) -> None:
        target = self.vim_target()
        if isinstance(target, OptionList):
            {"down": target.action_cursor_down, "up": target.action_cursor_up,
             "top": target.action_first, "bottom": target.action_last}[motion]()
        elif isinstance(target, ChatLog):
            target.move_cursor(motion)
        elif isinstance(target, TextArea):
            {"down": target.action_cursor_down, "up": target.action_cursor_up,
             "top": lambda: target.move_cursor((0, 0)),
             "bottom": lambda: target.move_cursor(target.document.end)}[motion]()

    def action_copy_message(self) -> None:
        """Palette entry: copy the chat log's selected (else last) message."""
        self.query_one(ChatLog).action_copy_message()
