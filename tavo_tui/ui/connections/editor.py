"""A modal form to add or edit a connection profile, with every kind's fields and defaults.

Choosing a kind fills its default URL and key variable (unless the user typed their own), limits the modes,
shows the native/OpenAI API choice where the server has both, and shows only that kind's sampler knobs and
options. The API key field is write-only: the form shows where the key comes from, never the key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, Select, Static

from tavo_tui.model import ConnectionProfile
from tavo_tui.session.connections import (
    EDITABLE_SAMPLERS,
    KINDS,
    ConnectionCheck,
    KindInfo,
    ModelListing,
    sampler_fields,
)
from tavo_tui.session.prompt_options import preset_names
from tavo_tui.ui.connections.form import (
    CONVERTERS,
    build_profile,
    format_option,
    format_stops,
    instruct_choice,
)
from tavo_tui.ui.connections.model_picker import ModelPicker
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import plain_line

__all__ = ["ConnectionEditor", "EditResult", "build_profile"]

# Every option key any kind reads; the form shows those of the chosen kind.
ALL_OPTIONS: tuple[str, ...] = tuple(dict.fromkeys(key for info in KINDS.values() for key in info.options))
OPTION_HINTS: dict[str, str] = {
    "provider": 'JSON, e.g. {"order": ["openai"], "allow_fallbacks": false}',
    "reasoning": 'JSON, e.g. {"effort": "high"}',
    "transforms": 'JSON list, e.g. ["middle-out"]',
    "models": 'JSON list of model names, e.g. ["a", "b"]',
    "workers": "JSON list of worker ids",
    "trusted_workers": "true or false",
    "poll_seconds": "seconds between queue polls",
    "reasoning_effort": "low, medium or high",
    "thinking_budget": "tokens the model may think (a number)",
    "include_thoughts": "true or false",
    "anthropic_beta": "beta header value",
    "project": "Google Cloud project id",
    "region": "e.g. us-central1",
}
MODE_LABELS = {"chat": "chat completion", "text": "text completion"}

Fetch = Callable[[ConnectionProfile, str | None], Awaitable[ModelListing]]
Check = Callable[[ConnectionProfile, str | None], Awaitable[ConnectionCheck]]


@dataclass(frozen=True)
class EditResult:
    """What the form produced. `api_key` is None when the user left the key field empty (keep the old one)."""

    profile: ConnectionProfile
    api_key: str | None
    original_name: str | None


def _kind_prompt(info: KindInfo) -> Content:
    return Content.assemble((info.name, "bold"), "  ", (info.description, "dim"))


def _fmt(value: float | int | None) -> str:
    return "" if value is None else str(value)


class ConnectionEditor(KeyModal[EditResult | None]):
    """Edit `profile`, or create a new one when it is None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="editor.cancel"),
        Binding("ctrl+s", "save", "Save", id="editor.save"),
        Binding("ctrl+l", "models", "Models", id="editor.models"),
        Binding("ctrl+t", "test", "Test", id="editor.test"),
    ]

    DEFAULT_CSS = """
    ConnectionEditor { align: center middle; }
    ConnectionEditor > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        background: $surface; border: round $primary; padding: 0 1;
    }
    /* The form scrolls; the title above it and the error, test result and buttons below it stay in sight. */
    ConnectionEditor #editor-form { height: 1fr; }
    ConnectionEditor .editor-foot { height: auto; dock: bottom; }
    ConnectionEditor Label { margin: 1 0 0 0; color: $text-muted; }
    ConnectionEditor Input, ConnectionEditor Select { margin: 0; }
    ConnectionEditor Input { background: $panel; }
    ConnectionEditor Input:focus { background: $primary 25%; }
    ConnectionEditor .row { height: auto; }
    ConnectionEditor .row > Input { width: 1fr; margin: 0 1 0 0; }
    ConnectionEditor .row > Button { width: auto; min-width: 10; }
    ConnectionEditor .kind-desc, ConnectionEditor .hint { color: $text-muted; height: auto; }
    ConnectionEditor .samplers { layout: grid; grid-size: 4; grid-gutter: 0 1; height: auto; }
    ConnectionEditor .samplers > Container { height: auto; }
    ConnectionEditor .samplers Label { margin: 0; }
    ConnectionEditor .section { text-style: bold; margin: 1 0 0 0; color: $text; }
    ConnectionEditor .editor-error { color: $text-error; height: auto; max-height: 3; }
    ConnectionEditor .editor-status { height: auto; max-height: 3; }
    ConnectionEditor .editor-status.-ok { color: $text-success; }
    ConnectionEditor .editor-status.-bad { color: $text-error; }
    ConnectionEditor .buttons { height: auto; margin: 1 0 0 0; }
    ConnectionEditor .buttons Button { margin: 0 2 0 0; }
    """

    def __init__(
        self,
        profile: ConnectionProfile | None,
        *,
        kinds: Sequence[str] = (),
        has_key: bool = False,
        key_hint: str = "",
        fetch_models: Fetch | None = None,
        check: Check | None = None,
    ) -> None:
        super().__init__()
        self.profile = profile
        self.kinds = list(kinds) or list(KINDS)
        self.key_hint = key_hint or ("a key is stored" if has_key else "none")
        self.fetch_models = fetch_models
        self.check = check
        self._kind = ""  # the kind whose defaults the form currently shows

    # ---- layout ------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        p = self.profile
        kind = p.kind if p else "openai-compatible"
        infos = [KINDS[k] for k in self.kinds if k in KINDS and k != "demo"]
        kind_options: list[tuple[Content, str]] = [(_kind_prompt(i), i.name) for i in infos]
        if kind not in [i.name for i in infos]:
            kind_options.insert(0, (plain_line(f"{kind} (unknown kind)"), kind))
        instructs = ["auto", *preset_names("instruct")]  # auto: derived from the server's chat template
        instruct = instruct_choice(p.instruct if p else "chatml", instructs)
        with Vertical():
            yield Static(Content("Add a connection" if p is None else "Edit connection").stylize("bold"))
            with VerticalScroll(id="editor-form"):
                yield from self._fields(p, kind_options, instructs, instruct)
            yield from self._foot()

    def _foot(self) -> ComposeResult:
        with Vertical(classes="editor-foot"):
            error = Static("", classes="editor-error")
            error.display = False
            yield error
            yield Static("", classes="editor-status")
            with Horizontal(classes="buttons"):
                yield Button(Content("Save (ctrl+s)"), variant="primary", id="editor-save", compact=True)
                yield Button(Content("Test (ctrl+t)"), id="editor-test", compact=True)
                yield Button(Content("Cancel (esc)"), id="editor-cancel", compact=True)

    def _fields(self, p: ConnectionProfile | None, kind_options: list[tuple[Content, str]], instructs: Sequence[str],
                instruct: str) -> ComposeResult:
        """Every field of the form (the kind's own fields are shown or hidden by `_apply_kind`)."""
        kind = p.kind if p else "openai-compatible"
        sampler = p.sampler if p else ConnectionProfile(name="x").sampler
        yield Label("Name (saving under a new name makes a copy)")
        yield SafeInput(p.name if p else "", id="f-name", compact=True)
        yield Label("Kind (which server or service)")
        yield Select(kind_options, value=kind, allow_blank=False, id="f-kind", compact=True)
        yield Static("", classes="kind-desc", id="kind-desc")
        yield Label("Base URL")
        yield SafeInput(p.base_url if p else "", id="f-base_url", compact=True)
        with Container(id="api-row"):
            yield Label("API (this server speaks its own API and the OpenAI one)")
            yield Select([(Content("automatic (native for text, OpenAI for chat)"), "auto"),
                          (Content("native"), "native"), (Content("OpenAI-compatible"), "openai")],
                         value=(p.api if p and p.api else "auto"), allow_blank=False, id="f-api",
                         compact=True)  # fmt: skip
        yield Label("Mode")
        yield Select([(Content(MODE_LABELS["chat"]), "chat")], value="chat", allow_blank=False, id="f-mode",
                     compact=True)  # fmt: skip
        yield Label("Model (ctrl+l lists the server's models)")
        with Horizontal(classes="row"):
            yield SafeInput(p.model if p else "", id="f-model", compact=True)
            yield Button(Content("Models…"), id="editor-models", compact=True)
        with Container(id="instruct-row"):
            yield Label("Instruct template (text mode)")
            yield Select([(plain_line(n), n) for n in dict.fromkeys([*instructs, instruct])], value=instruct,
                         allow_blank=False, id="f-instruct", compact=True)  # fmt: skip
        yield Label("Message converter (for servers that want strict turns)")
        yield Select([(Content(c), c) for c in CONVERTERS], value=p.converter if p else "none",
                     allow_blank=False, id="f-converter", compact=True)  # fmt: skip
        yield Label("Max context / max reply tokens")
        with Horizontal(classes="row"):
            yield SafeInput(str(p.max_context if p else 4096), id="f-max_context", type="integer", compact=True)
            yield SafeInput(str(p.max_tokens if p else 300), id="f-max_tokens", type="integer", compact=True)
        yield Label("API key (write-only; leave empty to keep the current one)")
        yield Static(Content.assemble("current key: ", (self.key_hint, "bold")), classes="hint",
                     id="key-hint")  # fmt: skip
        yield SafeInput("", password=True, placeholder="type a new key to replace it", id="f-api_key",
                    compact=True)  # fmt: skip
        yield Label("…or read the key from this environment variable (it wins when set)")
        yield SafeInput((p.api_key_env or "") if p else "", id="f-api_key_env", compact=True)
        yield Static(Content("Sampler (empty = not sent)"), classes="section")
        with Container(classes="samplers"):
            for field in EDITABLE_SAMPLERS:
                with Container(id=f"sbox-{field}"):
                    yield Label(field.replace("_", " "))
                    yield SafeInput(_fmt(getattr(sampler, field)), id=f"s-{field}", compact=True)
        yield Label('Stop strings (JSON list, e.g. ["\\nUser:"])')
        yield SafeInput(format_stops(sampler.stop), id="f-stop", compact=True)
        options = p.options if p else {}
        yield Static(Content("Options for this kind"), classes="section", id="options-title")
        for key in ALL_OPTIONS:
            with Container(id=f"obox-{key}", classes="option"):
                yield Label(f"{key} — {OPTION_HINTS.get(key, 'text or JSON')}")
                yield SafeInput(format_option(options[key]) if key in options else "", id=f"o-{key}",
                            compact=True)  # fmt: skip

    def on_mount(self) -> None:
        self._apply_kind(str(self.query_one("#f-kind", Select).value), initial=True)
        self.query_one("#f-name", Input).focus()

    # ---- kind-dependent fields -----------------------------------------------------------------------------
    @on(Select.Changed, "#f-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._apply_kind(str(event.value))

    @on(Select.Changed, "#f-mode")
    def _mode_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.query_one("#instruct-row").display = event.value == "text"

    def _apply_kind(self, kind: str, *, initial: bool = False) -> None:
        if kind == self._kind:
            return
        old = KINDS.get(self._kind)
        info = KINDS.get(kind)
        self._kind = kind
        desc = self.query_one("#kind-desc", Static)
        if info is None:
            desc.update(Content("Unknown kind: pick one from the list."))
            return
        notes = [info.description, "needs an API key" if info.needs_key else "key optional",
                 "streams" if info.streaming else "no streaming"]  # fmt: skip
        if info.tokenizer:
            notes.append(f"token counts from {info.tokenizer}")
        desc.update(Content(" · ".join(notes)))
        # Fill defaults unless the user typed their own (an empty field or the old kind's default is not theirs).
        url = self.query_one("#f-base_url", Input)
        url.placeholder = info.default_base_url
        if not url.value.strip() or (old is not None and url.value.strip() == old.default_base_url):
            url.value = info.default_base_url
        env = self.query_one("#f-api_key_env", Input)
        env.placeholder = info.key_env or "(none)"
        typed = env.value.strip()
        if initial:
            fill = self.profile is None
        else:
            fill = not typed or (old is not None and typed == (old.key_env or ""))
        if fill:
            env.value = info.key_env or ""
        mode = self.query_one("#f-mode", Select)
        current = self.profile.mode if initial and self.profile else str(mode.value)
        mode.set_options([(Content(MODE_LABELS[m]), m) for m in info.modes])
        mode.value = current if current in info.modes else info.modes[0]
        self.query_one("#instruct-row").display = mode.value == "text"
        self.query_one("#api-row").display = bool(info.apis)
        accepted = sampler_fields(kind)
        for field in EDITABLE_SAMPLERS:
            self.query_one(f"#sbox-{field}").display = field in accepted
        for key in ALL_OPTIONS:
            self.query_one(f"#obox-{key}").display = key in info.options
        self.query_one("#options-title").display = bool(info.options)

    # ---- reading the form ----------------------------------------------------------------------------------
    def _values(self) -> dict[str, str]:
        values = {
            key: self.query_one(f"#f-{key}", Input).value
            for key in ("name", "base_url", "model", "max_context", "max_tokens", "api_key_env", "stop")
        }
        for key in ("kind", "mode", "api", "converter", "instruct"):
            values[key] = str(self.query_one(f"#f-{key}", Select).value)
        for field in EDITABLE_SAMPLERS:
            values[f"sampler.{field}"] = self.query_one(f"#s-{field}", Input).value
        for key in ALL_OPTIONS:
            values[f"option.{key}"] = self.query_one(f"#o-{key}", Input).value
        return values

    def form_profile(self) -> ConnectionProfile:
        """The profile as the form stands (raises ValueError with a message for the user)."""
        info = KINDS.get(str(self.query_one("#f-kind", Select).value))
        return build_profile(self.profile, self._values(), self.kinds,
                             samplers=sampler_fields(info.name) if info else EDITABLE_SAMPLERS,
                             options=info.options if info else ())  # fmt: skip

    def typed_key(self) -> str | None:
        return self.query_one("#f-api_key", Input).value.strip() or None

    def show_error(self, message: str) -> None:
        error = self.query_one(".editor-error", Static)
        error.update(plain_line(message))
        error.display = True

    def _clear_error(self) -> None:
        self.query_one(".editor-error", Static).display = False

    def show_status(self, text: str, *, ok: bool | None) -> None:
        status = self.query_one(".editor-status", Static)
        status.update(plain_line(text))
        status.set_class(ok is True, "-ok")
        status.set_class(ok is False, "-bad")

    # ---- actions -------------------------------------------------------------------------------------------
    def _valid_profile(self) -> ConnectionProfile | None:
        """The form as a profile, or None after showing what is wrong with it."""
        try:
            return self.form_profile()
        except ValueError as exc:
            self.show_error(str(exc))
            return None

    def action_save(self) -> None:
        profile = self._valid_profile()
        if profile is None:
            return
        self.dismiss(EditResult(profile, self.typed_key(), self.profile.name if self.profile else None))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_models(self) -> None:
        if self.fetch_models is None:
            return
        profile = self._valid_profile()
        if profile is None:
            return
        self._clear_error()
        fetch, key = self.fetch_models, self.typed_key()

        def chosen(model: str | None) -> None:
            if model:
                self.query_one("#f-model", Input).value = model

        picker = ModelPicker(profile.name, profile.model, lambda: fetch(profile, key))
        self.app.push_screen(picker, chosen)

    def action_test(self) -> None:
        if self.check is None:
            return
        profile = self._valid_profile()
        if profile is None:
            return
        self._clear_error()
        self._run_test(profile, self.typed_key())

    @work(exclusive=True, group="editor-test", exit_on_error=False)
    async def _run_test(self, profile: ConnectionProfile, key: str | None) -> None:
        assert self.check is not None
        self.show_status("Testing…", ok=None)
        try:
            result = await self.check(profile, key)
        except Exception as exc:  # the helper reports server trouble itself; this is a last resort
            self.show_status(f"Test failed: {exc}", ok=False)
            return
        self.show_status(describe_check(result), ok=result.ok)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        action = {"editor-save": self.action_save, "editor-models": self.action_models,
                  "editor-test": self.action_test}.get(event.button.id or "", self.action_cancel)  # fmt: skip
        action()


def describe_check(result: ConnectionCheck) -> str:
    """One line for a test result: latency and server identity, or what went wrong and what to do."""
    if result.ok:
        server = f" — {result.server}" if result.server else ""
        return f"OK in {result.latency_ms:.0f} ms{server}: {result.detail}"
    kind = f" [{result.error_kind}]" if result.error_kind else ""
    return f"FAILED{kind} after {result.latency_ms:.0f} ms: {result.detail}"
