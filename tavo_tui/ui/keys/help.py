"""The key help (f1 / ?): the keys of the focused pane first, then the keys that work everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


@dataclass(frozen=True)
class KeyRow:
    keys: str
    description: str
    binding_id: str
    scope: str  # the pane (widget class) the key belongs to, or "everywhere"


def _scope(node: DOMNode, screen: Screen[Any]) -> str:
    if node is screen or node is screen.app:
        return "everywhere"
    title = getattr(node, "HELP_TITLE", "")
    return str(title or type(node).__name__)


def key_rows(screen: Screen[Any]) -> list[KeyRow]:
    """Every enabled binding reachable from the focused widget, keys merged per action, focused pane first."""
    app = screen.app
    merged: dict[tuple[int, str], list[str]] = {}
    rows: dict[tuple[int, str], KeyRow] = {}
    order: list[DOMNode] = [node for node, _ in screen._modal_binding_chain]
    for key, active in screen.active_bindings.items():
        binding = active.binding
        description = binding.description or binding.tooltip or binding.action
        if not description or binding.system:
            continue
        node_index = order.index(active.node) if active.node in order else len(order)
        group = (node_index, f"{binding.action}|{description}")
        display = app.get_key_display(Binding(key, binding.action))
        merged.setdefault(group, [])
        if display not in merged[group]:
            merged[group].append(display)
        rows[group] = KeyRow("", description, binding.id or "", _scope(active.node, screen))
    result = []
    # Per pane: our own keys (they have ids and can be remapped) before the widget's built-in editing keys.
    for group in sorted(rows, key=lambda g: (g[0], not rows[g].binding_id, rows[g].description.lower())):
        row = rows[group]
        result.append(KeyRow(" / ".join(merged[group]), row.description, row.binding_id, row.scope))
    return result


def help_content(rows: list[KeyRow]) -> Content:
    lines: list[Content] = []
    scope = None
    for row in rows:
        if row.scope != scope:
            scope = row.scope
            if lines:
                lines.append(Content(""))
            lines.append(Content(f"Keys: {scope}").stylize("bold $accent"))
        ident = f"  [{row.binding_id}]" if row.binding_id else ""
        lines.append(Content.assemble((f"{row.keys:>16}", "bold $primary"), "  ", row.description, (ident, "dim")))
    if not lines:
        lines.append(Content("No keys here."))
    lines.append(Content(""))
    lines.append(Content("Remap any key with an id in <config dir>/keymap.json, e.g. {\"send\": \"ctrl+s\"}.",
                         ).stylize("dim"))
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Built from the screen that was active when help was asked for (so it describes that focus)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q,question_mark", "dismiss", "Close", id="help-close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 96; height: 90%; border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen .help-title { text-style: bold; margin-bottom: 1; dock: top; }  /* "esc closes" stays on scrolling */
    """

    def __init__(self, rows: list[KeyRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Content("Keys (esc closes; the palette, ctrl+p, lists every action)"), classes="help-title")
            yield Static(help_content(self.rows), id="help-keys")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
