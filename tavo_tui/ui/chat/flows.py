"""The main screen's chat-level flows: the chats list, personas, author's note, scenario override, search.

Each flow runs in a worker (it waits on modal screens) and changes the chat only through the session layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Select, Static, TextArea

from tavo_tui.session.prompt_options import AuthorsNote
from tavo_tui.ui.chat.chats_screen import ChatsScreen
from tavo_tui.ui.chat.personas_screen import PersonasScreen
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.dialogs import DIALOG_CSS, ChoiceDialog, ReportDialog, TextEditDialog, TextPrompt
from tavo_tui.ui.shared.editor import edit_in_editor
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import plain, plain_line
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

if TYPE_CHECKING:
    from tavo_tui.ui.chat.actions import ChatActions

NOTE_POSITIONS = {1: "in chat at depth", 0: "after the story string", 2: "before the story string"}
ROLES = {0: "system", 1: "user", 2: "assistant"}
SEARCH_LIMIT = 200
REVEAL_LIMIT = 500  # older messages mounted at most to show a search hit in place


class AuthorsNoteDialog(KeyModal[dict[str, object] | None]):
    """The chat's author's note: text, position, depth, role. ctrl+s saves, ctrl+e uses $EDITOR, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="note-save", priority=True),
        Binding("ctrl+e", "external", "$EDITOR", id="note-external", priority=True),
        Binding("escape", "cancel", "Cancel", id="note-cancel"),
    ]
    # on_mount focuses the first field without scrolling: Textual's auto-focus, before the first layout, would
    # centre it in the (scrolling) form and hide the title.
    AUTO_FOCUS = ""
    DEFAULT_CSS = DIALOG_CSS.format(name="AuthorsNoteDialog") + """
    AuthorsNoteDialog TextArea { height: 10; }
    AuthorsNoteDialog .label { color: $text-muted; height: 1; }
    """

    def __init__(self, note: AuthorsNote) -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Author's note for this chat (empty removes it)"), classes="dialog-title")
            yield SafeTextArea(self.note.prompt, soft_wrap=True, tab_behavior="focus", id="note-text")
            yield Static(Content("Position"), classes="label")
            yield Select([(label, value) for value, label in NOTE_POSITIONS.items()], value=self.note.position,
                         allow_blank=False, id="note-position")
            yield Static(Content("Depth (messages from the end)"), classes="label")
            yield SafeInput(str(self.note.depth), type="integer", id="note-depth")
            yield Static(Content("Role"), classes="label")
            yield Select([(label, value) for value, label in ROLES.items()], value=self.note.role,
                         allow_blank=False, id="note-role")
            yield Static(Content("ctrl+s: save    ctrl+e: text in $EDITOR    esc: cancel"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus(scroll_visible=False)

    def action_external(self) -> None:
        area = self.query_one("#note-text", TextArea)
        edited = edit_in_editor(self.app, area.text)
        if edited is not None:
            area.load_text(edited)

    def action_save(self) -> None:
        depth = self.query_one("#note-depth", Input).value.strip()
        self.dismiss({
            "text": self.query_one("#note-text", TextArea).text,
            "position": self.query_one("#note-position", Select).value,
            "depth": int(depth) if depth.isdigit() else 4,
            "role": self.query_one("#note-role", Select).value,
        })

    def action_cancel(self) -> None:
        self.dismiss(None)


async def open_chats(screen: ChatActions) -> None:
    session = screen._need_session()
    if session is None:
        return
    result = await screen.app.push_screen_wait(
        ChatsScreen(screen.ctx, session.card_path, session.card.name, session)
    )
    if result is None:
        await screen.redraw()  # a rename shows in the title; nothing else changed
        return
    what, chat_id = result
    if what == "restored":
        await screen.redraw()  # the open chat was replaced by a backup
    elif what == "new":
        await screen.open_card(session.card_path, new=True)
    elif what == "reopen":
        await screen.open_card(session.card_path)
    elif what == "open" and chat_id:
        if session.ref is None or session.ref.id != chat_id:
            await screen.open_card(session.card_path, chat_id=chat_id)
    elif what == "branch" and chat_id:
        await _branch_chat(screen, chat_id)


async def _branch_chat(screen: ChatActions, chat_id: str) -> None:
    """A copy of a whole chat (branched at its last message), opened."""
    current = screen.session
    if current is None:
        return
    try:
        if current.ref is not None and current.ref.id == chat_id:
            branch = current.branch(len(current.messages) - 1)
        else:
            source = screen.ctx.open_chat(current.card_path, current.profile.name, chat_id=chat_id)
            try:
                branch = source.branch(len(source.messages) - 1)
            finally:
                source.close()
    except Exception as exc:
        screen.notify(f"Cannot branch: {exc}", markup=False, severity="error")
        return
    await screen.switch_session(branch)
    screen.notify(f"Branched: {branch.title}", markup=False)


async def open_personas(screen: ChatActions) -> None:
    await screen.app.push_screen_wait(PersonasScreen(screen.ctx, screen.session))
    await screen.redraw()  # {{user}} and the names may have changed


async def edit_authors_note(screen: ChatActions) -> None:
    session = screen._idle_session()
    if session is None:
        return
    note = AuthorsNote.from_chat_metadata(session.metadata) or AuthorsNote()
    values = await screen.app.push_screen_wait(AuthorsNoteDialog(note))
    if values is None:
        return
    notice = session.set_authors_note(str(values["text"]), depth=int(values["depth"]),  # type: ignore[call-overload]
                                      position=int(values["position"]),  # type: ignore[call-overload]
                                      role=int(values["role"]))  # type: ignore[call-overload]
    await screen._report(notice)
    screen._schedule_inspect(0)
    screen.notify("Author's note saved" if str(values["text"]).strip() else "Author's note removed",
                  markup=False, timeout=3)


async def edit_scenario(screen: ChatActions) -> None:
    session = screen._idle_session()
    if session is None:
        return
    current = session.metadata.get("scenario")
    text = current if isinstance(current, str) and current else session.card.scenario
    edited = await screen.app.push_screen_wait(
        TextEditDialog(Content("Scenario for this chat only (overrides the card's; empty restores it)"), text)
    )
    if edited is None:
        return
    value = edited if edited.strip() and edited != session.card.scenario else None
    notice = session.set_scenario(value)
    await screen._report(notice)
    screen._schedule_inspect(0)
    screen.notify("Scenario override saved" if value else "Using the card's scenario", markup=False, timeout=3)


async def choose_lorebook(screen: ChatActions) -> None:
    """Bind one of the data dir's worlds/*.json files to this chat, or none."""
    session = screen._idle_session()
    if session is None:
        return
    try:
        names = screen.ctx.lorebook_names()
    except OSError:
        names = []
    current = session.metadata.get("world_info")
    labels = [Content("(none)")] + [plain_line(n) for n in names]
    start = names.index(current) + 1 if current in names else 0
    help_text = f"Lorebooks are the .json files in {screen.ctx.worlds_dir}.    enter: choose    esc: cancel"
    picked = await screen.app.push_screen_wait(
        ChoiceDialog(Content("Lorebook for this chat"), labels, start, help_text=help_text)
    )
    if picked is None:
        return
    name = names[picked - 1] if picked else None
    notice = session.set_lorebook(name)
    await screen._report(notice)
    screen._schedule_inspect(0)
    screen.notify(f"Chat lorebook: {name}" if name else "No chat lorebook", markup=False, timeout=3)


async def jump_to(screen: ChatActions, index: int) -> None:
    """Put the cursor on message `index`, mounting older messages down to it when it is not shown yet.

    Past REVEAL_LIMIT older messages (a huge chat), the message is shown in a dialog instead: mounting
    thousands of messages would make the chat slow until the next one is sent."""
    session = screen.session
    if session is None:
        return
    log = screen.chat_log
    if log.hidden_count - index <= REVEAL_LIMIT:
        view = await log.reveal(index)
        if view is not None:
            log.focus()
            log.select(view)
            log.call_after_refresh(log.scroll_to_widget, view, animate=False, top=True)
            return
    message = session.messages[index]
    await screen.app.push_screen_wait(ReportDialog(
        Content.assemble(f"Message {index + 1} of {len(session.messages)} — ", plain_line(message.name, "bold")),
        plain(message.mes),
    ))


async def search_chat(screen: ChatActions) -> None:
    session = screen._need_session()
    if session is None:
        return
    query = await screen.app.push_screen_wait(TextPrompt(Content("Search this chat")))
    if not query or not query.strip():
        return
    found = session.search(query.strip())
    if not found:
        screen.notify("Nothing found in this chat.", markup=False)
        return
    from tavo_tui.session.chats import snippet

    labels = [Content.assemble(f"{i + 1}. ", plain_line(session.messages[i].name, "bold"), ": ",
                               plain_line(snippet(session.messages[i].mes, query.strip())))
              for i in found[:SEARCH_LIMIT]]
    picked = await screen.app.push_screen_wait(
        ChoiceDialog(Content(f"{len(found)} message(s) match — enter jumps"), labels, len(labels) - 1)
    )
    if picked is not None:
        await jump_to(screen, found[picked])


async def search_all(screen: ChatActions) -> None:
    query = await screen.app.push_screen_wait(TextPrompt(Content("Search all chats")))
    if not query or not query.strip():
        return
    try:
        hits = screen.ctx.chats.search(query.strip(), limit=SEARCH_LIMIT)
    except Exception as exc:
        screen.notify(f"Search failed: {exc}", markup=False, severity="error")
        return
    if not hits:
        screen.notify("Nothing found in any chat.", markup=False)
        return
    labels = [Content.assemble(plain_line(h.ref.title, "dim"), "\n", plain_line(h.name, "bold"), ": ",
                               plain_line(h.snippet)) for h in hits]
    picked = await screen.app.push_screen_wait(
        ChoiceDialog(Content(f"{len(hits)} match(es) in all chats — enter opens the chat there"), labels)
    )
    if picked is None:
        return
    hit = hits[picked]
    session = screen.session
    if session is None or session.ref is None or session.ref.id != hit.ref.id:
        card_path = screen.ctx.card_for_chat(hit.ref)
        if card_path is None:
            screen.notify("That chat's card is not in the library.", markup=False, severity="warning")
            return
        await screen.open_card(card_path, chat_id=hit.ref.id)
    await jump_to(screen, hit.index)
