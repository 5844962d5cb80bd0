"""A modal form to add or edit a connection profile. The API key field is write-only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tavo_tui.model import ConnectionProfile
from tavo_tui.ui.safe_text import plain_line


@dataclass(frozen=True)
class EditResult:
    """What the form produced. `api_key` is None when the user left the key field empty (keep the old one)."""

    profile: ConnectionProfile
    api_key: str | None
    original_name: str | None


def build_profile(
    base: ConnectionProfile | None, values: dict[str, str], kinds: Sequence[str] = ()
) -> ConnectionProfile:
    """Apply the form's text values to a profile (pure, so it can be tested without a screen).

    `kinds`, when given, are the backend kinds that exist. Raises ValueError with a message for the user.
    """
    name = values.get("name", "").strip()
    if not name:
        raise ValueError("the connection needs a name")
    kind = values.get("kind", "").strip() or "openai-compatible"
    if kinds and kind not in kinds:
        raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(kinds)}")
    data = base.model_dump() if base is not None else {}
    data.update(
        name=name,
        kind=kind,
        base_url=values.get("base_url", "").strip(),
        model=values.get("model", "").strip(),
        mode=values.get("mode", "chat"),
        api_key_env=values.get("api_key_env", "").strip() or None,
    )
    for key in ("max_context", "max_tokens"):
        raw = values.get(key, "").strip()
        if raw:
            try:
                number = int(raw)
            except ValueError:
                raise ValueError(f"{key.replace('_', ' ')} must be a whole number, not {raw!r}") from None
            if number <= 0:
                raise ValueError(f"{key.replace('_', ' ')} must be positive")
            data[key] = number
    try:
        return ConnectionProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{field}: {first['msg']}") from None


class ConnectionEditor(ModalScreen[EditResult | None]):
    """Edit `profile`, or create a new one when it is None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="editor.cancel"),
        Binding("ctrl+s", "save", "Save", id="editor.save"),
    ]

    DEFAULT_CSS = """
    ConnectionEditor { align: center middle; }
    ConnectionEditor > VerticalScroll {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        background: $surface; border: round $primary; padding: 0 1;
    }
    ConnectionEditor Label { margin: 1 0 0 0; color: $text-muted; }
    ConnectionEditor Input, ConnectionEditor Select { margin: 0; }
    ConnectionEditor Input { background: $panel; }
    ConnectionEditor Input:focus { background: $primary 25%; }
    ConnectionEditor .numbers { height: auto; }
    ConnectionEditor .numbers Input { width: 1fr; margin: 0 1 0 0; }
    ConnectionEditor .editor-error { color: $text-error; height: auto; margin: 1 0 0 0; }
    ConnectionEditor .buttons { height: auto; margin: 1 0; }
    ConnectionEditor Button { margin: 0 2 0 0; }
    """

    def __init__(self, profile: ConnectionProfile | None, *, kinds: Sequence[str] = (), has_key: bool = False):
        super().__init__()
        self.profile = profile
        self.kinds = list(kinds)
        self.has_key = has_key

    def compose(self) -> ComposeResult:
        p = self.profile
        kinds = [k for k in self.kinds if k != "demo"]
        with VerticalScroll():
            yield Static(Content("Add a connection" if p is None else "Edit connection").stylize("bold"))
            yield Label("Name (saving under a new name makes a copy)")
            yield Input(p.name if p else "", id="f-name", compact=True)
            yield Label("Kind (API family)")
            current = p.kind if p else "openai-compatible"
            choices = kinds if current in kinds or not kinds else [current, *kinds]
            yield Select(
                [(plain_line(k), k) for k in choices] or [("openai-compatible", "openai-compatible")],
                value=current if current in choices or not choices else choices[0],
                allow_blank=False,
                id="f-kind",
                compact=True,
            )
            yield Label("Base URL")
            yield Input(p.base_url if p else "", placeholder="http://127.0.0.1:8080/v1", id="f-base_url", compact=True)
            yield Label("Model")
            yield Input(p.model if p else "", id="f-model", compact=True)
            yield Label("Mode")
            yield Select(
                [("chat completion", "chat"), ("text completion", "text")],
                value=p.mode if p else "chat",
                allow_blank=False,
                id="f-mode",
                compact=True,
            )
            yield Label("Max context / max reply tokens")
            with Horizontal(classes="numbers"):
                yield Input(str(p.max_context if p else 4096), id="f-max_context", type="integer", compact=True)
                yield Input(str(p.max_tokens if p else 300), id="f-max_tokens", type="integer", compact=True)
            yield Label("API key (kept in the secrets file; leave empty to keep the current one)")
            yield Input(
                "",
                password=True,
                placeholder="(a key is stored)" if self.has_key else "(none)",
                id="f-api_key",
                compact=True,
            )
            yield Label("…or read the key from this environment variable")
            yield Input((p.api_key_env or "") if p else "", id="f-api_key_env", compact=True)
            error = Static("", classes="editor-error")
            error.display = False
            yield error
            with Horizontal(classes="buttons"):
                yield Button(Content("Save (ctrl+s)"), variant="primary", id="editor-save", compact=True)
                yield Button(Content("Cancel (esc)"), id="editor-cancel", compact=True)

    def _values(self) -> dict[str, str]:
        values = {
            key: self.query_one(f"#f-{key}", Input).value
            for key in ("name", "base_url", "model", "max_context", "max_tokens", "api_key_env")
        }
        values["kind"] = str(self.query_one("#f-kind", Select).value)
        values["mode"] = str(self.query_one("#f-mode", Select).value)
        return values

    def show_error(self, message: str) -> None:
        error = self.query_one(".editor-error", Static)
        error.update(plain_line(message))
        error.display = True

    def action_save(self) -> None:
        try:
            profile = build_profile(self.profile, self._values(), self.kinds)
        except ValueError as exc:
            self.show_error(str(exc))
            return
        key = self.query_one("#f-api_key", Input).value.strip() or None
        self.dismiss(EditResult(profile, key, self.profile.name if self.profile else None))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "editor-save":
            self.action_save()
        else:
            self.action_cancel()
