"""Jump mode: a letter over every focusable pane or widget; pressing it moves the focus there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Static

from tavo_tui.ui.keys.modal import KeyModal

# Letters for widgets without a fixed one, home row first; never j/k (they move in lists).
SPARE_KEYS = "asdfghqwertyuopzxvb"
# What each widget is called on screen, by the id the main screen gives it (an internal id means nothing to a
# reader); widgets not listed are named after the pane they are in.
JUMP_NAMES = {
    "card-filter": "Library filter", "card-options": "Library", "chat": "Chat log", "composer": "Composer",
    "conn-options": "Connections", "insp-body": "Inspector: request", "insp-sections": "Inspector: sections",
    "insp-lore": "Inspector: lore", "insp-diff": "Inspector: diff",
}
PANE_NAMES = {"cards": "Library", "connections": "Connections", "inspector": "Inspector", "centre": "Chat"}


@dataclass(frozen=True)
class JumpTarget:
    key: str
    label: str
    widget: Widget
    region: Region


def jump_label(widget: Widget) -> str:
    """A readable name: "Chat log", "Inspector: request", "Connections: Test" (a button, by its label)."""
    name = JUMP_NAMES.get(widget.id or "")
    if name:
        return name
    pane = next((PANE_NAMES[node.id] for node in widget.ancestors if node.id in PANE_NAMES), "")
    if isinstance(widget, Button):
        label = str(widget.label)
        return f"{pane}: {label}" if pane else label
    return pane or type(widget).__name__


def jump_targets(screen: Screen[Any], fixed: dict[str, str] | None = None) -> list[JumpTarget]:
    """Visible focusable widgets, each with one letter; `fixed` maps widget ids to preferred letters."""
    fixed = fixed or {}
    used = set()
    chosen: list[tuple[Widget, str | None]] = []
    for widget in screen.focus_chain:
        region = widget.region
        if not region.area or not widget.display:
            continue
        letter = fixed.get(widget.id or "")
        if letter and letter not in used:
            used.add(letter)
            chosen.append((widget, letter))
        else:
            chosen.append((widget, None))
    spare = iter(k for k in SPARE_KEYS if k not in used and k not in fixed.values())
    targets = []
    for widget, letter in chosen:
        key = letter or next(spare, None)
        if key is None:
            break
        targets.append(JumpTarget(key, jump_label(widget), widget, widget.region))
    return targets


class JumpScreen(KeyModal["Widget | None"]):
    """Dismisses with the chosen widget, or None on escape / any other key (that key is used up)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel", id="jump-cancel")]

    DEFAULT_CSS = """
    JumpScreen { background: $background 40%; }
    JumpScreen > .jump-label {
        position: absolute; width: auto; height: 1; padding: 0 1;
        background: $accent; color: $text; text-style: bold;
    }
    JumpScreen > .jump-help { dock: bottom; height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, targets: Sequence[JumpTarget]) -> None:
        super().__init__()
        self.targets = {t.key: t for t in targets}

    def compose(self) -> ComposeResult:
        for target in self.targets.values():
            label = Static(Content.assemble((target.key, "bold"), " ", target.label), classes="jump-label")
            label.styles.offset = (target.region.x, target.region.y)
            yield label
        yield Static(Content("Jump: press a letter to move the focus there (esc cancels)"), classes="jump-help")

    async def take_key(self, event: events.Key) -> bool:
        """One key, in the app's key order: the next key of a burst already goes to the chosen widget."""
        if self.dismissed:
            return False
        target = self.targets.get(event.character or "") if event.key != "escape" else None
        if target is not None and target.widget.is_attached:
            # Now, not through Widget.focus (which waits behind the keys already read).
            target.widget.screen.set_focus(target.widget)
        self.dismiss(target.widget if target is not None else None)
        return True

    def on_key(self, event: events.Key) -> None:
        # Keys posted to this screen directly (not read by the app): the same rule, never a second dismiss.
        event.stop()
        event.prevent_default()
        if not self.dismissed:
            target = self.targets.get(event.character or "") if event.key != "escape" else None
            self.dismiss(target.widget if target is not None else None)
