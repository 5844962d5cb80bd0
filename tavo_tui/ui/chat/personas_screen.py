"""Personas (who the user plays): list, create, edit, delete, the default one, and this chat's choice."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from tavo_tui.session.personas import POSITIONS, Persona
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.dialogs import DIALOG_CSS, ConfirmDialog
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import one_line, plain_line
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

if TYPE_CHECKING:
    from tavo_tui.session import AppContext, ChatSession


class PersonaEditor(KeyModal[dict[str, object] | None]):
    """Name, description, description position, depth and avatar image. ctrl+s saves, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="persona-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="persona-cancel"),
    ]
    # on_mount focuses the first field without scrolling: Textual's auto-focus, before the first layout, would
    # centre it in the (scrolling) form and hide the title.
    AUTO_FOCUS = ""
    DEFAULT_CSS = DIALOG_CSS.format(name="PersonaEditor") + """
    PersonaEditor > Vertical { overflow-y: auto; }
    PersonaEditor TextArea { height: 8; }
    PersonaEditor .label { color: $text-muted; height: 1; }
    """

    def __init__(self, persona: Persona | None) -> None:
        super().__init__()
        self.persona = persona

    def compose(self) -> ComposeResult:
        p = self.persona
        with Vertical():
            yield Static(Content("Edit persona" if p else "New persona"), classes="dialog-title")
            yield Static(Content("Name ({{user}} in prompts)"), classes="label")
            yield SafeInput(p.name if p else "", id="persona-name")
            yield Static(Content("Description"), classes="label")
            yield SafeTextArea(p.description if p else "", soft_wrap=True, tab_behavior="focus",
                               id="persona-description")
            yield Static(Content("Description position"), classes="label")
            yield Select([(label, value) for value, label in POSITIONS.items()], value=p.position if p else 0,
                         allow_blank=False, id="persona-position")
            yield Static(Content("Depth (for 'at depth')"), classes="label")
            yield SafeInput(str(p.depth if p else 2), id="persona-depth", type="integer")
            yield Static(Content("Avatar image (a file path; empty for none)"), classes="label")
            yield SafeInput((p.avatar or "") if p else "", id="persona-avatar", placeholder="~/pictures/me.png")
            yield Static(Content("ctrl+s: save    esc: cancel"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#persona-name", Input).focus(scroll_visible=False)

    def action_save(self) -> None:
        name = self.query_one("#persona-name", Input).value.strip()
        if not name:
            self.notify("A persona needs a name.", markup=False, severity="warning")
            return
        depth_text = self.query_one("#persona-depth", Input).value.strip()
        avatar = avatar_path(self.query_one("#persona-avatar", Input).value)
        if avatar is not None and not Path(avatar).is_file():
            # Nothing is lost: the dialog stays open with what was typed.
            self.notify(f"No image file at {avatar}", markup=False, severity="warning")
            self.query_one("#persona-avatar", Input).focus()
            return
        self.dismiss({
            "name": name,
            "description": self.query_one("#persona-description", TextArea).text,
            "position": self.query_one("#persona-position", Select).value,
            "depth": int(depth_text) if depth_text.lstrip("-").isdigit() else 2,
            "avatar": avatar,
        })

    def action_cancel(self) -> None:
        self.dismiss(None)


def avatar_path(typed: str) -> str | None:
    """The avatar as stored: the typed path with `~` expanded, or None when left empty."""
    text = typed.strip()
    return str(Path(text).expanduser()) if text else None


class PersonasScreen(KeyModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="personas-close"),
        Binding("n", "new", "New", id="personas-new"),
        Binding("e", "edit", "Edit", id="personas-edit"),
        Binding("delete,d", "delete", "Delete", id="personas-delete"),
        Binding("asterisk,s", "make_default", "Default", id="personas-default"),
        Binding("u", "follow_default", "Chat: default", id="personas-follow-default"),
    ]

    DEFAULT_CSS = """
    PersonasScreen { align: center middle; }
    PersonasScreen > Vertical { width: 80%; max-width: 100; height: 70%; border: round $primary;
                                background: $surface; }
    PersonasScreen #personas-title { height: auto; padding: 0 1; background: $panel; }
    PersonasScreen OptionList { height: 1fr; border: none; }
    """

    def __init__(self, ctx: AppContext, session: ChatSession | None) -> None:
        super().__init__()
        self.ctx = ctx
        self.session = session
        self.personas: list[Persona] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.assemble(("Personas", "bold"), ("   enter: use in this chat   ★ default   "
                                                                  "● this chat", "dim")), id="personas-title")
            yield OptionList(id="persona-list")
            yield Footer(compact=True)

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one(OptionList).focus()

    def _chat_choice(self) -> str | None:
        if self.session is None:
            return None
        value = self.session.metadata.get("persona")
        return value if isinstance(value, str) else None

    def refresh_list(self, select: str | None = None) -> None:
        try:
            self.personas = self.ctx.personas.list()
            default = self.ctx.personas.default_id
        except Exception as exc:
            self.notify(f"Cannot read personas: {exc}", markup=False, severity="error")
            self.personas, default = [], None
        chat = self._chat_choice()
        options = self.query_one(OptionList)
        options.set_options(Option(self._prompt(p, default, chat), id=f"persona-{i}")
                            for i, p in enumerate(self.personas))
        ids = [p.id for p in self.personas]
        if select in ids:
            options.highlighted = ids.index(select)

    @staticmethod
    def _prompt(p: Persona, default: str | None, chat: str | None) -> Content:
        marks = ("★" if p.id == default else " ") + ("●" if p.id == chat else " ")
        desc = one_line(p.description)
        desc = desc if len(desc) <= 90 else desc[:89] + "…"
        return Content.assemble(marks, " ", plain_line(p.name, "bold"),
                                (f"   {POSITIONS.get(p.position, p.position)}", "dim"), "\n    ", desc)

    @property
    def highlighted(self) -> Persona | None:
        index = self.query_one(OptionList).highlighted
        return self.personas[index] if index is not None and 0 <= index < len(self.personas) else None

    @on(OptionList.OptionSelected)
    def _use_here(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        persona = self.personas[event.option_index]
        if self.session is None:
            self.notify("No chat is open; use s to make it the default.", markup=False)
            return
        self._apply(lambda: self.session.set_persona(persona.id) if self.session else None, persona.id,
                    f"This chat now uses {one_line(persona.name)}")

    def action_follow_default(self) -> None:
        if self.session is None:
            return
        self._apply(lambda: self.session.set_persona(None) if self.session else None, None,
                    "This chat follows the default persona")

    def _apply(self, change: object, select: str | None, message: str) -> None:
        try:
            notice = change()  # type: ignore[operator]
        except Exception as exc:
            self.notify(f"Cannot change the persona: {exc}", markup=False, severity="error")
            return
        if notice is not None:
            self.notify(notice.text, markup=False, severity="warning")
        self.notify(message, markup=False, timeout=3)
        self.refresh_list(select)

    def action_make_default(self) -> None:
        persona = self.highlighted
        if persona is None:
            return
        try:
            self.ctx.personas.set_default(persona.id)
        except Exception as exc:
            self.notify(f"Cannot set the default: {exc}", markup=False, severity="error")
            return
        self.refresh_list(persona.id)

    @work(exclusive=True, group="personas", exit_on_error=False)
    async def action_new(self) -> None:
        values = await self.app.push_screen_wait(PersonaEditor(None))
        if values is None:
            return
        try:
            persona = self.ctx.personas.create(str(values.pop("name")), **values)  # type: ignore[arg-type]
        except Exception as exc:
            self.notify(f"Cannot create the persona: {exc}", markup=False, severity="error")
            return
        self.refresh_list(persona.id)

    @work(exclusive=True, group="personas", exit_on_error=False)
    async def action_edit(self) -> None:
        persona = self.highlighted
        if persona is None:
            return
        values = await self.app.push_screen_wait(PersonaEditor(persona))
        if values is None:
            return
        try:
            self.ctx.personas.save(Persona.model_validate({**persona.model_dump(), **values}))
        except Exception as exc:
            self.notify(f"Cannot save the persona: {exc}", markup=False, severity="error")
            return
        self.refresh_list(persona.id)

    @work(exclusive=True, group="personas", exit_on_error=False)
    async def action_delete(self) -> None:
        persona = self.highlighted
        if persona is None:
            return
        sure = await self.app.push_screen_wait(
            ConfirmDialog(Content.assemble("Delete the persona ", plain_line(persona.name, "bold"), "?"))
        )
        if not sure:
            return
        try:
            self.ctx.personas.delete(persona.id)
        except Exception as exc:
            self.notify(f"Cannot delete: {exc}", markup=False, severity="error")
            return
        self.refresh_list()

    def action_close(self) -> None:
        self.dismiss(None)
