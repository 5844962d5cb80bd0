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
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

# Letters for widgets without a fixed one, home row first; never j/k (they move in lists).
SPARE_KEYS = "asdfghqwertyuopzxvb"


@dataclass(frozen=True)
class JumpTarget:
    key: str
    label: str
    widget: Widget
    region: Region


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
        label = str(getattr(widget, "JUMP_LABEL", "") or widget.id or type(widget).__name__)
        targets.append(JumpTarget(key, label, widget, widget.region))
    return targets


class JumpScreen(ModalScreen["Widget | None"]):
    """Dismisses with the chosen widget, or None on escape / any other key."""

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

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            return
        event.stop()
        event.prevent_default()
        target = self.targets.get(event.character or "")
        self.dismiss(target.widget if target is not None else None)
