"""Connection profiles: pick one to use now, test it, edit or add one, set the default."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from tavo_tui.model import ConnectionProfile
from tavo_tui.session.connections import used_base_url
from tavo_tui.session.visible import mask_url
from tavo_tui.ui.keys.registry import CONNECTION_PANE, bindings_for
from tavo_tui.ui.shared.safe_text import plain_line


def is_demo_profile(profile: ConnectionProfile) -> bool:
    return profile.kind == "demo"


class ConnectionPane(Vertical):
    """Lists profiles (● in use, ★ default); its buttons and keys post `ConnectionPane.Action` messages."""

    # Active while the pane has the focus (enter on a profile uses it). From the key registry.
    BINDINGS: ClassVar[list[BindingType]] = bindings_for(CONNECTION_PANE)

    DEFAULT_CSS = """
    ConnectionPane { height: auto; max-height: 50%; border-bottom: solid $panel; }
    ConnectionPane > .pane-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    ConnectionPane.-has-focus > .pane-title { background: $primary 35%; }
    ConnectionPane > OptionList:focus { border: none; }
    ConnectionPane > OptionList { height: auto; max-height: 8; border: none; padding: 0; }
    ConnectionPane > .conn-detail { height: auto; padding: 0 1; color: $text-muted; }
    ConnectionPane > .conn-status { height: auto; padding: 0 1; }
    ConnectionPane > .conn-status.-ok { color: $text-success; }
    ConnectionPane > .conn-status.-bad { color: $text-error; }
    /* Three columns: the five buttons fit even when the side pane is at its narrowest. */
    ConnectionPane > .conn-buttons {
        layout: grid; grid-size: 3; grid-gutter: 0 1; grid-rows: 1; height: auto; padding: 0 1;
    }
    ConnectionPane Button { min-width: 4; width: 100%; height: 1; border: none; margin: 0; }
    """

    @dataclass
    class Action(Message):
        """`action` is one of: use, test, edit, add, default, model, discover, remove."""

        action: str
        name: str | None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._profiles: list[ConnectionProfile] = []
        self.active_name = ""
        self.default_name = ""
        self._key_hints: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(Content("Connections"), classes="pane-title")
        yield OptionList(id="conn-options")
        yield Static("", classes="conn-detail")
        yield Static("", classes="conn-status")
        with Container(classes="conn-buttons"):
            yield Button(Content("Use"), id="conn-use", compact=True)
            yield Button(Content("Test"), id="conn-test", compact=True)
            yield Button(Content("Edit"), id="conn-edit", compact=True)
            yield Button(Content("Add"), id="conn-add", compact=True)
            yield Button(Content("Default"), id="conn-default", compact=True)
            yield Button(Content("Model"), id="conn-model", compact=True)
            yield Button(Content("Discover"), id="conn-discover", compact=True)
            yield Button(Content("Remove"), id="conn-remove", compact=True)

    @property
    def options(self) -> OptionList:
        return self.query_one("#conn-options", OptionList)

    @property
    def profiles(self) -> list[ConnectionProfile]:
        return list(self._profiles)

    def set_profiles(
        self,
        profiles: Sequence[ConnectionProfile],
        *,
        active: str,
        default: str,
        key_hints: dict[str, str] | None = None,
    ) -> None:
        """`key_hints`: where each profile's key comes from, already masked ("stored ****abcd", "from $ENV")."""
        selected = self.selected_name
        self._profiles = list(profiles)
        self._key_hints = dict(key_hints or {})
        self.active_name = active
        self.default_name = default
        self.options.set_options(
            Option(self._prompt(p), id=f"conn-{i}") for i, p in enumerate(self._profiles)
        )
        names = [p.name for p in self._profiles]
        keep = selected if selected in names else active
        if keep in names:
            self.options.highlighted = names.index(keep)
        self._show_detail()

    def _prompt(self, profile: ConnectionProfile) -> Content:
        marks = ("●" if profile.name == self.active_name else " ") + (
            "★" if profile.name == self.default_name else " "
        )
        label = "demo (canned replies)" if is_demo_profile(profile) else profile.name
        return Content.assemble(marks, " ", plain_line(label, "bold" if profile.name == self.active_name else ""))

    @property
    def selected_name(self) -> str | None:
        index = self.options.highlighted if self._profiles else None
        if index is None or index >= len(self._profiles):
            return None
        return self._profiles[index].name

    def _selected(self) -> ConnectionProfile | None:
        name = self.selected_name
        return next((p for p in self._profiles if p.name == name), None)

    def _show_detail(self) -> None:
        profile = self._selected()
        detail = self.query_one(".conn-detail", Static)
        if profile is None:
            detail.update("")
        elif is_demo_profile(profile):
            detail.update(Content("Built-in demo: no model, replies are canned."))
        else:
            detail.update(
                Content.assemble(
                    plain_line(profile.kind),
                    " · ",
                    plain_line(profile.model or "(no model)"),
                    f" · {profile.mode}\n",
                    plain_line(mask_url(used_base_url(profile))),  # as requests will use it
                    ("\nkey: ", "dim"),
                    plain_line(self._key_hints.get(profile.name, "none")),
                )
            )
        fixed = profile is None or is_demo_profile(profile)
        self.query_one("#conn-edit", Button).disabled = fixed
        self.query_one("#conn-model", Button).disabled = fixed
        self.query_one("#conn-remove", Button).disabled = fixed

    def show_status(self, text: str, *, ok: bool | None) -> None:
        status = self.query_one(".conn-status", Static)
        status.update(plain_line(text))
        status.set_class(ok is True, "-ok")
        status.set_class(ok is False, "-bad")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Action("use", self.selected_name))

    def action_act(self, action: str) -> None:
        self.post_message(self.Action(action, None if action in ("add", "discover") else self.selected_name))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_act((event.button.id or "").removeprefix("conn-"))
