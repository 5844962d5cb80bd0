"""Command palette entries for the chat actions and the library pane (titles are ours, never untrusted text)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from textual.app import SystemCommand
from textual.screen import Screen

# (title, help, action on the main screen)
CHAT_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Regenerate", "A new version of the last reply, kept as a swipe (alt+r; r in the chat log)", "regenerate"),
    ("Swipe left", "Show the previous version of the last reply (alt+, ; [ in the chat log)", "swipe(-1)"),
    ("Swipe right", "Next version; past the last one writes a new one (alt+. ; ] in the chat log)", "swipe(1)"),
    ("New swipe", "Write another version of the last reply (alt+w; w in the chat log)", "new_swipe"),
    ("Continue reply", "Extend the last message (alt+c; c in the chat log)", "continue_reply"),
    ("Impersonate", "Write your next message into the composer (alt+i; i in the chat log)", "impersonate"),
    ("Edit message", "Edit the selected (else last) message (alt+e; e in the chat log)", "edit_message"),
    ("Edit message in $EDITOR", "Edit the selected message in your editor (alt+o; o in the chat log)",
     "edit_message_external"),
    ("Delete messages", "Tick one or several messages to delete, then confirm (alt+d; d in the chat log)",
     "delete_messages"),
    ("Hide/unhide message", "Keep the message but leave it out of the prompt (alt+h; h in the chat log)",
     "toggle_hidden"),
    ("Insert narrator message", "A system/narrator message after the selected one (alt+n; n in the chat log)",
     "insert_narrator"),
    ("Branch from message", "A new chat holding the messages up to the selected one (alt+b; b in the chat log)",
     "branch_here"),
    ("Choose greeting", "Pick the greeting this new chat starts with (alt+g)", "choose_greeting"),
    ("Chats", "This character's chats: open, new, rename, delete, branch (F8)", "chats"),
    ("Personas", "Who you play: create, edit, default, this chat's choice (F9)", "personas"),
    ("Author's note", "This chat's author's note, position and depth (alt+a)", "authors_note"),
    ("Scenario override", "A scenario for this chat only (alt+s)", "scenario"),
    ("Chat lorebook", "Bind a lorebook from the worlds folder to this chat (alt+l)", "chat_lorebook"),
    ("Search this chat", "Find messages and jump to them (ctrl+f)", "search_chat"),
    ("Search all chats", "Find messages in every chat and open the chat there (alt+f)", "search_all"),
)

# (title, help, action on the character list)
LIBRARY_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Cards: filter", "Filter the character list by name, creator or #tag (/ in the list)", "focus_filter"),
    ("Cards: change sort", "Name, recently chatted, date added (s in the list)", "cycle_sort"),
    ("Cards: details", "Every field, greetings, lorebook, token cost (i in the list)", "detail"),
    ("Cards: import", "Copy a card file or a folder of cards into the library (a in the list)", "import_cards"),
    ("Cards: export", "Write the highlighted card as PNG, JSON or CHARX (x in the list)", "export_card"),
    ("Cards: duplicate", "Copy the highlighted card (c in the list)", "duplicate_card"),
    ("Cards: delete", "Delete the highlighted card file, after asking (D or delete in the list)", "delete_card"),
    ("Cards: create", "A new card, then its fields (n in the list)", "create_card"),
    ("Cards: edit", "Edit the highlighted card's fields; ctrl+e for $EDITOR (e in the list)", "edit_card"),
)


async def _run_in_cards(screen: Screen[Any], action: str) -> None:
    from tavo_tui.ui.library.card_list import CardList

    found = screen.query(CardList)
    if not found:
        return
    await screen.run_action("focus_pane('cards')")
    await found.first().run_action(action)


def chat_commands(screen: Screen[Any]) -> Iterable[SystemCommand]:
    for title, help_text, action in CHAT_COMMANDS:
        yield SystemCommand(title, help_text, partial(screen.run_action, action))
    for title, help_text, action in LIBRARY_COMMANDS:
        yield SystemCommand(title, help_text, partial(_run_in_cards, screen, action))
