"""The prompt inspector: what the next request will contain, where each token came from, and how it changed.

Views (tab cycles): the exact request body; the sections coloured by source with tokens (fired lore entries
under the section they landed in); dropped messages and lorebook entries; a diff against the last prompt sent
in this chat or against the same turn on another connection. Keys copy the body as JSON or curl (key masked)
or save it. Only the visible view is drawn, and long lists/bodies are folded until `a` asks for all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol, cast

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tavo_tui.model import AssembledPrompt, PreparedRequest, PromptSection
from tavo_tui.session.prompt_diff import PromptDiff, SentPrompts, diff_inspections
from tavo_tui.session.prompt_sources import section_origin
from tavo_tui.session.workshop_sources import EditTarget, edit_target, lore_target
from tavo_tui.ui.inspector.render import (
    Rows,
    clip_body,
    diff_rows,
    kind_style,
    lore_rows,
    section_rows,
    summary,
    usage_bar,
)
from tavo_tui.ui.keys.registry import INSPECTOR, bindings_for
from tavo_tui.ui.shared.safe_text import plain_line, sanitize
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

if TYPE_CHECKING:
    from tavo_tui.session import ChatSession, Inspection
    from tavo_tui.session.lore_report import LoreLine

# The lore report, the connection comparison, the exports and the dialogs are imported by the actions that use
# them: the inspector is built at start-up, usually hidden, and none of them is needed for the first frame.

__all__ = ["VIEWS", "InspectionLike", "PromptInspector", "usage_bar"]

VIEWS: tuple[str, ...] = ("body", "sections", "lore", "diff")
VIEW_TITLES = {"body": "request", "sections": "sections", "lore": "lore", "diff": "diff"}
PANE_NAME = "Prompt inspector "
KEY_HINT = ("tab view · enter open section · c copy JSON · u copy curl · s save · d diff last sent · "
            "o diff connection · a show all")


class InspectionLike(Protocol):
    """What the inspector reads from the session layer's Inspection."""

    @property
    def prompt(self) -> AssembledPrompt: ...

    @property
    def request(self) -> PreparedRequest: ...

    @property
    def body_text(self) -> str: ...


def view_tabs(active: str, width: int | None = None) -> Content:
    """The title: the pane's name and its views, the one shown lit, fitted to `width` cells. The other views
    shrink to their initials, then go, then the pane's name goes: the name of the view shown always stays."""

    def tabs(short: bool) -> list[tuple[str, str]]:
        labels = {v: VIEW_TITLES[v] if v == active or not short else VIEW_TITLES[v][:1] for v in VIEWS}
        return [(f" {labels[v]} ", "reverse" if v == active else "dim") for v in VIEWS]

    lit = (f" {VIEW_TITLES[active]} ", "reverse")
    name = (PANE_NAME, "bold")
    for parts in ([name, *tabs(False)], [name, *tabs(True)], [name, lit], tabs(False), tabs(True)):
        title = Content.assemble(*parts)
        if width is None or title.cell_length <= width:
            return title
    return Content.assemble(lit)


class ViewTitle(Widget):
    """The inspector's title line, drawn for its current width (a narrow side pane cut the views off)."""

    view: reactive[str] = reactive("body")

    def render(self) -> Content:
        return view_tabs(self.view, self.content_size.width or None)


class PromptInspector(Vertical):
    """Shows what the next request will contain. Nothing here parses markup from the prompt."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for(INSPECTOR)  # the key registry's

    DEFAULT_CSS = """
    PromptInspector { height: 1fr; }
    PromptInspector > .pane-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    PromptInspector.-has-focus > .pane-title { background: $primary 35%; }
    PromptInspector > TextArea:focus { border: none; }
    PromptInspector > .insp-summary { height: auto; padding: 0 1; }
    PromptInspector > TextArea { height: 1fr; border: none; }
    PromptInspector > OptionList { height: 1fr; border: none; }
    PromptInspector > .insp-error { color: $text-error; padding: 0 1; height: auto; }
    PromptInspector > .insp-flash { padding: 0 1; height: auto; color: $text-success; }
    PromptInspector > .insp-keys { padding: 0 1; height: auto; color: $text-muted; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.view = "body"
        self.show_all = False
        self.current: Inspection | None = None
        self.sent = SentPrompts()
        self.diff: PromptDiff | None = None
        self._diff_target: str | None = None  # None: the last prompt sent; else a connection name
        self._stale: set[str] = set(VIEWS)
        self._lore: tuple[int, list[LoreLine]] | None = None
        self._targets: dict[str, list[PromptSection | None]] = {}
        self._lore_labels: dict[str, dict[int, str]] = {}

    class EditSource(Message):
        """The user asked to edit where a section (or lorebook entry) came from; the screen opens the editor."""

        def __init__(self, target: EditTarget) -> None:
            super().__init__()
            self.target = target

    def compose(self) -> ComposeResult:
        yield ViewTitle(classes="pane-title")
        yield Static(Content("Open a character to see the prompt."), classes="insp-summary")
        error = Static("", classes="insp-error")
        error.display = False
        yield error
        flash = Static("", classes="insp-flash")
        flash.display = False
        yield flash
        yield SafeTextArea("", read_only=True, soft_wrap=True, show_line_numbers=False, id="insp-body")
        for view in VIEWS[1:]:
            options = OptionList(id=f"insp-{view}")
            options.display = False
            yield options
        yield Static(Content(KEY_HINT), classes="insp-keys")

    # ---- parts ---------------------------------------------------------------------------------------------
    @property
    def body(self) -> TextArea:
        return self.query_one("#insp-body", TextArea)

    def view_list(self, view: str) -> OptionList:
        return self.query_one(f"#insp-{view}", OptionList)

    def view_rows(self, view: str) -> list[str]:
        """The plain text of a list view's rows (for tests and screen readers of the code)."""
        options = self.view_list(view)
        rows: list[str] = []
        for i in range(options.option_count):
            prompt = options.get_option_at_index(i).prompt
            rows.append(prompt.plain if isinstance(prompt, Content) else str(prompt))
        return rows

    def _session(self) -> ChatSession | None:
        # The screen owns the session; the inspector only borrows it.
        # (Duck-typed: naming the class here would load the prompt engine before the first frame.)
        session = getattr(self.screen, "session", None)
        return cast("ChatSession", session) if hasattr(session, "inspect") else None

    def _pending(self) -> str | None:
        text = getattr(getattr(self.screen, "composer", None), "text", "")
        return text if isinstance(text, str) and text else None

    def flash(self, message: str, *, error: bool = False) -> None:
        """A visible confirmation (or failure) line inside the inspector, also sent as a notification."""
        line = self.query_one(".insp-flash", Static)
        line.update(plain_line(message, "$text-error" if error else ""))
        line.display = True
        self.notify(message, markup=False, severity="error" if error else "information", timeout=4)

    # ---- showing -------------------------------------------------------------------------------------------
    def show(self, inspection: InspectionLike) -> None:
        self.current = inspection  # type: ignore[assignment]  # the session's Inspection in practice
        self._lore = None
        self._stale = set(VIEWS)
        self.query_one(".insp-summary", Static).update(summary(inspection.prompt, inspection.request))
        self.query_one(".insp-error", Static).display = False
        self._render_view()

    def show_error(self, message: str) -> None:
        error = self.query_one(".insp-error", Static)
        error.update(Content.assemble(("Cannot build the prompt: ", "bold"), plain_line(message)))
        error.display = True

    def clear(self, message: str) -> None:
        self.current = None
        self.query_one(".insp-summary", Static).update(Content(message))
        self.body.load_text("")
        for view in VIEWS[1:]:
            self.view_list(view).clear_options()
        self._stale = set(VIEWS)

    def set_view(self, view: str) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown inspector view {view!r}")
        focused = self.app.focused is not None and self in self.app.focused.ancestors_with_self
        self.view = view
        self.body.display = view == "body"
        for other in VIEWS[1:]:
            self.view_list(other).display = other == view
        self.query_one(ViewTitle).view = view
        self._render_view()
        if focused:
            self._view_widget().focus()

    def focus_view(self) -> None:
        """Focus whichever view is showing (the body, or the list of the current view)."""
        self._view_widget().focus()

    def _view_widget(self) -> TextArea | OptionList:
        return self.body if self.view == "body" else self.view_list(self.view)

    def _lore_lines(self) -> list[LoreLine]:
        current, session = self.current, self._session()
        if current is None or session is None:
            return []
        if self._lore is None or self._lore[0] != id(current):
            from tavo_tui.session.lore_report import lore_report

            self._lore = (id(current), lore_report(session, current.prompt, self._pending()))
        return self._lore[1]

    def _render_view(self) -> None:
        """Draw only the visible view; the others are drawn when they are shown."""
        view = self.view
        if view not in self._stale:
            return
        current = self.current
        if view == "diff":
            self._refresh_diff()
            return
        if current is None:
            return
        self._stale.discard(view)
        if view == "body":
            # TextArea never interprets markup, but it does pass escape sequences through: sanitise.
            text = sanitize(clip_body(current.display_text, self.show_all))
            if text != self.body.text:
                self.body.load_text(text)
        elif view == "sections":
            self._fill(view, section_rows(current.prompt, self._lore_lines(), self.show_all))
        elif view == "lore":
            self._fill(view, lore_rows(current.prompt, self._lore_lines(), self.show_all))

    def _fill(self, view: str, rows: Rows | list[Content]) -> None:
        options = self.view_list(view)
        highlighted = options.highlighted
        if isinstance(rows, Rows):
            self._targets[view] = rows.targets
            self._lore_labels[view] = rows.lore_labels
            contents = rows.contents
        else:
            self._targets[view] = []
            self._lore_labels[view] = {}
            contents = rows
        options.set_options([Option(row) for row in contents])
        if highlighted is not None and contents:
            options.highlighted = min(highlighted, len(contents) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a section (or dropped section) row opens its full text."""
        event.stop()
        view = (event.option_list.id or "").removeprefix("insp-")
        targets = self._targets.get(view, [])
        if not 0 <= event.option_index < len(targets):
            return
        section = targets[event.option_index]
        if section is None:
            return
        origin = section_origin(section)
        title = Content.assemble(("▌", kind_style(origin.kind)), plain_line(section.name, "bold"),
                                 (f"  {origin.label} · {section.role} · {section.tokens} tokens", "dim"))
        from tavo_tui.ui.inspector.dialogs import SectionViewer

        self.app.push_screen(SectionViewer(title, sanitize(section.content)))

    def _refresh_diff(self) -> None:
        session = self._session()
        self._stale.discard("diff")
        if session is None or self.current is None:
            self._fill("diff", [Content("Open a character, then press d (last sent) or o (another connection).")])
            return
        try:
            self.diff = self._compute_diff(session, self.current)
        except Exception as exc:  # an unusable profile or a prompt error: say so, keep the app running
            self._fill("diff", [Content.assemble(("Cannot compare: ", "bold"), plain_line(str(exc)))])
            return
        if self.diff is None:
            self._fill("diff", [Content("Nothing sent in this chat yet (since the app started): send a message, "
                                        "then press d to compare the next prompt with it.")])
            return
        self._fill("diff", diff_rows(self.diff))

    def _compute_diff(self, session: ChatSession, current: Inspection) -> PromptDiff | None:
        this = f"next prompt on {session.profile.name}"
        if self._diff_target is None:
            previous = self.sent.last(session)
            if previous is None:
                return None
            return diff_inspections(previous, current, "last prompt sent", this)
        from tavo_tui.session.other_connection import inspect_on

        other = inspect_on(session, self._diff_target, self._pending())
        return diff_inspections(current, other, this, f"same turn on {self._diff_target}")

    # ---- session hooks -------------------------------------------------------------------------------------
    def record_sent(self, session: ChatSession, inspection: Inspection) -> None:
        """Remember the request `session` sent: the one its `Started` event carries, never a rebuilt one (a
        rebuild costs an assembly and, with `{{random}}` in a card, differs from what was sent)."""
        self.sent.record(session, inspection)

    def _fresh(self) -> tuple[ChatSession, Inspection] | None:
        """The session and an up-to-date inspection of the next request (rebuilt now: the preview may lag)."""
        session = self._session()
        if session is None:
            self.flash("Open a character first.", error=True)
            return None
        try:
            inspection = session.inspect(self._pending())
        except Exception as exc:
            self.flash(f"Cannot build the prompt: {exc}", error=True)
            return None
        self.show(inspection)
        return session, inspection

    # ---- actions -------------------------------------------------------------------------------------------
    def highlighted_target(self) -> EditTarget | None:
        """Where the highlighted row of the sections or lore view is edited (None: nothing editable there)."""
        if self.view not in ("sections", "lore"):
            return None
        index = self.view_list(self.view).highlighted
        if index is None:
            return None
        label = self._lore_labels.get(self.view, {}).get(index)
        if label is not None:
            return lore_target(label)
        targets = self._targets.get(self.view, [])
        section = targets[index] if 0 <= index < len(targets) else None
        if section is None:
            return None
        session = self._session()
        ids = frozenset(p.identifier for p in session.prompt_settings().chat_completion.prompts) if session else (
            frozenset())
        return edit_target(section, ids)

    def action_edit_source(self) -> None:
        if self.view not in ("sections", "lore"):
            self.flash("Edit source works on a row of the sections or lore view (tab switches views).", error=True)
            return
        target = self.highlighted_target()
        if target is None:
            self.flash("Nothing to edit for this row (chat messages are edited in the chat log).", error=True)
            return
        self.post_message(self.EditSource(target))

    def action_next_view(self) -> None:
        self.set_view(VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)])

    def action_previous_view(self) -> None:
        self.set_view(VIEWS[(VIEWS.index(self.view) - 1) % len(VIEWS)])

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self._stale = set(VIEWS)
        self._render_view()
        self.flash("Showing everything (may be slow on huge chats)." if self.show_all else "Long lists folded again.")

    def action_copy_json(self) -> None:
        fresh = self._fresh()
        if fresh is None:
            return
        from tavo_tui.session.request_export import inspection_json

        text = inspection_json(*fresh)
        self.app.copy_to_clipboard(text)
        self.flash(f"Copied the request body as JSON ({len(text)} characters).")

    def action_copy_curl(self) -> None:
        fresh = self._fresh()
        if fresh is None:
            return
        from tavo_tui.session.request_export import inspection_curl

        try:
            text = inspection_curl(*fresh)
        except Exception as exc:
            self.flash(f"Cannot build the curl command: {exc}", error=True)
            return
        self.app.copy_to_clipboard(text)
        self.flash("Copied the request as a curl command (API key masked).")

    def action_save(self) -> None:
        fresh = self._fresh()
        if fresh is None:
            return
        session, inspection = fresh
        from tavo_tui.session.request_export import ExportError, default_export_path, export_folder, save_inspection
        from tavo_tui.ui.inspector.dialogs import SavePathPrompt

        default = str(default_export_path(export_folder(session)))

        def saved(path: str | None) -> None:
            if path is None:
                return
            try:
                target = save_inspection(session, inspection, path)
            except (ExportError, Exception) as exc:
                self.flash(f"Not saved: {exc}", error=True)
                return
            self.flash(f"Saved the request to {target}")

        self.app.push_screen(SavePathPrompt(default), saved)

    def action_diff_previous(self) -> None:
        if self._fresh() is None:
            return
        self._diff_target = None
        self._stale.add("diff")
        self.set_view("diff")

    def action_diff_other(self) -> None:
        fresh = self._fresh()
        if fresh is None:
            return
        session = fresh[0]
        try:
            profiles = session.ctx.profiles.list()
        except Exception as exc:
            self.flash(f"Cannot list the connections: {exc}", error=True)
            return

        def chosen(name: str | None) -> None:
            if name is None:
                return
            self.compare_with(name)

        from tavo_tui.ui.inspector.dialogs import CompareConnectionPicker

        self.app.push_screen(CompareConnectionPicker(profiles, session.profile.name), chosen)

    def compare_with(self, name: str) -> None:
        """Show the diff between this turn here and the same turn on connection `name`."""
        if self._fresh() is None:
            return
        self._diff_target = name
        self._stale.add("diff")
        self.set_view("diff")
