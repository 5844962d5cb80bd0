"""The editors' flows on the main screen: open an editor, apply what it returns through the session layer,
and rebuild the inspector's preview at once. Each runs in a worker (it waits on modal screens)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tavo_tui.session.workshop import (
    WorkshopError,
    apply_instruct,
    apply_prompts,
    apply_settings,
    current_instruct,
    current_settings,
    save_card,
)
from tavo_tui.session.workshop_lore import BookRef, books_for
from tavo_tui.session.workshop_sources import EditTarget
from tavo_tui.ui.library.card_editor import CardEditorScreen
from tavo_tui.ui.workshop.lorebook import LorebookScreen
from tavo_tui.ui.workshop.prompt_manager import PromptManagerScreen
from tavo_tui.ui.workshop.templates import TemplatesDialog

if TYPE_CHECKING:
    from tavo_tui.ui.chat.actions import ChatActions


def _failed(screen: ChatActions, what: str, exc: Exception) -> None:
    screen.notify(f"{what}: {exc}", markup=False, severity="error")


async def edit_card(screen: ChatActions, field: str = "") -> None:
    """The open chat's card in the card editor (at `field`); saved to its file and used at once."""
    session = screen._idle_session()
    if session is None:
        return
    edited = await screen.app.push_screen_wait(CardEditorScreen(session.card, "Edit card", focus_field=field))
    if edited is None:
        return
    try:
        target = save_card(session, edited)
    except Exception as exc:  # LibraryError, or an unwritable file: the edit is not lost from memory
        _failed(screen, "Cannot save the card", exc)
        return
    screen._schedule_inspect(0)
    note = "" if target == session.card_path else f" (as a new file {target.name})"
    screen.notify(f"Saved {edited.name}{note}", markup=False, timeout=3)


async def edit_prompts(screen: ChatActions, focus_id: str = "") -> None:
    """The prompt manager on the chat-completion prompts in use; kept for the next start too."""
    session = screen._idle_session()
    if session is None:
        return
    prompts = current_settings(session).chat_completion.prompts
    edited = await screen.app.push_screen_wait(PromptManagerScreen(prompts, focus_id))
    if edited is None:
        return
    try:
        apply_prompts(session, edited)
    except WorkshopError as exc:
        _failed(screen, "Used for this session, but not kept", exc)
    screen._schedule_inspect(0)
    if session.profile.mode != "chat":
        screen.notify("Saved. The prompt manager shapes chat completion; this connection uses text completion.",
                      markup=False, timeout=5)
    else:
        screen.notify("Prompt manager saved", markup=False, timeout=3)


async def edit_templates(screen: ChatActions, focus: str = "") -> None:
    """Text completion's templates and instruct options; kept for the next start too."""
    session = screen._idle_session()
    if session is None:
        return
    choice = await screen.app.push_screen_wait(
        TemplatesDialog(current_settings(session), current_instruct(session), focus))
    if choice is None:
        return
    try:
        apply_settings(session, choice.settings)
        apply_instruct(session, choice.instruct, choice.options)
    except WorkshopError as exc:
        _failed(screen, "Not all of it was kept", exc)
    screen._schedule_inspect(0)
    screen._show_status()
    screen.notify("Templates saved", markup=False, timeout=3)


async def edit_lorebook(screen: ChatActions, world: str = "", entry: str = "") -> None:
    """The lorebook editor: on `world` at `entry` (a lore report's uid), else on the chat's first book."""
    session = screen._idle_session()
    if session is None:
        return
    refs = books_for(session)
    ref: BookRef = next((r for r in refs if world and r.name == world), refs[0])
    lorebook = LorebookScreen(session, ref, on_saved=lambda: screen._schedule_inspect(0))
    if entry:
        found = lorebook.doc.find(entry)
        lorebook.start_entry = found or ""
    await screen.app.push_screen_wait(lorebook)


async def open_source(screen: ChatActions, target: EditTarget) -> None:
    """The inspector's "edit source": the editor for where a section came from."""
    if target.kind == "card":
        await edit_card(screen, target.key)
    elif target.kind == "prompt":
        await edit_prompts(screen, target.key)
    elif target.kind == "lore":
        await edit_lorebook(screen, target.key, target.entry)
    elif target.kind == "templates":
        await edit_templates(screen, "sysprompt" if target.key == "sysprompt" else "")
    elif target.kind == "authors_note":
        from tavo_tui.ui.chat.flows import edit_authors_note

        await edit_authors_note(screen)
    elif target.kind == "persona":
        from tavo_tui.ui.chat.flows import open_personas

        await open_personas(screen)
